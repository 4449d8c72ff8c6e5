"""Validation beyond single rules: gaps, reports, formats and history. Every rule of the contract,
with its failing example and place, is tested once, in test_rules.py."""

import datetime as dt
import json

from contracts.contract import load_contract
from tests.helpers import metadata, observations, write_json_submission
from transforms.history import History, figures
from transforms.readers import read_submission
from transforms.report import Report
from transforms.validation import validate


def _validate(tmp_path, doc=None, history=None, name="ART8_AT_2023_R1.json", **kw):
    path = tmp_path / name
    doc = doc or {"metadata": metadata(**kw), "observations": observations()}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return validate(read_submission(path), history)


def _rules(report):
    return {i.rule for i in report.issues}


def test_valid_submission_passes_without_issues(tmp_path):
    report = _validate(tmp_path)
    assert report.valid and report.issues == []
    assert report.contract_version == load_contract().version


def test_an_over_long_comment_is_one_finding(tmp_path):
    """The length limit is tested once: L0_TOO_LONG, not also L0_TYPE for the same text."""
    rows = observations()
    limit = next(f.max_length for f in load_contract().observation_fields if f.name == "comment")
    rows[0]["comment"] = "x" * (limit + 1)
    report = _validate(tmp_path, {"metadata": metadata(), "observations": rows})
    assert [(i.rule, i.field) for i in report.issues] == [("L0_TOO_LONG", "comment")]


