"""Load the Article 8 contract (ODCS YAML) and expose what the other stages derive from it."""

from __future__ import annotations

import itertools
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from contracts.disclosure import Disclosure
from contracts.law import Law, LegalGap, legal_basis

CONTRACT_PATH = Path(__file__).with_name("article8.odcs.yaml")
_INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}  # a field's DuckDB integer types


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

    @property
    def integer_range(self) -> tuple[int, int]:
        """Smallest and largest whole number the warehouse type of this field holds."""
        bits = _INTEGER_BITS.get((self.physical_type or "BIGINT").upper(), 64)
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


class Contract(Law):
    """Read-only view of the contract document."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.version: str = doc["version"]
        self.id: str = doc["id"]
        custom = custom_properties(doc)
        self.code_lists: dict[str, dict[str, str]] = custom["codeLists"]
        self.legal_bases = [legal_basis(b) for b in custom["legalBases"]]
        self.reference_definitions: list[dict] = custom["referenceDefinitions"]
        self.definition_differs: str = custom["definitionDiffersStatus"]
        self.legal_gaps = [
            LegalGap(g["valid_from"], g.get("valid_to"), g["note"]) for g in custom["legalGaps"]
        ]
        self.period_differs: dict[str, str] = custom["referencePeriodDiffers"]
        self.comparability_notes: list[dict] = custom["comparabilityNotes"]
        self._check_legal_bases()
        self.series: list[dict] = _expand_series(custom["series"])
        self.additivity: list[dict] = custom["additivity"]
        self.ordering: list[dict] = custom["ordering"]
        self.rules = {q["name"]: parse_rule(q) for q in doc["quality"]}
        self.tables = {s["name"]: [_field(p) for p in s["properties"]] for s in doc["schema"]}
        self.key_figures: dict[str, tuple] = {n: self.series_key(k) for n, k in custom["keyFigures"].items()}
        self.eu_aggregate: str = custom["euAggregate"]
        self.eu_aggregate_rule: dict = custom["euAggregateRule"]
        self.confidentiality: dict[str, str] = custom["confidentialityRoles"]  # role -> code
        self.missing_status: str = custom["missingStatus"]
        self.not_applicable: str = custom["notApplicable"]
        self.disclosure = Disclosure.read(custom["disclosure"], self.code_lists["conf_status"])
        self.file_name: dict[str, str] = custom["submissionFileName"]
        self.yoy_band: float = float(custom["yearOnYearBand"]["band"])
        self.yoy_min_base: int = int(custom["yearOnYearBand"]["minimumBase"])
        self.article_points: dict[str, dict] = custom["articlePoints"]
        self.markings: dict[str, dict] = custom["markings"]
        self.forbidden_text = re.compile(custom["forbiddenText"])
        self._check_publication_codes()

    def forbidden_character(self, text: str) -> str | None:
        """The first character no text field may hold, as U+XXXX, or None."""
        m = self.forbidden_text.search(text)
        return f"U+{ord(m[0]):04X}" if m else None

    def neutralise(self, text: str) -> str:
        """The text with every forbidden character replaced by U+FFFD (what writers emit)."""
        return self.forbidden_text.sub("\ufffd", text)

    def neutralised(self, value):
        """A value (dicts and lists walked) with every string neutralised: the writers' input."""
        if isinstance(value, str):
            return self.neutralise(value)
        if isinstance(value, dict):
            return {k: self.neutralised(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.neutralised(v) for v in value]
        return value

    def _check_publication_codes(self) -> None:
        """The publication codes must be codes of their lists (and the EU aggregate no state)."""
        wrong = [
            *(
                f"conf_status {c}"
                for c in self.confidentiality.values()
                if c not in self.code_lists["conf_status"]
            ),
            *(
                f"obs_status {status}"
                for status in (self.missing_status, self.period_differs["status"])
                if status not in self.code_lists["obs_status"]
            ),
            *([f"euAggregate {self.eu_aggregate}"] if self.eu_aggregate in self.code_lists["geo"] else []),
        ]
        if wrong:
            raise ValueError(f"contract {self.version}: publication codes not in their code lists: {wrong}")

    @property
    def confidential_codes(self) -> frozenset[str]:
        """The confidentiality statuses of a figure that is never published (all but free)."""
        return frozenset(c for role, c in self.confidentiality.items() if role != "free")

    @property
    def structure_codes(self) -> tuple:
        """The codes of the EU aggregate and of confidentiality: the data structure's, the same in
        every contract version (publish/disclosure.py takes them once)."""
        rule = self.eu_aggregate_rule["coverageAttribute"]
        return self.eu_aggregate, self.confidentiality, self.disclosure.public, self.missing_status, rule

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

    def breakdown(self, rule_id: str) -> tuple[str, list[str]]:
        """The dimension an additivity rule breaks its total down by, and the part codes."""
        return additivity_parts(next(r for r in self.additivity if r["rule"] == rule_id))

    def additivity_groups(self) -> list[tuple[str, tuple, list[tuple]]]:
        """(rule id, total key, part keys) for every parts/total group of every series."""
        groups = []
        for rule in self.additivity:
            dimension, codes = additivity_parts(rule)
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


def additivity_parts(rule: dict) -> tuple[str, list[str]]:
    """An additivity rule's one breakdown dimension and its part codes."""
    ((dimension, codes),) = rule["parts"].items()
    return dimension, codes


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


# The contract of the run in progress (csa_stats/run.py sets it for a command or a task): two
# runs side by side (threads, tasks) each judge and publish under their own version.
CONTRACT_IN_USE: ContextVar[Contract | None] = ContextVar("contract_in_use", default=None)


def load_contract(path: Path | None = None) -> Contract:
    """The contract at `path`; without one, the contract of the run in progress, or the built-in
    version outside a run."""
    if path is None:
        return CONTRACT_IN_USE.get() or _read(CONTRACT_PATH)
    return _read(Path(path))


@cache
def _read(path: Path) -> Contract:
    # The C loader when libyaml is there: the contract is read on every `csa-stats validate`.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return Contract(yaml.load(f, Loader=loader))  # noqa: S506 (a safe loader)
