"""Every rule of the contract: a failing example that fires it at a precise place, and the
same submission uncorrupted, in the same format, where it does not fire."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contracts.contract import load_contract
from tests.helpers import metadata, observations
from transforms.history import History, figures
from transforms.readers import read_submission
from transforms.validation import validate
from transforms.writers import EXTENSIONS, write_submission

C = load_contract()
NAME = "ART8_AT_2023_R1"
# Where the i-th series of tests.helpers.observations() sits in the XLSX template.
SHEET_ROWS = [("8(a) Reports", r) for r in range(2, 12)] + [("8(b) Children", r) for r in range(2, 6)]
SHEET_ROWS += [("8(c) Convictions", 2), ("8(c) Convictions", 3)]


def at(fmt: str, i: int) -> str:
    """The location of the i-th observation in a file of format `fmt`."""
    if fmt == "json":
        return f"$.observations[{i}]"
    if fmt == "xlsx":
        return "sheet '{}', row {}".format(*SHEET_ROWS[i])
    return f"row {i + 2}"


def meta_at(fmt: str, name: str) -> str:
    if fmt == "json":
        return f"$.metadata.{name}"
    if fmt == "xlsx":
        row = [f.name for f in C.metadata_fields].index(name) + 2
        return f"sheet 'Metadata', row {row}, column value"
    return f"{NAME}.meta.json field '{name}'"


def _rows(changes=None) -> list[dict]:
    return [dict(o, geo="AT", time_period=2023, conf_status=None) for o in observations(changes)]


@dataclass
class Case:
    rule: str
    fmt: str
    location: str
    value: object = None
    meta: dict = field(default_factory=dict)  # metadata changes
    changes: dict = field(default_factory=dict)  # series key -> new value
    rows: object = None  # function editing the rows before writing
    text: object = None  # function editing the written file's text
    raw: bytes | None = None  # the whole file instead
    history: History | None = None
    name: str = NAME
    encoding: str = "utf-8"  # of the edited text
    id: str = ""


def write(tmp_path: Path, case: Case, failing: bool) -> Path:
    path = tmp_path / f"{case.name if failing else NAME}{EXTENSIONS[case.fmt]}"
    meta = {**metadata(), **(case.meta if failing else {})}
    rows = _rows(case.changes if failing else None)
    if failing and case.rows:
        case.rows(rows)
    write_submission(meta, rows, path, case.fmt)
    if failing and case.text:
        path.write_text(case.text(path.read_text(encoding="utf-8")), encoding=case.encoding)
    if failing and case.raw is not None:
        path.write_bytes(case.raw)
    return path


def _set(i: int, **values):
    def edit(rows):
        rows[i].update(values)

    return edit


def _json_edit(fn):
    def edit(text):
        doc = json.loads(text)
        fn(doc)
        return json.dumps(doc)

    return edit


def _year(year: int) -> dict:
    """A whole-year submission for `year` under the fixture's legal basis (32021R1232)."""
    return dict(
        name=f"ART8_AT_{year}_R1",
        meta={"time_period": year, "ref_period_start": f"{year}-01-01", "ref_period_end": f"{year}-12-31"},
        rows=lambda rows: [r.update(time_period=year) for r in rows],
    )


PERP = ("PERP_CNV", "_Z", "_Z", "_Z")
LINKED = ("PERP_CNV_LNK", "_Z", "_Z", "_Z")
YEAR = dt.date.today().year
EARLIER = figures(observations())