def test_missing_breakdown_is_a_flagged_gap_not_an_error(tmp_path):
    gap = {("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"}
    report = _validate(tmp_path, {"metadata": metadata(), "observations": observations(gap)})
    assert report.valid
    assert [i.rule for i in report.issues] == ["L1_BREAKDOWN_MISSING"]
    assert "CHILD_IDN/F/_Z/_Z" in report.issues[0].value


def test_partial_breakdown_may_not_exceed_total(tmp_path):
    gap = {("CHILD_IDN", "U", "_Z", "_Z"): None, ("CHILD_IDN", "F", "_Z", "_Z"): 8}
    report = _validate(tmp_path, {"metadata": metadata(), "observations": observations(gap)})
    assert "L1_SEX_SUM" in _rules(report)


def test_empty_value_needs_a_status(tmp_path):
    obs = observations()
    obs[14]["obs_value"] = None
    report = _validate(tmp_path, {"metadata": metadata(), "observations": obs})
    issue = next(i for i in report.issues if i.rule == "L1_EMPTY_NEEDS_STATUS")
    assert issue.location == "$.observations[14]"


def test_gr_is_rejected_with_a_hint(tmp_path):
    report = _validate(tmp_path, geo="GR")
    issue = next(i for i in report.issues if i.rule == "L0_CODE_LIST")
    assert issue.location == "$.metadata.geo" and "EL" in issue.message


def test_future_year_is_rejected(tmp_path):
    year = dt.date.today().year
    doc = {"metadata": metadata(year=year), "observations": observations()}
    for o in doc["observations"]:
        o["time_period"] = year
    assert "L0_YEAR_NOT_ENDED" in _rules(_validate(tmp_path, doc, name=f"ART8_AT_{year}_R1.json"))


def test_thousands_separator_is_a_warning(tmp_path):
    obs = observations({("REP_LEA", "_Z", "TOTAL", "TOTAL"): 1100, ("REP_LEA", "_Z", "PIO", "TOTAL"): 1020})
    obs[0]["obs_value"] = "1,100"
    report = _validate(tmp_path, {"metadata": metadata(), "observations": obs})
    assert report.valid and "L0_THOUSANDS_SEPARATOR" in _rules(report)


def test_all_problems_are_reported_at_once(tmp_path):
    doc = {"metadata": metadata(geo="GR"), "observations": observations({("PERP_CNV", "_Z", "_Z", "_Z"): -1})}
    doc["observations"].pop(0)
    rules = _rules(_validate(tmp_path, doc))
    assert {"L0_CODE_LIST", "L1_NON_NEGATIVE", "L0_SERIES_MISSING"} <= rules


def test_unreadable_file_is_reported_not_raised(tmp_path):
    path = tmp_path / "ART8_AT_2023_R1.json"
    path.write_text("{not json", encoding="utf-8")
    report = validate(read_submission(path))
    assert not report.readable and report.issues[0].rule == "L0_READABLE"


def test_level2_year_on_year_and_revision_warnings(tmp_path):
    prev = {k: v * 3 for k, v in figures(observations()).items()}
    history = History(
        years={2022: (prev, 365)},
        previous_revision=figures(observations({("PERP_CNV", "_Z", "_Z", "_Z"): 5})),
    )
    report = _validate(tmp_path, history=history)
    assert report.valid
    yoy = [i for i in report.issues if i.rule == "L2_YOY_CHANGE"]
    assert yoy and all(i.severity == "warning" for i in yoy)
    revision = next(i for i in report.issues if i.rule == "L2_REVISION_CHANGE")
    assert (revision.expected, revision.value) == (5, 4) and "5 -> 4" in revision.message


def test_partial_year_is_compared_by_daily_rate(tmp_path):
    """2021 covered August to December only: the same daily rate is no change."""
    prev = {k: round(v * 151 / 365) if v else v for k, v in figures(observations()).items()}
    history = History(years={2021: (prev, 151)})
    report = _validate(tmp_path, history=history)
    assert "L2_YOY_CHANGE" not in _rules(report)


def test_csv_and_json_give_the_same_canonical_table(tmp_path):
    json_path = write_json_submission(tmp_path / "j")
    csv_dir = tmp_path / "c"
    csv_dir.mkdir()
    rows = read_submission(json_path).rows()
    columns = [
        "geo",
        "time_period",
        "indicator",
        "sex",
        "reporter",
        "service",
        "obs_value",
        "obs_status",
        "comment",
    ]
    lines = [";".join(columns)] + [";".join("" if r[c] is None else str(r[c]) for c in columns) for r in rows]
    (csv_dir / "ART8_AT_2023_R1.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    (csv_dir / "ART8_AT_2023_R1.meta.json").write_text(json.dumps(metadata()), encoding="utf-8")
    from_csv = read_submission(csv_dir / "ART8_AT_2023_R1.csv")
    assert from_csv.rows() == rows
    assert from_csv.metadata == read_submission(json_path).metadata
    assert validate(from_csv).valid


def test_report_json_follows_the_ess_shape_and_keeps_time_apart(tmp_path):

    doc = {"metadata": metadata(), "observations": observations({("PERP_CNV", "_Z", "_Z", "_Z"): -1})}
    report = _validate(tmp_path, doc)
    content = report.to_dict()
    assert content["dataset"] == "ART8_AT_2023_R1" and content["event"] == {}
    issue = next(i for i in content["issues"] if i["rule"] == "L1_NON_NEGATIVE")
    assert issue["id"].startswith("ART8_AT_2023_R1#")
    assert (issue["json_path"], issue["value"], issue["level"], issue["severity"]) == (
        "$.observations[14].obs_value", -1, 1, "error")  # fmt: skip
    rules = {r["rule"]: r["result"] for r in content["rules"]}
    assert rules["L1_NON_NEGATIVE"] == "failed" and rules["L1_SEX_SUM"] == "passed"
    assert rules["L2_YOY_CHANGE"] == "not evaluated"  # no history given
    json_path, _ = report.write(tmp_path / "reports", "x")
    written = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(written["event"]) == {"actor", "agent", "trigger"}  # no wall-clock time: same file, same bytes
    assert report.write(tmp_path / "again", "x")[0].read_bytes() == json_path.read_bytes()
    assert Report.from_dict(written).to_dict() == written
    assert {k: v for k, v in written.items() if k != "event"} == json.loads(
        json.dumps({k: v for k, v in content.items() if k != "event"}, default=str)
    )


def test_xlsx_and_csv_issues_name_sheet_row_and_column(tmp_path):
    from transforms.writers import write_submission

    rows = [dict(o, geo="AT", time_period=2023) for o in observations({("PERP_CNV", "_Z", "_Z", "_Z"): -1})]
    for fmt, ext, place in [
        ("xlsx", ".xlsx", {"sheet": "8(c) Convictions", "row": 2, "column": "obs_value", "json_path": None}),
        ("csv", ".csv", {"sheet": None, "row": 16, "column": "obs_value", "json_path": None}),
    ]:
        path = tmp_path / fmt / f"ART8_AT_2023_R1{ext}"
        write_submission(metadata(), rows, path, fmt)
        issue = next(i for i in validate(read_submission(path)).issues if i.rule == "L1_NON_NEGATIVE")
        assert {k: getattr(issue, k) for k in place} == place, fmt


def test_report_page_lists_every_rule_and_links_the_gx_data_docs(tmp_path):

    doc = {"metadata": metadata(), "observations": observations({("CHILD_IDN", "F", "_Z", "_Z"): -6})}
    path = tmp_path / "ART8_AT_2023_R1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    submission = read_submission(path)
    report = validate(submission)
    _, html_path = report.write(tmp_path / "reports", "AT-2023", submission.rows())
    html = html_path.read_text(encoding="utf-8")
    for rule in load_contract().rules:
        assert f"<td>{rule}</td>" in html, rule
    assert 'href="AT-2023.datadocs/index.html"' in html
    assert (tmp_path / "reports" / "AT-2023.datadocs" / "index.html").exists()
    assert "1 failed" in html  # GX: obs_value below the contract's minimum


def test_loader_writes_data_docs_as_configured(csa_env, tmp_path, monkeypatch):
    from csa_stats.settings import get_settings
    from warehouse.loader import ingest_file

    def docs_of(result):
        return result.report_path.with_name(f"{result.submission_id}.datadocs")

    first = ingest_file(
        write_json_submission(tmp_path / "bad0", year=2022, changes={("PERP_CNV", "_Z", "_Z", "_Z"): -3}),
        get_settings(),
    )
    assert first.status == "rejected" and not docs_of(first).exists()  # default: none
    monkeypatch.setenv("CSA_DATA_DOCS", "rejected")
    good = ingest_file(write_json_submission(tmp_path / "in"), get_settings())
    bad = write_json_submission(tmp_path / "bad", year=2022, changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1})
    rejected = ingest_file(bad, get_settings())
    assert (good.status, rejected.status) == ("accepted", "rejected")
    assert not docs_of(good).exists() and (docs_of(rejected) / "index.html").exists()
    stored = json.loads(rejected.report_path.read_text(encoding="utf-8"))
    assert stored["event"]["trigger"] == "ingest" and stored["event"]["actor"] == "system"


def _cli(*args):
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "csa-stats"
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True)


