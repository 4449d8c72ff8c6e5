"""Load the Article 8 contract (ODCS YAML) and expose what the other stages derive from it."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("article8.odcs.yaml")


@dataclass(frozen=True)
class Rule:
    id: str
    level: int
    severity: str  # error | warning | information
    dimension: str
    message: str


@dataclass(frozen=True)
class Field:
    name: str
    logical_type: str
    required: bool
    description: str
    label: str = ""  # ODCS businessName: how publications name the column
    physical_type: str | None = None
    code_list: str | None = None
    role: str | None = None
    minimum: int | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class LegalBasis:
    code: str
    valid_from: dt.date
    valid_to: dt.date

    def covers_year(self, year: int) -> bool:
        return self.valid_from <= dt.date(year, 12, 31) and self.valid_to >= dt.date(year, 1, 1)


@dataclass(frozen=True)
class Disclosure:
    threshold: int  # non-zero counts below it are hidden (primary suppression)
    rule: str  # the rule in words, as published


class Contract:
    """Read-only view of the contract document."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.version: str = doc["version"]
        self.id: str = doc["id"]
        custom = custom_properties(doc)
        self.code_lists: dict[str, dict[str, str]] = custom["codeLists"]
        self.legal_bases = [
            LegalBasis(b["code"], b["valid_from"], b["valid_to"]) for b in custom["legalBases"]
        ]
        self.series: list[dict] = _expand_series(custom["series"])
        self.additivity: list[dict] = custom["additivity"]
        self.ordering: list[dict] = custom["ordering"]
        self.rules = {q["name"]: parse_rule(q) for q in doc["quality"]}
        self.tables = {s["name"]: [_field(p) for p in s["properties"]] for s in doc["schema"]}
        self.key_figures: dict[str, tuple] = {n: self.series_key(k) for n, k in custom["keyFigures"].items()}
        self.eu_aggregate: str = custom["euAggregate"]
        self.confidentiality: dict[str, str] = custom["confidentialityRoles"]  # role -> code
        self.missing_status: str = custom["missingStatus"]
        self.not_applicable: str = custom["notApplicable"]
        self.disclosure = Disclosure(int(custom["disclosure"]["threshold"]), custom["disclosure"]["rule"])
        self.file_name: dict[str, str] = custom["submissionFileName"]
        self.yoy_band: float = float(custom["yearOnYearBand"]["band"])
        self.yoy_min_base: int = int(custom["yearOnYearBand"]["minimumBase"])
        self.article_points: dict[str, dict] = custom["articlePoints"]
        self.markings: dict[str, dict] = custom["markings"]
        self._check_publication_codes()

    def _check_publication_codes(self) -> None:
        """The publication codes must be codes of their lists (and the EU aggregate no state)."""
        wrong = [
            *(
                f"conf_status {c}"
                for c in self.confidentiality.values()
                if c not in self.code_lists["conf_status"]
            ),
            *(
                [f"obs_status {self.missing_status}"]
                if self.missing_status not in self.code_lists["obs_status"]
                else []
            ),
            *([f"euAggregate {self.eu_aggregate}"] if self.eu_aggregate in self.code_lists["geo"] else []),
        ]
        if wrong:
            raise ValueError(f"contract {self.version}: publication codes not in their code lists: {wrong}")

    @property
    def hidden_statuses(self) -> tuple[str, str]:
        """The confidentiality statuses of a figure disclosure control hides."""
        return self.confidentiality["primary"], self.confidentiality["secondary"]

    @property
    def observation_fields(self) -> list[Field]:
        return self.tables["observation"]

    @property
    def metadata_fields(self) -> list[Field]:
        return self.tables["submission"]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.observation_fields]

    @property
    def dimensions(self) -> list[str]:
        return [f.name for f in self.observation_fields if f.role == "dimension"]

    @property
    def series_dimensions(self) -> list[str]:
        """Dimensions that tell the series of a submission apart (geo and year are fixed)."""
        return [d for d in self.dimensions if d not in ("geo", "time_period")]

    def series_keys(self) -> list[tuple[str, ...]]:
        return [tuple(s[d] for d in self.series_dimensions) for s in self.series]

    def series_key(self, row: dict) -> tuple:
        """A row's series key: its values of the series dimensions."""
        return tuple(row.get(d) for d in self.series_dimensions)

    def additivity_groups(self) -> list[tuple[str, tuple, list[tuple]]]:
        """(rule id, total key, part keys) for every parts/total group of every series."""
        groups = []
        for rule in self.additivity:
            ((dimension, codes),) = rule["parts"].items()
            for series in self.series:
                if all(series[d] == code for d, code in rule["total"].items()):
                    parts = [self.series_key({**series, dimension: code}) for code in codes]
                    groups.append((rule["rule"], self.series_key(series), parts))
        return groups

    def breakdown_of(self, total: tuple) -> list[tuple]:
        """The total and its parts, for a total that has an additivity group (else just the total)."""
        parts = next((p for _rule, t, p in self.additivity_groups() if t == total), [])
        return [total, *parts]

    def point_of(self, indicator: str) -> str:
        return next(s["point"] for s in self.series if s["indicator"] == indicator)

    def reference_period(self, year: int) -> tuple[dt.date, dt.date] | None:
        """First and last day of `year` that a legal basis covers (2021 starts on 2 August)."""
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        covering = [b for b in self.legal_bases if b.covers_year(year)]
        if not covering:
            return None
        return max(first, min(b.valid_from for b in covering)), min(last, max(b.valid_to for b in covering))

    def legal_basis(self, code: str) -> LegalBasis | None:
        return next((b for b in self.legal_bases if b.code == code), None)

    def legal_basis_on(self, day: dt.date) -> LegalBasis | None:
        """The legal basis in force on a day (None when no basis covers it)."""
        return next((b for b in self.legal_bases if b.valid_from <= day <= b.valid_to), None)

    def submission_stem(self, geo: str, year: int | str, revision: int | str) -> str:
        """A submission's file name without extension, such as ART8_AT_2023_R1."""
        return self.file_name["format"].format(geo=geo, year=year, revision=revision)

    def name_parts(self, name: str) -> dict:
        """Geo, year and revision read from a file name following the pattern (empty when not)."""
        m = re.search(self.file_name["pattern"], name, re.I)
        if not m:
            return {}
        found = {"geo": m["geo"].upper(), "time_period": int(m["year"])}
        if m["revision"]:
            found["revision"] = int(m["revision"])
        return found