CASES = [
    Case("L0_READABLE", "json", "file", raw=b"{not json"),
    Case("L0_READABLE", "csv", "file", raw=b"geo,time\x00period\n"),
    Case("L0_READABLE", "csv", f"{NAME}.meta.json", text=lambda t: t, id="side-file"),
    Case("L0_READABLE", "xlsx", "file", raw=b"PK\x03\x04broken"),
    Case("L0_REQUIRED_FIELD", "json", meta_at("json", "contact"), meta={"contact": None}),
    Case("L0_REQUIRED_FIELD", "xlsx", meta_at("xlsx", "contact"), meta={"contact": None}),
    Case("L0_REQUIRED_FIELD", "csv", "row 1 (header)", text=lambda t: t.replace(",obs_status", ",status", 1)),
    Case("L0_TYPE", "json", at("json", 3), "n/a", rows=_set(3, obs_value="n/a")),
    Case("L0_TYPE", "xlsx", at("xlsx", 3) + ", column obs_value", "n/a", rows=_set(3, obs_value="n/a")),
    Case("L0_TYPE", "csv", at("csv", 3), "1,5", rows=_set(3, obs_value="1,5")),
    Case("L0_TYPE", "json", meta_at("json", "revision"), 0, meta={"revision": 0}, id="revision"),
    Case("L0_TOO_LONG", "csv", at("csv", 14), 2001, rows=_set(14, comment="x" * 2001), id="comment"),
    Case("L0_THOUSANDS_SEPARATOR", "json", at("json", 14), "1,004", rows=_set(14, obs_value="1,004")),
    Case("L0_THOUSANDS_SEPARATOR", "csv", at("csv", 14), "1 004", rows=_set(14, obs_value="1 004")),
    Case(
        "L0_ENCODING",
        "csv",
        "file",
        "Windows-1252",
        rows=_set(14, comment="Verurteilungen ü"),
        text=lambda t: t,
        encoding="cp1252",
    ),  # fmt: skip
    Case("L0_CODE_LIST", "json", meta_at("json", "geo"), "GR", meta={"geo": "GR"}),
    Case("L0_CODE_LIST", "csv", meta_at("csv", "geo"), "GR", meta={"geo": "GR"}),
    Case("L0_CODE_LIST", "xlsx", meta_at("xlsx", "geo"), "GR", meta={"geo": "GR"}),
    Case("L0_CODE_LIST", "sdmx-csv", at("sdmx-csv", 14), "z", rows=_set(14, obs_status="z")),
    Case("L0_CODE_LIST", "sdmx-csv", at("sdmx-csv", 13), "S", rows=_set(13, conf_status="S"), id="conf"),
    Case("L0_CODE_LIST", "csv", at("csv", 13), "X", rows=_set(13, conf_status="X"), id="conf"),
    Case("L0_CODE_LIST", "sdmx-csv", "row 2", "Q", text=lambda t: t.replace(",I,A,AT,", ",I,Q,AT,", 1)),
    Case(
        "L0_UNKNOWN_COLUMN",
        "csv",
        "row 1 (header)",
        "remarks",
        text=lambda t: t.replace("\n", ",remarks\n", 1),
    ),  # fmt: skip
    Case(
        "L0_UNKNOWN_COLUMN",
        "json",
        "$.observations[0].note",
        "note",
        text=_json_edit(lambda d: d["observations"][0].update(note="x")),
    ),  # fmt: skip
    # A confidentiality column in another case or misspelt, in every format: the flags in it would be lost.
    Case(
        "L0_FLAG_COLUMN",
        "csv",
        "row 1 (header)",
        "CONF_STATUS",
        rows=_set(13, conf_status="C"),
        text=lambda t: t.replace("conf_status", "CONF_STATUS", 1),
    ),  # fmt: skip
    Case(
        "L0_FLAG_COLUMN",
        "sdmx-csv",
        "row 1 (header)",
        "CONF_STAUS",
        rows=_set(13, conf_status="C"),
        text=lambda t: t.replace("CONF_STATUS", "CONF_STAUS", 1),
    ),  # fmt: skip
    Case(
        "L0_FLAG_COLUMN",
        "json",
        "$.observations[13].Conf_Status",
        "Conf_Status",
        text=_json_edit(lambda d: d["observations"][13].update(Conf_Status="C")),
    ),  # fmt: skip
    Case(
        "L0_FLAG_COLUMN",
        "xlsx",
        "sheet '8(b) Children', row 1 (header)",
        "CONF_STATUS",
        rows=_set(13, conf_status="N"),
    ),
    Case(
        "L0_DUPLICATE_COLUMN",
        "csv",
        "row 1 (header)",
        "comment",
        text=lambda t: t.replace("\n", ",comment\n", 1),
    ),  # fmt: skip
    Case("L0_DUPLICATE_COLUMN", "xlsx", "sheet '8(b) Children', row 1 (header)", "comment", id="xlsx"),
    Case(
        "L0_SDMX_STRUCTURE",
        "sdmx-csv",
        "row 3",
        "X",
        text=lambda t: t.replace(
            f"DF_ART8({C.version}),I,A,AT,REP_LEA,_Z,PIO", f"DF_ART8({C.version}),X,A,AT,REP_LEA,_Z,PIO"
        ),
    ),  # fmt: skip
    Case(
        "L0_SDMX_STRUCTURE",
        "sdmx-csv",
        "row 2",
        "CSA:DF_ART8(0.9.0)",
        text=lambda t: t.replace(f"DF_ART8({C.version})", "DF_ART8(0.9.0)", 1),
    ),  # fmt: skip
    Case(
        "L0_SDMX_STRUCTURE",
        "sdmx-csv",
        "row 3",
        " I ",  # what pysdmx refuses is said at its row, with the value as given
        id="sdmx-action-spaced",
        text=lambda t: t.replace(
            f"DF_ART8({C.version}),I,A,AT,REP_LEA,_Z,PIO", f"DF_ART8({C.version}), I ,A,AT,REP_LEA,_Z,PIO"
        ),
    ),  # fmt: skip
    Case("L0_SERIES_UNKNOWN", "json", at("json", 0), "REP_LEA/F/TOTAL/TOTAL", rows=_set(0, sex="F")),
    Case("L0_SERIES_MISSING", "json", "file", "PERP_CNV_LNK/_Z/_Z/_Z", rows=lambda r: r.pop()),
    Case("L1_LINKED_ORDER", "json", at("json", 15), "PERP_CNV_LNK 5 > PERP_CNV 4", changes={LINKED: 5}),
    Case("L0_SERIES_MISSING", "xlsx", "file", "CHILD_IDN/U/_Z/_Z", id="xlsx-row-cleared"),
    Case("L0_DUPLICATE_KEY", "csv", at("csv", 16), "REP_LEA/_Z/TOTAL/TOTAL", rows=lambda r: r.append(r[0])),
    Case("L0_GEO_MISMATCH", "csv", at("csv", 0), "DE", rows=_set(0, geo="DE")),
    Case(
        "L0_GEO_MISMATCH",
        "json",
        at("json", 0),
        "DE",
        text=_json_edit(lambda d: d["observations"][0].update(geo="DE")),
    ),  # fmt: skip
    Case("L0_YEAR_MISMATCH", "sdmx-csv", at("sdmx-csv", 1), 2022, rows=_set(1, time_period=2022)),
    Case("L0_LEGAL_BASIS", "json", meta_at("json", "legal_basis"), 2025, **_year(2025)),
    Case("L0_NO_LEGAL_BASIS", "json", meta_at("json", "legal_basis"), 2019, **_year(2019)),
    Case(
        "L0_REF_PERIOD_UNCOVERED",
        "xlsx",
        meta_at("xlsx", "ref_period_start"),
        "2021-01-01 to 2021-12-31",
        **_year(2021),
    ),  # fmt: skip
    Case(
        "L1_PERIOD_DIFFERS",
        "csv",
        meta_at("csv", "ref_period_start"),
        "2023-03-01 to 2023-12-31",
        meta={"ref_period_start": "2023-03-01"},
    ),
    Case(
        "L0_PERIOD_NOT_REPORTED",
        "json",
        meta_at("json", "ref_period_start"),
        "2026-07-31 to 2026-12-31",
        name="ART8_AT_2026_R1",
        meta={
            "time_period": 2026,
            "ref_period_start": "2026-01-01",
            "ref_period_end": "2026-04-03",
            "legal_basis": "32024R1307",
        },
        rows=lambda rows: [r.update(time_period=2026) for r in rows],
    ),  # fmt: skip
    Case(
        "L0_PERIOD_OUTSIDE_LAW",
        "xlsx",
        meta_at("xlsx", "ref_periods"),
        "2026-05-01 to 2026-05-31",
        name="ART8_AT_2026_R1",
        meta={
            "time_period": 2026,
            "ref_period_start": "2026-01-01",
            "ref_period_end": "2026-05-31",
            "legal_basis": "32024R1307",
            "ref_periods": "2026-01-01/2026-04-03: 32024R1307; 2026-05-01/2026-05-31: 32024R1307",
        },
        rows=lambda rows: [r.update(time_period=2026) for r in rows],
    ),  # fmt: skip
    Case(
        "L0_YEAR_NOT_ENDED",
        "json",
        meta_at("json", "time_period"),
        YEAR,
        name=f"ART8_AT_{YEAR}_R1",
        meta={"time_period": YEAR, "ref_period_start": f"{YEAR}-01-01", "ref_period_end": f"{YEAR}-12-31"},
        rows=lambda rows: [r.update(time_period=YEAR) for r in rows],
    ),  # fmt: skip
    Case(
        "L0_REF_PERIOD",
        "json",
        meta_at("json", "ref_period_start"),
        "2023-01-01 to 2024-03-31",
        meta={"ref_period_end": "2024-03-31"},
    ),  # fmt: skip
    Case("L1_NON_NEGATIVE", "json", at("json", 14), -1, changes={PERP: -1}),
    Case("L1_NON_NEGATIVE", "csv", at("csv", 14), -1, changes={PERP: -1}),
    Case("L1_NON_NEGATIVE", "sdmx-csv", at("sdmx-csv", 14), -1, changes={PERP: -1}),
    Case("L1_NON_NEGATIVE", "xlsx", at("xlsx", 14), -1, changes={PERP: -1}),
    Case("L1_NON_NEGATIVE", "csv", at("csv", 0), -12345, rows=_set(0, obs_value="-12,345"), id="grouped"),
    Case("L1_EMPTY_NEEDS_STATUS", "json", at("json", 14), rows=_set(14, obs_value=None, obs_status=None)),
    Case("L1_EMPTY_NEEDS_STATUS", "xlsx", at("xlsx", 14), rows=_set(14, obs_value=None, obs_status=None)),
    Case("L1_EMPTY_NEEDS_STATUS", "csv", at("csv", 14), "p", rows=_set(14, obs_value=None, obs_status="p")),
    Case("L1_STATUS_VALUE", "json", at("json", 14), 4, rows=_set(14, obs_status="m")),
    Case("L1_STATUS_VALUE", "xlsx", at("xlsx", 14), 4, rows=_set(14, obs_status="m")),
    Case(
        "L1_STATUS_DEFINITIONS",
        "csv",
        at("csv", 14),
        "d",
        meta={"conviction_stage": "FINAL"},
        rows=_set(14, obs_status="d"),
    ),  # fmt: skip
    Case("L1_SEX_SUM", "xlsx", at("xlsx", 10), 11, changes={("CHILD_IDN", "F", "_Z", "_Z"): 7}),
    Case(
        "L1_SEX_SUM",
        "json",
        at("json", 10),
        11,
        changes={("CHILD_IDN", "F", "_Z", "_Z"): 8, ("CHILD_IDN", "U", "_Z", "_Z"): None},
    ),  # fmt: skip
    Case("L1_REPORTER_SUM", "json", at("json", 0), 101, changes={("REP_LEA", "_Z", "PIO", "TOTAL"): 21}),
    Case("L1_SERVICE_SUM", "csv", at("csv", 2), 81, changes={("REP_LEA", "_Z", "PROVIDER", "VOIP"): 6}),
    Case(
        "L1_CASE_ORDER",
        "json",
        at("json", 9),
        "CASE_MULT 71 > CASE_UNQ 70",
        changes={("CASE_MULT", "_Z", "TOTAL", "TOTAL"): 71},
    ),  # fmt: skip
    Case(
        "L1_CASE_ORDER",
        "json",
        at("json", 8),
        "CASE_UNQ 101 > REP_LEA 100",
        changes={("CASE_UNQ", "_Z", "TOTAL", "TOTAL"): 101},
    ),  # fmt: skip
    Case(
        "L1_BREAKDOWN_MISSING",
        "xlsx",
        at("xlsx", 10),
        "CHILD_IDN/F/_Z/_Z, CHILD_IDN/M/_Z/_Z, CHILD_IDN/U/_Z/_Z",
        changes={("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"},
    ),  # fmt: skip
    Case("L1_CONFIDENTIAL", "json", at("json", 14), "C", rows=_set(14, conf_status="C")),
    Case("L1_CONFIDENTIAL", "csv", at("csv", 14), "N", rows=_set(14, conf_status="N")),
    Case("L1_CONFIDENTIAL", "sdmx-csv", at("sdmx-csv", 14), "C", rows=_set(14, conf_status="C")),
    Case("L1_CONFIDENTIAL", "xlsx", at("xlsx", 14), "C", rows=_set(14, conf_status="C")),
    Case(
        "L2_YOY_CHANGE",
        "json",
        at("json", 14),
        "-67%",
        history=History(years={2022: ({**EARLIER, PERP: 12}, 365)}),
    ),  # fmt: skip
    Case(
        "L1_BREAKDOWN_EXPLAINED",
        "xlsx",
        at("xlsx", 10),
        "CHILD_IDN/F/_Z/_Z, CHILD_IDN/M/_Z/_Z, CHILD_IDN/U/_Z/_Z",
        meta={"breakdown_gaps": "sex: not recorded in the case system"},
        changes={("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"},
    ),  # fmt: skip
    Case(
        "L2_YOY_CONFIRMED",
        "csv",
        at("csv", 14),
        "-67%",
        meta={"confirmed_changes": "PERP_CNV/_Z/_Z/_Z: courts closed for four months"},
        history=History(years={2022: ({**EARLIER, PERP: 12}, 365)}),
    ),  # fmt: skip
    Case(
        "L1_DEFINITION_DIFFERS",
        "sdmx-csv",
        meta_at("sdmx-csv", "child_upper_age"),
        16,
        meta={"child_upper_age": 16},
    ),
    Case(
        "L0_ANNOTATION",
        "json",
        meta_at("json", "breakdown_gaps"),
        "gender",
        meta={"breakdown_gaps": "gender: n/a"},
    ),
    Case(
        "L0_ANNOTATION",
        "xlsx",
        meta_at("xlsx", "confirmed_changes"),
        "PERP_CNV",
        meta={"confirmed_changes": "PERP_CNV: more cases"},
    ),  # fmt: skip
    Case(
        "L2_REVISION_CHANGE", "csv", at("csv", 14), 4, history=History(previous_revision={**EARLIER, PERP: 5})
    ),
    # Against the revisions the warehouse accepted before (number -> checksum of that content).
    Case(
        "L2_REVISION_ORDER",
        "json",
        meta_at("json", "revision"),
        1,
        history=History(revisions={2: "b2", 3: "c3"}),
        meta={"revision": 1},
        changes={PERP: 5},
    ),
    Case(
        "L2_REVISION_TAKEN",
        "xlsx",
        meta_at("xlsx", "revision"),
        2,
        history=History(revisions={2: "b2"}),
        meta={"revision": 2},
        changes={PERP: 5},
    ),
]
for _case in CASES:
    _case.id = f"{_case.rule}-{_case.fmt}{'-' + _case.id if _case.id else ''}"


def _xlsx_edits(path: Path, case: Case) -> None:
    """Edits a writer cannot make: a duplicated header cell, a cleared key row."""
    if case.id.endswith("xlsx") and case.rule == "L0_DUPLICATE_COLUMN":
        wb = load_workbook(path)
        wb["8(b) Children"]["I1"] = "comment"
        wb.save(path)
    if case.rule == "L0_FLAG_COLUMN" and case.fmt == "xlsx":  # the drop-down column's header, upper case
        wb = load_workbook(path)
        next(c for c in wb["8(b) Children"][1] if c.value == "conf_status").value = "CONF_STATUS"
        wb.save(path)
    if case.id.endswith("xlsx-row-cleared"):
        wb = load_workbook(path)
        for cell in wb["8(b) Children"][5]:
            cell.value = None
        wb.save(path)


def run(tmp_path: Path, case: Case, failing: bool):
    path = write(tmp_path, case, failing)
    if failing and case.id.endswith("side-file"):
        path.with_suffix(".meta.json").write_text("[1, 2", encoding="utf-8")
    if failing:
        _xlsx_edits(path, case)
    history = case.history if failing else History(years={2022: (EARLIER, 365)}, previous_revision=EARLIER)
    return validate(read_submission(path), history or History(years={2022: (EARLIER, 365)}))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_fires_at_its_place(tmp_path, case):
    report = run(tmp_path, case, failing=True)
    fired = [i for i in report.issues if i.rule == case.rule]
    assert fired, [(i.rule, i.location) for i in report.issues]
    places = [(i.location, i.value) for i in fired]
    if case.value is None:
        assert case.location in [p[0] for p in places], places
    else:
        assert (case.location, case.value) in places, places
    rule = C.rules[case.rule]
    assert all(i.severity == rule.severity and i.level == rule.level for i in fired)
    assert report.valid == (rule.severity != "error" and report.count("error") == 0)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_passes_on_the_same_submission_uncorrupted(tmp_path, case):
    report = run(tmp_path, case, failing=False)
    assert report.valid and report.issues == [], [(i.rule, i.location) for i in report.issues]


def test_every_rule_of_the_contract_has_a_failing_example():
    """Here, or for the rules about unsafe files, in the hostile corpus (tests/e2e/hostile.py); the
    loader's rules where the loader is tested."""
    from tests.e2e.hostile import CASES as HOSTILE

    proved_elsewhere = {
        "L0_NOT_JUDGED",  # tests/e2e/test_hostile.py::test_a_file_that_breaks_judging_*
        "L0_SENDER_MISMATCH",  # the loader's rule: tests/e2e/test_senders.py
    }
    assert {c.rule for c in CASES} | {c.rule for c in HOSTILE if c.rule} | proved_elsewhere == set(C.rules)


def test_every_rule_has_a_failing_example_in_the_report_rules_summary(tmp_path):
    report = run(tmp_path, next(c for c in CASES if c.rule == "L2_REVISION_CHANGE"), failing=True)
    results = {r["rule"]: r for r in report.to_dict()["rules"]}
    assert set(results) == set(C.rules)
    assert results["L2_REVISION_CHANGE"] == {
        "rule": "L2_REVISION_CHANGE", "level": 2, "severity": "warning", "dimension": "accuracy",
        "result": "failed", "failures": 1,
    }  # fmt: skip
    assert results["L1_SEX_SUM"]["result"] == "passed"
