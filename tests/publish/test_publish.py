"""Publication stage: disclosure control, exports and immutable releases."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from contracts.sdmx import structure
from publish import release as release_module
from publish.disclosure import EU_AGGREGATE, apply_disclosure_control, eu_aggregate, series_key
from publish.exports import render_exports
from publish.release import build_release
from tests.publish.builders import (
    CONTRACT,
    PERP,
    YEAR,
    all_states,
    child,
    state_rows,
    submission,
    three_states,
)


def cells(rows: list[dict]) -> dict:
    return {(r["geo"], series_key(r)): r for r in rows}


def status(rows: list[dict], geo: str, key: tuple) -> str:
    return cells(rows)[geo, key]["conf_status"]


# Disclosure control


def test_primary_suppression_hides_one_and_two_but_not_zero():
    rows = state_rows("AT", {child("F"): 1, child("M"): 2, child("U"): 0, child("T"): 3})
    published = cells(apply_disclosure_control(rows, threshold=3))
    assert [published["AT", child(s)]["conf_status"] for s in "FMUT"] == ["C", "C", "F", "F"]
    assert published["AT", child("F")]["obs_value"] is None
    assert published["AT", child("U")]["obs_value"] == 0
    assert published["AT", child("T")]["obs_value"] == 3


def test_secondary_suppression_hides_smallest_other_part_of_sex_group():
    rows = state_rows("AT", {child("F"): 2, child("M"): 10, child("U"): 4, child("T"): 16})
    published = cells(apply_disclosure_control(rows, threshold=3))
    assert [published["AT", child(s)]["conf_status"] for s in "FMUT"] == ["C", "F", "D", "F"]
    assert published["AT", child("U")]["obs_value"] is None
    assert published["AT", child("M")]["obs_value"] == 10


def test_suppressed_rows_keep_their_obs_status_and_input_is_not_changed():
    rows = state_rows("AT", {PERP: 1})
    cells(rows)["AT", PERP]["obs_status"] = "p"
    published = cells(apply_disclosure_control(rows, threshold=3))
    assert published["AT", PERP]["obs_status"] == "p"
    assert cells(rows)["AT", PERP]["obs_value"] == 1


def test_eu_total_over_one_hidden_state_figure_is_hidden_not_another_state():
    rows = all_states(at={PERP: 40}, mt={PERP: 1}, lu={PERP: 7})
    published = cells(apply_disclosure_control(rows + eu_aggregate(rows, YEAR), threshold=3))
    assert status(published.values(), "MT", PERP) == "C"
    assert status(published.values(), "LU", PERP) == "F"  # as in LU's own national release
    assert status(published.values(), EU_AGGREGATE, PERP) == "D"
    assert published[EU_AGGREGATE, PERP]["obs_value"] is None


def test_eu_total_over_hidden_figures_with_room_enough_is_published():
    """MT 1 and LU 2 hidden: the EU total pins only their sum, 3, so each stays in [0, 3]."""
    rows = all_states(mt={PERP: 1}, lu={PERP: 2})
    published = cells(apply_disclosure_control(rows + eu_aggregate(rows, YEAR), threshold=3))
    assert status(published.values(), "MT", PERP) == status(published.values(), "LU", PERP) == "C"
    assert published[EU_AGGREGATE, PERP]["obs_value"] == 50 * 25 + 3
    assert status(published.values(), EU_AGGREGATE, PERP) == "F"


def test_states_are_hidden_in_the_eu_release_exactly_as_in_their_national_release():
    rows, _ = three_states(
        at={child("F"): 30, child("M"): 25, child("U"): 6, child("T"): 61},
        mt={child("F"): 1, child("M"): 4, child("U"): 0, child("T"): 5, PERP: 2},
        lu={child("F"): 9, child("M"): 8, child("U"): 3, child("T"): 20},
    )
    union = cells(apply_disclosure_control(rows + eu_aggregate(rows, YEAR), threshold=3))
    for geo in ("AT", "MT", "LU"):
        national = cells(apply_disclosure_control([r for r in rows if r["geo"] == geo], threshold=3))
        assert {c: r["conf_status"] for c, r in national.items()} == {
            c: r["conf_status"] for c, r in union.items() if c[0] == geo
        }


def test_no_group_is_left_with_a_single_hidden_cell():
    rows = all_states(
        at={child("F"): 30, child("M"): 25, child("U"): 6, child("T"): 61},
        mt={child("F"): 1, child("M"): 4, child("U"): 0, child("T"): 5},
        lu={child("F"): 9, child("M"): 8, child("U"): 3, child("T"): 20},
    )
    published = cells(apply_disclosure_control(rows + eu_aggregate(rows, YEAR), threshold=3))
    hidden = {cell for cell, row in published.items() if row["conf_status"] in ("C", "D")}
    geos = [*CONTRACT.code_lists["geo"], EU_AGGREGATE]
    sex_groups = [[(geo, child(s)) for s in "FMUT"] for geo in geos]
    eu_groups = [[(geo, child(s)) for geo in geos] for s in "FMUT"]
    assert ("MT", child("F")) in hidden
    assert all(len(hidden.intersection(group)) != 1 for group in sex_groups + eu_groups)


def test_eu_aggregate_states_its_coverage_and_status_when_a_value_is_missing():
    rows = all_states(lu={PERP: None})
    eu = cells(eu_aggregate(rows, YEAR))
    assert eu[EU_AGGREGATE, PERP]["obs_value"] == 50 * 26
    assert eu[EU_AGGREGATE, PERP]["obs_status"] == CONTRACT.eu_aggregate_rule["incompleteStatus"]
    assert eu[EU_AGGREGATE, PERP]["contributing_states"] == 26
    assert eu[EU_AGGREGATE, PERP]["comment"] == "coverage 26/27 Member States (missing: LU)"
    assert eu[EU_AGGREGATE, child("T")]["obs_status"] is None


def test_eu_aggregate_below_the_minimum_coverage_is_not_a_sum():
    rows, _ = three_states()
    eu = cells(eu_aggregate(rows, YEAR))
    assert eu[EU_AGGREGATE, PERP]["obs_value"] is None
    assert eu[EU_AGGREGATE, PERP]["obs_status"] == "m"
    assert eu[EU_AGGREGATE, PERP]["contributing_states"] == 3
    minimum = CONTRACT.eu_aggregate_rule["minimumCoverage"]
    assert f"no sum below {minimum} contributing Member States" in eu[EU_AGGREGATE, PERP]["comment"]


def test_eu_aggregate_carries_the_flags_of_the_figures_under_it():
    rows = all_states()
    for row in rows:
        if series_key(row) == PERP:
            row["obs_status"] = "d"  # every state counts convictions its own way
        if series_key(row) == child("T") and row["geo"] == "AT":
            row["obs_status"] = "e"
    eu = cells(eu_aggregate(rows, YEAR))
    assert eu[EU_AGGREGATE, PERP]["obs_status"] == "d"
    assert eu[EU_AGGREGATE, child("T")]["obs_status"] == "e"
    assert "includes figures flagged e (AT)" in eu[EU_AGGREGATE, child("T")]["comment"]


def test_eu_aggregate_of_all_member_states_has_no_coverage_comment():
    rows = [row for geo in CONTRACT.code_lists["geo"] for row in state_rows(geo)]
    eu = cells(eu_aggregate(rows, YEAR))
    assert eu[EU_AGGREGATE, PERP]["obs_value"] == 50 * 27
    assert eu[EU_AGGREGATE, PERP]["comment"] is None
    assert eu[EU_AGGREGATE, PERP]["contributing_states"] == 27


# Exports


def test_csv_neutralises_formula_injection():
    rows = state_rows("AT")
    cells(rows)["AT", PERP]["comment"] = '=HYPERLINK("http://evil")'
    cells(rows)["AT", child("T")]["comment"] = "Police data, 2023"
    exports = render_exports(apply_disclosure_control(rows, 3), [submission("AT")], YEAR)
    for name in ("observations.csv", "observations_sdmx.csv"):
        assert b"\r\n" in exports[name]
        records = list(csv.reader(io.StringIO(exports[name].decode("utf-8"))))
        column = records[0].index("COMMENT_OBS" if name.endswith("sdmx.csv") else "comment")
        comments = [r[column] for r in records[1:]]
        assert '\'=HYPERLINK("http://evil")' in comments
        assert "Police data, 2023" in comments


def test_exports_follow_the_contract_columns_and_version():
    exports = render_exports(apply_disclosure_control(state_rows("AT"), 3), [], YEAR)
    csv_header = exports["observations.csv"].split(b"\r\n")[0].decode()
    sdmx_first = exports["observations_sdmx.csv"].split(b"\r\n")[:2]
    assert csv_header.split(",") == [*CONTRACT.columns, "submission_id", "contributing_states"]
    # FREQ first, TIME_PERIOD last of the dimensions; the flags under the ids of the structure.
    assert sdmx_first[0].decode() == (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,INDICATOR,SEX,REPORTER,SERVICE,TIME_PERIOD,"
        "OBS_VALUE,OBS_FLAG,CONF_STATUS,COMMENT_OBS,CONTRIBUTING_STATES,UNIT_MEASURE"
    )
    assert sdmx_first[1].decode().startswith(f"dataflow,CSA:DF_ART8({CONTRACT.version}),I,A,AT,")
    document = json.loads(exports["observations.json"])
    assert (document["contract_version"], document["year"]) == (CONTRACT.version, YEAR)
    assert [series_key(o) for o in document["observations"]] == CONTRACT.series_keys()


# Releases


def release_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_first_release_and_identical_rerun_creates_no_new_version(tmp_path):
    rows, submissions = three_states()
    first = build_release(rows, submissions, YEAR, tmp_path)
    again = build_release(rows, submissions, YEAR, tmp_path)
    root = tmp_path / "releases" / str(YEAR)
    assert (first.version, first.created, first.path) == (1, True, root / "v1")
    assert (again.version, again.created, again.changes) == (1, False, [])
    assert sorted(p.name for p in root.iterdir()) == ["LATEST", "latest", "v1"]
    assert "First release." in (root / "v1" / "CHANGELOG.md").read_text()
    info = json.loads((root / "v1" / "release.json").read_text())
    assert info["submission_ids"] == ["AT-2023-R1", "LU-2023-R1", "MT-2023-R1"]


def test_changed_figure_makes_v2_with_changelog(tmp_path):
    rows = all_states(at={PERP: 40})
    submissions = [submission(geo) for geo in CONTRACT.code_lists["geo"]]
    build_release(rows, submissions, YEAR, tmp_path)
    revised = all_states(at={PERP: 45})
    for row in revised:
        if row["geo"] == "AT":
            row["submission_id"] = "AT-2023-R2"
    submissions[0] = submission("AT", revision=2)
    result = build_release(revised, submissions, YEAR, tmp_path)
    root = tmp_path / "releases" / str(YEAR)
    changelog = (root / "v2" / "CHANGELOG.md").read_text()
    assert (result.version, result.created) == (2, True)
    assert "- AT PERP_CNV/_Z/_Z/_Z: 40 -> 45 (submission AT-2023-R2)" in changelog
    assert "- EU27_2020 PERP_CNV/_Z/_Z/_Z: 1340 -> 1345" in changelog
    assert result.changes[0].key == PERP and result.changes[0].submission_id == "AT-2023-R2"
    assert (root / "latest").readlink() == Path("v2")
    assert (root / "LATEST").read_text() == "v2\n"
    assert (root / "v1" / "observations.json").exists()


def test_changelog_lists_added_and_removed_series(tmp_path):
    rows, submissions = three_states()
    build_release(rows[: len(rows) // 3 * 2], submissions[:2], YEAR, tmp_path)  # AT, MT
    result = build_release(rows, submissions, YEAR, tmp_path)
    changelog = (tmp_path / "releases" / str(YEAR) / "v2" / "CHANGELOG.md").read_text()
    assert "- LU PERP_CNV/_Z/_Z/_Z: added 50 (submission LU-2023-R1)" in changelog
    result = build_release(rows[: len(rows) // 3], submissions[:1], YEAR, tmp_path)  # AT
    changelog = (tmp_path / "releases" / str(YEAR) / "v3" / "CHANGELOG.md").read_text()
    assert "- MT PERP_CNV/_Z/_Z/_Z: removed, was 50 (submission MT-2023-R1)" in changelog
    assert result.version == 3


def test_sha256sums_verify(tmp_path):
    rows, submissions = three_states()
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    names = [line.split("  ")[1] for line in lines]
    assert names == sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_dry_run_writes_nothing(tmp_path):
    rows, submissions = three_states(at={PERP: 40})
    assert build_release(rows, submissions, YEAR, tmp_path, dry_run=True).created is False
    assert not tmp_path.joinpath("releases").exists()
    build_release(rows, submissions, YEAR, tmp_path)
    before = release_files(tmp_path)
    revised, _ = three_states(at={PERP: 41})
    result = build_release(revised, submissions, YEAR, tmp_path, dry_run=True)
    assert (result.created, result.path, result.version) == (False, None, 2)
    assert [(c.geo, c.old, c.new) for c in result.changes][0] == ("AT", "40", "41")
    assert release_files(tmp_path) == before


def test_identical_inputs_give_byte_identical_releases(tmp_path):
    rows, submissions = three_states(mt={child("F"): 1})
    build_release(rows, submissions, YEAR, tmp_path / "a")
    build_release(rows, submissions, YEAR, tmp_path / "b")
    first, second = release_files(tmp_path / "a"), release_files(tmp_path / "b")
    assert (
        len(first) == 13 + 1
    )  # thirteen release files (SDMX structure and VTL rules among them) plus LATEST
    assert first == second


def test_existing_version_is_never_overwritten(tmp_path, monkeypatch):
    rows, submissions = three_states()
    build_release(rows, submissions, YEAR, tmp_path)
    root = tmp_path / "releases" / str(YEAR)
    before = release_files(root / "v1")
    monkeypatch.setattr(release_module, "latest_version", lambda root: 0)  # a racing writer
    with pytest.raises(FileExistsError):
        build_release(rows, submissions, YEAR, tmp_path)
    assert release_files(root / "v1") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp-")]


def test_national_release_has_one_state_and_no_eu_aggregate(tmp_path):
    rows, submissions = three_states()
    result = build_release(rows, submissions, YEAR, tmp_path, geo="MT")
    assert result.path == tmp_path / "releases" / str(YEAR) / "MT" / "v1"
    document = json.loads((result.path / "observations.json").read_text())
    assert {o["geo"] for o in document["observations"]} == {"MT"}
    assert json.loads((result.path / "submissions.json").read_text()) == [submission("MT")]


def test_data_package_is_valid_and_parquet_and_xlsx_hold_the_same_rows(tmp_path):
    import duckdb
    from frictionless import validate
    from openpyxl import load_workbook

    rows, submissions = three_states(mt={child("F"): 1})
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    schema = json.loads((folder / "datapackage.json").read_text())["resources"][0]["schema"]
    assert schema["primaryKey"] == CONTRACT.dimensions
    csv_rows = list(csv.DictReader(io.StringIO((folder / "observations.csv").read_text())))
    with duckdb.connect() as con:
        parquet = con.execute(f"SELECT * FROM '{folder / 'observations.parquet'}'").fetchall()
    assert [str(r[6] if r[6] is not None else "") for r in parquet] == [r["obs_value"] for r in csv_rows]
    workbook = load_workbook(folder / "observations.xlsx")
    assert workbook.sheetnames == ["README", "figures", "observations", "labels", "flags"]
    assert workbook["observations"].max_row == len(csv_rows) + 1
    legend = {(r[0], r[1]) for r in workbook["flags"].iter_rows(min_row=2, values_only=True)}
    assert ("conf_status", "C") in legend and ("obs_status", "m") in legend
    assert {code for name, code in legend if name == "conf_status"} == {"F", "C"}  # one marking
    assert {r["conf_status"] for r in csv_rows} == {"F", "C"}  # MT's small count and its protection


def test_the_spreadsheet_reads_in_words_with_every_code_explained(tmp_path):
    """The 'figures' sheet: labels instead of codes, numbers formatted, header frozen, and per
    figure what its code means here (the missing states of a partial EU sum)."""
    from openpyxl import load_workbook

    rows = all_states(lu={PERP: None})
    submissions = [submission(geo) for geo in CONTRACT.code_lists["geo"]]
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    workbook = load_workbook(folder / "observations.xlsx")
    sheet = workbook["figures"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Member State", "What is counted"] and "What the code means" in header
    assert all(ws.freeze_panes == "A2" for ws in workbook.worksheets[1:])
    lines = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    eu = next(
        r
        for r in lines
        if r["Member State"].startswith("European Union")
        and r["What is counted"].startswith("Perpetrators convicted (Art")
    )
    assert eu["Number"] == 50 * 26 and eu["Code"] == "u"
    assert (
        "Low reliability" in eu["What the code means"]
        and "not included: Luxembourg" in eu["What the code means"]
    )
    assert not any(c in {r["Member State"] for r in lines} for c in ("AT", "LU", "_Z"))
    assert sheet.cell(2, header.index("Number") + 1).number_format == "#,##0"
    labels = {(r[0], r[1]): r[2] for r in workbook["labels"].iter_rows(min_row=2, values_only=True)}
    assert labels["indicator", "REP_LEA"] == CONTRACT.code_lists["indicator"]["REP_LEA"]


def test_a_partial_eu_figure_carries_its_status_and_coverage_in_every_format(tmp_path):
    import duckdb
    from openpyxl import load_workbook

    rows = all_states(lu={PERP: None})
    submissions = [submission(geo) for geo in CONTRACT.code_lists["geo"]]
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    expected = {"obs_value": 50 * 26, "obs_status": "u", "contributing_states": 26}

    def eu_perp(records: list[dict]) -> dict:
        (row,) = [r for r in records if r["geo"] == EU_AGGREGATE and r["indicator"] == "PERP_CNV"]
        return {k: int(row[k]) if k != "obs_status" else row[k] for k in expected}

    as_csv = list(csv.DictReader(io.StringIO((folder / "observations.csv").read_text())))
    field_of = structure().field_of  # SDMX-CSV columns are component ids (OBS_FLAG for obs_status)
    sdmx = [
        {field_of.get(k, k): v for k, v in r.items()}
        for r in csv.DictReader(io.StringIO((folder / "observations_sdmx.csv").read_text()))
    ]
    as_json = json.loads((folder / "observations.json").read_text())["observations"]
    with duckdb.connect() as con:
        cursor = con.execute(f"SELECT * FROM '{folder / 'observations.parquet'}'")
        parquet = [dict(zip([d[0] for d in cursor.description], r, strict=True)) for r in cursor.fetchall()]
    sheet = list(load_workbook(folder / "observations.xlsx")["observations"].iter_rows(values_only=True))
    xlsx = [dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]]
    for name, records in (
        ("csv", as_csv),
        ("sdmx", sdmx),
        ("json", as_json),
        ("parquet", parquet),
        ("xlsx", xlsx),
    ):
        assert eu_perp(records) == expected, name


def test_a_broken_csv_fails_the_data_package_validation(tmp_path):
    from frictionless import validate

    rows, submissions = three_states()
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in folder.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    assert validate(copy / "datapackage.json").valid
    text = (
        (copy / "observations.csv").read_text().replace(",PERP_CNV,_Z,_Z,_Z,50,", ",PERP_CNV,_Z,_Z,_Z,-5,", 1)
    )
    (copy / "observations.csv").write_text(text)
    report = validate(copy / "datapackage.json")
    errors = {(task.name, e.type) for task in report.tasks for e in task.errors}
    assert ("observations-csv", "hash-count") in errors and ("observations-csv", "constraint-error") in errors
    (copy / "observations.parquet").write_bytes(b"PAR1 not the published file")
    errors = {(t.name, e.type) for t in validate(copy / "datapackage.json").tasks for e in t.errors}
    assert ("observations-parquet", "hash-count") in errors


def test_the_data_package_lists_every_release_file_and_carries_the_release_version(tmp_path):
    from frictionless import validate

    from publish.exports import RELEASE_FILE

    rows, submissions = three_states()
    build_release(rows, submissions, YEAR, tmp_path)
    rows, submissions = three_states(at={PERP: 45})
    folder = build_release(rows, submissions, YEAR, tmp_path).path
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["version"] == "2"
    resources = {r["path"]: r for r in package["resources"]}
    assert set(resources) == set(RELEASE_FILE) - {"datapackage.json"}
    for name, resource in resources.items():
        assert resource["hash"] == "sha256:" + hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert resource["bytes"] == (folder / name).stat().st_size and resource["mediatype"]
    tables = {name for name, r in resources.items() if r["type"] == "table"}
    assert tables == {"observations.csv", "observations_sdmx.csv", "observations.xlsx"}
    assert "GEO" in resources["observations_sdmx.csv"]["schema"]["primaryKey"]
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {task.name for task in report.tasks} == {r["name"] for r in resources.values()}


def test_only_the_approved_figures_are_published(tmp_path):
    """Figures that change between the approver's dry run and publication publish nothing."""
    rows, submissions = three_states(at={PERP: 40})
    build_release(rows, submissions, YEAR, tmp_path)
    revised, _ = three_states(at={PERP: 45})
    dry = build_release(revised, submissions, YEAR, tmp_path, dry_run=True)
    later, _ = three_states(at={PERP: 46})  # landed while the approver was reading
    with pytest.raises(release_module.NotApproved, match="changed after they were approved"):
        build_release(later, submissions, YEAR, tmp_path, approved=dry.fingerprint)
    assert not (tmp_path / "releases" / str(YEAR) / "v2").exists()
    published = build_release(revised, submissions, YEAR, tmp_path, approved=dry.fingerprint)
    assert (published.version, published.created) == (2, True)