def custom_properties(element: dict) -> dict:
    """An ODCS element's customProperties as a dict (property -> value)."""
    return {c["property"]: c["value"] for c in element.get("customProperties", [])}


def parse_rule(q: dict) -> Rule:
    """An ODCS quality entry as a rule (its level is a custom property)."""
    custom = custom_properties(q)
    return Rule(q["name"], int(custom["level"]), q["severity"], q["dimension"], q["description"])


def _field(p: dict) -> Field:
    custom = custom_properties(p)
    options = p.get("logicalTypeOptions", {})
    return Field(
        name=p["name"],
        logical_type=p["logicalType"],
        required=bool(p.get("required", False)),
        description=p.get("description", ""),
        label=p.get("businessName", p["name"]),
        physical_type=p.get("physicalType"),
        code_list=custom.get("codeList"),
        role=custom.get("role"),
        minimum=options.get("minimum"),
        max_length=options.get("maxLength"),
    )


def _expand_series(templates: list[dict]) -> list[dict]:
    series = []
    for t in templates:
        keys = [k for k in t if k != "point"]
        values = [v if isinstance(v, list) else [v] for v in (t[k] for k in keys)]
        for combo in itertools.product(*values):
            series.append({**dict(zip(keys, combo, strict=True)), "point": t["point"]})
    return series


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    # The C loader when libyaml is there: the contract is read on every `csa-stats validate`.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return Contract(yaml.load(f, Loader=loader))  # noqa: S506 (a safe loader)