def test_validate_writes_reports_with_data_docs_on_request(tmp_path):
    bad = write_json_submission(tmp_path / "in", changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1})
    result = _cli("validate", bad, "--report-dir", tmp_path / "out", "--data-docs")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "ART8_AT_2023_R1.datadocs",
        "ART8_AT_2023_R1.validation.html",
        "ART8_AT_2023_R1.validation.json",
    ]
    report = json.loads((tmp_path / "out" / "ART8_AT_2023_R1.validation.json").read_text(encoding="utf-8"))
    assert report["event"]["trigger"] == "validate" and report["contract_version"] == load_contract().version


def test_plain_validate_imports_nothing_heavy(tmp_path):
    """`csa-stats validate` must start in well under a second: no pandas, pandera, GX, DuckDB, numpy."""
    import subprocess
    import sys

    from transforms.writers import write_submission

    path = tmp_path / "ART8_AT_2023_R1.xlsx"
    write_submission(metadata(), [dict(o, geo="AT", time_period=2023) for o in observations()], path, "xlsx")
    heavy = ("pandas", "pandera", "great_expectations", "duckdb", "numpy")
    code = (
        "import sys; from csa_stats.cli import main; code = main(['validate', sys.argv[1]]); "
        f"print([m for m in {heavy!r} if m in sys.modules], code)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[] 0", result.stdout + result.stderr
