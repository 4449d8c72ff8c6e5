"""Comparability metadata: structured national definitions and the automatic status d."""

import pytest

from contracts.contract import load_contract
from tests.helpers import metadata, observations
from transforms.readers import read_submission
from transforms.validation import validate
from transforms.writers import EXTENSIONS, write_submission

C = load_contract()


def _read(tmp_path, fmt="json", changes=None, **meta):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"ART8_AT_2023_R1{EXTENSIONS[fmt]}"
    rows = [dict(o, geo="AT", time_period=2023, conf_status=None) for o in observations(changes)]
    write_submission({**metadata(), **meta}, rows, path, fmt)
    return read_submission(path)


def _statuses(sub) -> dict[str, set]:
    by_indicator: dict[str, set] = {}
    for row in sub.rows():
        by_indicator.setdefault(row["indicator"], set()).add(row["obs_status"])
    return by_indicator


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json", "sdmx-csv"])
def test_a_definition_unlike_the_reference_sets_d_on_the_series_it_affects(tmp_path, fmt):
    sub = _read(tmp_path, fmt, conviction_stage="FIRST_INSTANCE", counting_unit="RECEIVED")
    report = validate(sub)
    (issue,) = [i for i in report.issues if i.rule == "L1_DEFINITION_DIFFERS"]
    assert report.valid and issue.severity == "information" and issue.field == "conviction_stage"
    assert (
        "FIRST_INSTANCE, the reference is FINAL" in issue.message
        and "PERP_CNV_LNK (2 figures)" in issue.message
    )
    statuses = _statuses(sub)
    assert statuses["PERP_CNV"] == statuses["PERP_CNV_LNK"] == {"d"}
    assert all(s == {None} for i, s in statuses.items() if not i.startswith("PERP_CNV"))


def test_the_reference_definition_sets_nothing_and_a_status_given_is_kept(tmp_path):
    sub = _read(tmp_path, counting_unit="RECEIVED", child_upper_age=18, conviction_stage="FINAL")
    assert validate(sub).issues == [] and all(r["obs_status"] is None for r in sub.rows())
    gap = {("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"}
    sub = _read(tmp_path, changes=gap, child_upper_age=16, breakdown_gaps="sex: not recorded")
    validate(sub)
    assert {r["sex"]: r["obs_status"] for r in sub.rows() if r["indicator"] == "CHILD_IDN"} == {
        "T": "d", "F": "m", "M": "m", "U": "m"
    }  # fmt: skip


def test_a_code_outside_the_lists_is_an_error(tmp_path):
    report = validate(_read(tmp_path, counting_unit="TICKETS"))
    (issue,) = [i for i in report.issues if i.rule == "L0_CODE_LIST"]
    assert not report.valid and issue.field == "counting_unit" and "counting_unit" in issue.message


def test_the_reference_definitions_name_contract_fields_codes_and_indicators():
    fields = {f.name: f for f in C.metadata_fields}
    for ref in C.reference_definitions:
        f = fields[ref["field"]]
        assert f.code_list is None or ref["reference"] in C.code_lists[f.code_list]
        assert set(ref["indicators"]) <= set(C.code_lists["indicator"])
    assert C.definition_differs in C.code_lists["obs_status"]
    assert {"counting_unit", "report_date", "child_upper_age", "conviction_stage"} <= set(fields)


def test_the_warehouse_keeps_the_definitions_with_a_view_per_concept_and_releases_them(tmp_path, csa_env):
    from warehouse import db, queries
    from warehouse.loader import ingest_file

    sub = _read(tmp_path, conviction_stage="FIRST_INSTANCE", counting_unit="CASE", source_convictions="COURT")
    path = sub.source
    assert ingest_file(path, csa_env).status == "accepted"
    with db.reader(csa_env.warehouse) as con:
        stage = con.execute(
            "SELECT conviction_stage, reference, differs FROM comparability_conviction_stage"
        ).fetchall()
        unit = con.execute("SELECT counting_unit, label, differs FROM comparability_counting_unit").fetchone()
        age = con.execute(
            "SELECT child_upper_age, reference, differs FROM comparability_child_upper_age"
        ).fetchone()
        sources = dict(con.execute("SELECT point, source FROM comparability_figure_source").fetchall())
        flagged = dict(con.execute("SELECT indicator, obs_status FROM current_observation WHERE sex = '_Z' "
                                   "AND reporter = 'TOTAL' AND service = 'TOTAL'").fetchall())  # fmt: skip
        _rows, subs = queries.release_input(con, 2023)
        current, _ = queries.current_submission(con, "AT", 2023)
    assert stage == [("FIRST_INSTANCE", "FINAL", True)]
    assert unit == ("CASE", C.code_lists["counting_unit"]["CASE"], True) and age == (None, 18, None)
    assert sources == {"8(a)": None, "8(b)": None, "8(c)": "COURT"}
    assert flagged["REP_LEA"] == "d" and flagged["CASE_UNQ"] is None  # report_date not declared
    (published,) = subs
    assert published["conviction_stage"] == "FIRST_INSTANCE" and "contact" not in published
    assert current["counting_unit"] == "CASE" and current["contact"] == "stats@example.org"


def test_the_site_compares_the_definitions_across_states(tmp_path):
    from publish.release import build_release
    from publish.site import build_site
    from tests.publish.builders import YEAR, state_rows, submission

    declared = {"AT": {"conviction_stage": "FIRST_INSTANCE", "source_convictions": "COURT"}, "MT": {}}
    rows = [row for geo in declared for row in state_rows(geo)]
    build_release(rows, [dict(submission(g), geo=g, **declared[g]) for g in declared], YEAR, tmp_path)
    build_site(tmp_path)
    page = (tmp_path / "methodology.html").read_text(encoding="utf-8")
    assert (
        "Comparability of national definitions" in page
        and "conviction_stage FINAL: PERP_CNV, PERP_CNV_LNK" in page
    )
    at_row = page[page.index('<tr><th scope="row">AT</th>', page.index('id="comparability"')) :].split(
        "</tr>"
    )[0]
    assert "<td>FIRST_INSTANCE *</td>" in at_row and "<td>COURT</td>" in at_row
    from tests.publish.test_export_safety import _pdf_text

    pdf = " ".join(_pdf_text(tmp_path / "reports" / str(YEAR) / "AT.pdf").split())
    assert (
        f"Reference period: 1 January to 31 December {YEAR}. Legal basis: Regulation (EU) 2021/1232." in pdf
    )


def test_an_honest_file_passes_validate_strict(tmp_path):
    from tests.e2e.test_cli import run

    gap = {("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"}
    silent = _read(tmp_path / "silent", changes=gap).source
    honest = _read(tmp_path / "honest", changes=gap, breakdown_gaps="sex: not recorded by the police").source
    assert run("validate", "--strict", silent).returncode == 1  # a warning
    result = run("validate", "--strict", honest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "L1_BREAKDOWN_EXPLAINED" in result.stdout
