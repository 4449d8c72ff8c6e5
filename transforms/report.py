"""The validation report: one Issue per failed check, the Report modelled on the ESS
validation report, and its JSON and HTML files (the feedback a state gets)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, fields
from dataclasses import field as _field
from functools import cache
from pathlib import Path

from contracts.contract import load_contract
from transforms.files import write_atomic

UNPARSED = ("L0_READABLE", "L0_LIMIT", "L0_UNSAFE_WORKBOOK", "L0_NOT_JUDGED")  # not (allowed to be) read


@dataclass
class Issue:
    """One validation event that failed (the ESS report's `validation` with value 0)."""

    rule: str
    level: int
    severity: str
    message: str
    file: str
    location: str
    field: str | None = None
    value: object = None
    expected: object = None
    # The same place, split up: sheet/row/column (XLSX, CSV) or a JSON path (JSON, side file).
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    json_path: str | None = None


def place(location: str, field: str | None) -> dict:
    """Sheet, row, column and JSON path of a location such as "sheet '8(a) Reports', row 5",
    "row 12", "$.observations[3]" or "ART8_AT_2023_R1.meta.json field 'contact'"."""
    sheet = re.search(r"sheet '([^']*)'", location)
    row = re.search(r"\brow (\d+)", location)
    column = re.search(r"\bcolumn (\S+)", location)
    side_field = re.search(r"\.json field '([^']*)'", location)
    json_path = None
    if re.fullmatch(r"\$\.observations\[\d+\]", location) and field:
        json_path = f"{location}.{field}"
    elif location.startswith("$"):
        json_path = location
    elif side_field:
        json_path = f"$.{side_field[1]}"
    return {
        "sheet": sheet[1] if sheet else None,
        "row": int(row[1]) if row else None,
        "column": column[1] if column else (field if row else None),
        "json_path": json_path,
    }


@dataclass
class Report:
    file: str
    format: str
    geo: str | None
    time_period: int | None
    revision: int
    contract_version: str
    issues: list[Issue]
    levels: tuple[int, ...] = (0, 1, 2)  # the levels whose rules were evaluated
    # Who ran the validation and why (see validation_event); apart from the content.
    event: dict = _field(default_factory=dict)

    @classmethod
    def from_dict(cls, doc: dict) -> Report:
        """The report back from its JSON, as the warehouse stores it."""
        names = {f.name for f in fields(Issue)}
        issues = [Issue(**{k: v for k, v in i.items() if k in names}) for i in doc["issues"]]
        return cls(
            doc["file"], doc["format"], doc["geo"], doc["time_period"], doc["revision"],
            doc["contract_version"], issues, tuple(doc.get("levels", (0, 1))), doc.get("event", {}),
        )  # fmt: skip

    def count(self, severity: str) -> int:
        return sum(1 for i in self.issues if i.severity == severity)

    @property
    def valid(self) -> bool:
        return self.count("error") == 0

    @property
    def readable(self) -> bool:
        """False when the file could not, or was not allowed to, be parsed."""
        return not any(i.rule in UNPARSED and i.location == "file" for i in self.issues)

    @property
    def dataset(self) -> str:
        """The submission's name in the ESS sense: state, year and revision."""
        return load_contract().submission_stem(self.geo or "XX", self.time_period or "YYYY", self.revision)

    def rule_results(self) -> list[dict]:
        """Every rule of the contract: failed (with how often), passed, or not evaluated."""
        fired = Counter(i.rule for i in self.issues)
        results = []
        for rule in load_contract().rules.values():
            evaluated = rule.level in self.levels and (self.readable or rule.id == "L0_READABLE")
            result = "failed" if fired[rule.id] else ("passed" if evaluated else "not evaluated")
            results.append(
                {"rule": rule.id, "level": rule.level, "severity": rule.severity,
                 "dimension": rule.dimension, "result": result, "failures": fired[rule.id]}
            )  # fmt: skip
        return results

    def to_dict(self) -> dict:
        """Modelled on the ESS validation report: dataset, event, every rule's result, and one
        entry per failed validation with its place, value and expected value."""
        return {
            "type": "validation_report",
            "dataset": self.dataset,
            "event": self.event,
            "levels": list(self.levels),
            "file": self.file,
            "format": self.format,
            "geo": self.geo,
            "time_period": self.time_period,
            "revision": self.revision,
            "contract_version": self.contract_version,
            "valid": self.valid,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "information": self.count("information"),
            "rules": self.rule_results(),
            "issues": [{"id": f"{self.dataset}#{n}", **asdict(i)} for n, i in enumerate(self.issues, 1)],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def write(
        self,
        folder: Path,
        stem: str,
        rows: list[dict] | None = None,
        trigger: str = "validate",
        text: str | None = None,
    ) -> tuple[Path, Path]:
        """The JSON report and its readable HTML summary page of all rules, written beside each
        other. With `rows` (the submission's canonical rows) the GX suite also runs on them and
        its Data Docs go to `<stem>.datadocs/`, linked from the summary page (GX stamps them with
        the time: unlike the report, they differ from run to run). `text` is the report's
        `to_json()` when the caller already made it (the loader stores the same text)."""
        from transforms.report_html import render_report

        folder.mkdir(parents=True, exist_ok=True)
        json_path, html_path = folder / f"{stem}.validation.json", folder / f"{stem}.validation.html"
        self.event = self.event or validation_event(trigger)
        gx = _data_docs(rows, folder / f"{stem}.datadocs") if rows is not None else None
        # Each file whole or not at all, the JSON last: a load killed in between is completed on rerun.
        write_atomic(html_path, render_report(self, gx, folder))
        write_atomic(json_path, text or self.to_json())
        return json_path, html_path


def validation_event(trigger: str, actor: str = "csa-stats") -> dict:
    """The ESS report's event: who validated, with what, why. No wall-clock time, so the same
    file validated again gives the same report bytes (the warehouse's audit log keeps when)."""
    return {"actor": actor, "agent": _agent(), "trigger": trigger}


@cache
def _agent() -> str:
    """Asked once per process: importlib.metadata scans the installed distributions."""
    from importlib.metadata import version

    return f"csa-stats {version('csa-stats')}"


def _data_docs(rows: list[dict], docs_dir: Path):
    """The GX part of the report: the contract's expectation suite on the canonical rows."""
    from contracts.gx_suite import check_frame
    from contracts.pandera_model import observation_frame

    return check_frame(observation_frame(rows), docs_dir=docs_dir, name="submission")
