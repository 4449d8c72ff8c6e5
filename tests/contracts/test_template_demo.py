"""XLSX template, writers <-> readers round trip, and the demo submissions."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contracts.contract import load_contract
from contracts.template import CODES_SHEET, METADATA_SHEET, build_template, point_sheets
from csa_stats.demo import DEMO_FACTS, generate_demo
from csa_stats.settings import get_settings
from transforms.readers import read_submission
from transforms.writers import EXTENSIONS, write_submission
from warehouse.archive import read_receipts

C = load_contract()
FORMATS = ["xlsx", "csv", "json", "sdmx-csv"]


def _metadata(**changes) -> dict:
    return {
        "geo": "AT", "time_period": 2023, "revision": 2,
        "ref_period_start": dt.date(2023, 1, 1), "ref_period_end": dt.date(2023, 12, 31),
        "legal_basis": "32021R1232", "reporting_authority": "Bundeskriminalamt (Österreich)",
        "contact": "art8@at.example.org",
        "national_definitions": 'Reports, "de-duplicated"; cases merged.\nSecond line: € ü',
        "counting_unit": "CASE", "report_date": "REGISTERED", "child_upper_age": 18,
        "conviction_stage": "FINAL", "source_reports": "POLICE", "source_children": "VICTIM_REGISTER",
        "source_convictions": "COURT",
        "ref_periods": "2023-01-01/2023-12-31: 32021R1232",
        "breakdown_gaps": "service: not recorded by the police",
        "confirmed_changes": "PERP_CNV/_Z/_Z/_Z: one large trial ended in 2023",
        **changes,
    }  # fmt: skip


def _rows() -> list[dict]:
    """Every series once: a real zero, a gap with status and comment, awkward text."""
    rows = []
    for i, s in enumerate(C.series):
        key = {d: s[d] for d in C.series_dimensions}
        rows.append({"geo": "AT", "time_period": 2023, **key, "obs_value": i * 1000 + 7,
                     "obs_status": None, "conf_status": None, "comment": None})  # fmt: skip
    rows[1].update(obs_value=0)
    rows[2].update(obs_value=None, obs_status="m", comment='Not recorded, "yet"; ü')
    rows[3].update(obs_status="e", comment="Estimated\nfrom two sources")
    return rows


def _write_read(tmp_path: Path, fmt: str, metadata=None, rows=None):
    path = tmp_path / f"ART8_AT_2023_R2{EXTENSIONS[fmt]}"
    written = write_submission(metadata or _metadata(), rows or _rows(), path, fmt)
    return written, read_submission(path)


# --- template -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build_template(tmp_path_factory.mktemp("template") / "template.xlsx")
    wb = load_workbook(path)
    yield wb
    wb.close()


def _validation(ws, cells: str):
    """The one data validation of the sheet that covers exactly `cells`."""
    (dv,) = (dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == cells)
    return dv


def _codes_in(wb, formula: str) -> list[str]:
    sheet, cells = formula.lstrip("=").split("!")
    assert sheet.strip("'") == CODES_SHEET
    return [row[0].value for row in wb[CODES_SHEET][cells.replace("$", "")]]


def test_template_has_the_sheets_of_the_layout(template):
    points = list(point_sheets().values())
    assert points == ["8(a) Reports", "8(b) Children", "8(c) Convictions"]
    assert template.sheetnames == ["Instructions", METADATA_SHEET, *points, CODES_SHEET]
    meta = template[METADATA_SHEET]
    assert [c.value for c in meta[1]] == ["field", "value", "description"]
    assert [r[0].value for r in meta.iter_rows(min_row=2)] == [f.name for f in C.metadata_fields]
    assert meta["C2"].value.startswith(C.metadata_fields[0].description)


def test_template_has_one_prefilled_row_per_series_key(template):
    header = ["indicator", "sex", "reporter", "service", "obs_value", "obs_status", "conf_status", "comment"]
    keys = []
    for point, title in point_sheets().items():
        ws = template[title]
        assert [c.value for c in ws[1]] == header
        assert ws.freeze_panes == "A2"
        rows = [tuple(c.value for c in r[:4]) for r in ws.iter_rows(min_row=2)]
        expected = [k for k, s in zip(C.series_keys(), C.series, strict=True) if s["point"] == point]
        assert rows == expected
        assert all(c.value is None for r in ws.iter_rows(min_row=2) for c in r[4:])
        keys += rows
    assert sorted(keys) == sorted(C.series_keys()) and len(keys) == 16


def _column(ws, col: str) -> str:
    """The entry cells of a column, as openpyxl writes the range."""
    return f"{col}2:{col}{ws.max_row}" if ws.max_row > 2 else f"{col}2"


def test_template_drop_downs_come_from_the_code_lists(template):
    for title in point_sheets().values():
        ws = template[title]
        status, value = _validation(ws, _column(ws, "F")), _validation(ws, _column(ws, "E"))
        assert status.type == "list"
        assert _codes_in(template, status.formula1) == list(C.code_lists["obs_status"])
        assert (value.type, value.operator, value.formula1) == ("whole", "greaterThanOrEqual", "0")
    meta = template[METADATA_SHEET]
    row_of = {r[0].value: r[0].row for r in meta.iter_rows(min_row=2)}
    for name in ("geo", "legal_basis"):
        dv = _validation(meta, f"B{row_of[name]}")
        assert _codes_in(template, dv.formula1) == list(C.code_lists[name])


def test_template_locks_layout_and_unlocks_entry_cells(template):
    for ws in template.worksheets:
        assert ws.protection.sheet, ws.title
    reports = template["8(a) Reports"]
    assert all(c.protection.locked for c in reports[1])
    assert all(c.protection.locked for c in reports[2][:4])
    assert not any(c.protection.locked for c in reports[2][4:7])
    meta = template[METADATA_SHEET]
    assert meta["A2"].protection.locked and meta["C2"].protection.locked
    assert not meta["B2"].protection.locked


def test_template_bytes_are_deterministic(tmp_path):
    a = build_template(tmp_path / "a.xlsx", _metadata(), _rows())
    b = build_template(tmp_path / "b.xlsx", _metadata(), _rows())
    assert a.read_bytes() == b.read_bytes()


def test_template_rejects_rows_outside_the_table(tmp_path):
    bad = [{**_rows()[0], "indicator": "NOPE"}]
    with pytest.raises(ValueError, match="NOPE"):
        build_template(tmp_path / "bad.xlsx", _metadata(), bad)


# --- writers <-> readers --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_then_read_gives_back_metadata_and_rows(tmp_path, fmt):
    written, submission = _write_read(tmp_path, fmt)
    assert submission.format == fmt
    assert submission.findings == []
    assert submission.metadata == _metadata()
    assert submission.rows() == _rows()
    side = [p for p in written if p.name.endswith(".meta.json")]
    assert len(side) == (1 if fmt in ("csv", "sdmx-csv") else 0)
    assert all(p.exists() for p in written)


def test_sdmx_csv_marks_a_revision_as_replace(tmp_path):
    _write_read(tmp_path, "sdmx-csv")
    lines = (tmp_path / "ART8_AT_2023_R2.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,INDICATOR")
    assert lines[1].startswith(f"dataflow,CSA:DF_ART8({C.version}),R,A,AT,")


def test_filled_template_reads_like_the_other_formats(tmp_path):
    build_template(tmp_path / "ART8_AT_2023_R2.xlsx", _metadata(), _rows())
    from_xlsx = read_submission(tmp_path / "ART8_AT_2023_R2.xlsx")
    for fmt in ("csv", "json", "sdmx-csv"):
        _, other = _write_read(tmp_path / fmt, fmt)
        assert from_xlsx.rows() == other.rows(), fmt
        assert from_xlsx.metadata == other.metadata, fmt


def test_xlsx_reader_reports_bad_cells_and_missing_sheets(tmp_path):
    path = build_template(tmp_path / "ART8_AT_2023_R2.xlsx", _metadata(), _rows())
    wb = load_workbook(path)
    wb["8(a) Reports"]["E5"] = "lots"
    wb["8(a) Reports"]["E6"] = "12,345"
    wb.remove(wb["8(c) Convictions"])
    wb.save(path)
    found = {(f.rule, f.location, f.field) for f in read_submission(path).findings}
    assert ("L0_TYPE", "sheet '8(a) Reports', row 5, column obs_value", "obs_value") in found
    assert ("L0_THOUSANDS_SEPARATOR", "sheet '8(a) Reports', row 6, column obs_value",
            "obs_value") in found  # fmt: skip
    assert ("L0_REQUIRED_FIELD", "workbook", "8(c) Convictions") in found


def test_xlsx_reader_falls_back_to_the_file_name(tmp_path):
    path = build_template(tmp_path / "ART8_LU_2022_R3.xlsx", _metadata(geo=None, revision=None))
    metadata = read_submission(path).metadata
    assert (metadata["geo"], metadata["time_period"], metadata["revision"]) == ("LU", 2023, 3)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path, content):
    path = tmp_path / "ART8_AT_2023_R1.xlsx"
    path.write_bytes(content)
    submission = read_submission(path)
    assert [f.rule for f in submission.findings] == ["L0_READABLE"]
    assert submission.geo == "AT"


# --- demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("demo")
    return generate_demo(folder / "landing", receipts=folder / "receipts.json")


@pytest.fixture(scope="module")
def submissions(demo):
    return {p.name: read_submission(p) for p in demo if not p.name.endswith(".meta.json")}


def _mtime(path: Path) -> dt.datetime:
    """The demo's arrival time of a file: its receipt, recorded beside the landing folder (the
    file is in its state's prefix, landing/<GEO>/)."""
    receipts = read_receipts(path.parents[2] / "receipts.json")
    return dt.datetime.fromisoformat(receipts[hashlib.sha256(path.read_bytes()).hexdigest()])


def test_demo_writes_every_state_and_year_plus_one_revision(demo, submissions):
    geos, years = list(C.code_lists["geo"]), range(2021, 2025)
    expected = {f"ART8_{g}_{y}_R1" for g in geos for y in years}
    expected.add("ART8_{}_{}_R2".format(*DEMO_FACTS.revised))
    assert {Path(n).stem for n in submissions} == expected and len(submissions) == 27 * 4 + 1
    csv_files = [n for n in submissions if n.endswith(".csv")]
    sides = [p for p in demo if p.name.endswith(".meta.json")]
    assert sorted(p.name for p in sides) == sorted(n[:-4] + ".meta.json" for n in csv_files)
    formats = {s.format for s in submissions.values()}
    assert formats == set(FORMATS)
    assert sum(s.format == "xlsx" for s in submissions.values()) > len(submissions) / 2
    for geo in geos:  # a state keeps its format
        assert len({s.format for n, s in submissions.items() if f"_{geo}_" in n}) == 1


def test_demo_is_deterministic(demo, tmp_path):
    again = generate_demo(tmp_path / "landing", receipts=tmp_path / "receipts.json")
    assert [p.name for p in again] == [p.name for p in demo]
    for a, b in zip(demo, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (tmp_path / "receipts.json").read_bytes() == (demo[0].parents[2] / "receipts.json").read_bytes()


def test_demo_files_read_cleanly(submissions):
    for name, s in submissions.items():
        assert not [f for f in s.findings if f.rule in ("L0_READABLE", "L0_TYPE")], name
        assert s.findings == [], name
        assert sorted(C.series_key(r) for r in s.rows()) == sorted(C.series_keys()), name


def test_demo_only_one_state_is_late(demo):
    settings = get_settings()
    late = []
    for p in demo:
        geo, year, revision = p.name.split(".")[0].split("_")[1:]
        if revision == "R1" and _mtime(p).date() > settings.deadline_for(int(year)):
            late.append((geo, int(year), p))
    assert {(g, y) for g, y, _ in late} == {DEMO_FACTS.late}
    assert {(_mtime(p).year, _mtime(p).month) for *_, p in late} == {(DEMO_FACTS.late[1] + 1, 10)}


def test_demo_revision_lands_later_and_keeps_sums(demo, submissions):
    geo, year = DEMO_FACTS.revised
    by_stem = {Path(n).stem: s for n, s in submissions.items()}
    r1, r2 = (by_stem[f"ART8_{geo}_{year}_R{n}"] for n in (1, 2))
    assert (r1.revision, r2.revision) == (1, 2)
    deadline = get_settings().deadline_for(year)
    assert _mtime(r1.source).date() <= deadline
    assert (_mtime(r2.source).year, _mtime(r2.source).month) == (year + 1, 11)
    before, after = (_figures(s) for s in (r1, r2))
    changed = [k for k in before if before[k] != after[k]]
    assert 2 <= len(changed) <= 6
    assert all(after[k] > before[k] for k in changed)
    assert [n for n in by_stem if n.endswith("_R2")] == [r2.source.stem]


def _figures(s) -> dict:
    return {C.series_key(r): r["obs_value"] for r in s.rows()}


def test_demo_figures_add_up(submissions):
    for name, s in submissions.items():
        figures = _figures(s)
        for rule, total, parts in C.additivity_groups():
            given = [figures[p] for p in parts if figures[p] is not None]
            assert figures[total] is not None, (name, rule)
            if len(given) == len(parts):
                assert sum(given) == figures[total], (name, rule)
            else:
                assert given == [], (name, rule)  # a breakdown is given whole or not at all
        for rule in C.ordering:
            chain = [figures[C.series_key(spec)] for spec in rule["chain"]]
            chain = [v for v in chain if v is not None]  # linked convictions: m where not linked
            assert chain == sorted(chain), (name, rule["rule"])


def test_demo_gaps_are_flagged_not_zero(submissions):
    for dimension, geos in DEMO_FACTS.missing_breakdown.items():
        assert len(geos) == 3
        rules = {r["rule"] for r in C.additivity if dimension in r["parts"]}
        for name, s in submissions.items():
            rows = {C.series_key(r): r for r in s.rows()}
            parts = [p for rule, _, ps in C.additivity_groups() if rule in rules for p in ps]
            empty = [rows[p] for p in parts if rows[p]["obs_value"] is None]
            if s.geo in geos:
                assert len(empty) == len(parts), name
                assert all(r["obs_status"] == "m" and r["comment"] for r in empty), name
                assert dimension in s.metadata["national_definitions"], name
            else:
                assert empty == [], name


def test_demo_metadata_is_plausible(submissions):
    for name, s in submissions.items():
        m, year = s.metadata, s.time_period
        start, end = m["ref_period_start"], m["ref_period_end"]
        assert dt.date(year, 1, 1) <= start < end == dt.date(year, 12, 31), name
        flagged = (s.geo, year) == (DEMO_FACTS.from_january, 2021)  # counts before the regulation
        assert (start > dt.date(year, 8, 1)) == (year == 2021 and not flagged), name  # 2021 is partial
        basis = C.legal_basis(m["legal_basis"])
        assert C.covered((start, end), basis.code) == [(max(start, dt.date(2021, 8, 2)), end)], name
        assert basis.valid_from <= end <= basis.valid_to, name
        assert m["reporting_authority"] and "@" in m["contact"] and m["national_definitions"]


def test_demo_magnitudes_follow_state_size(submissions):
    total = C.series_key({"indicator": "REP_LEA", "sex": "_Z", "reporter": "TOTAL",
                          "service": "TOTAL"})  # fmt: skip
    for name, s in submissions.items():
        if s.time_period == 2021:
            continue
        reports = _figures(s)[total]
        if s.geo in ("MT", "LU", "CY"):
            assert reports < 200, name
        if s.geo in ("DE", "FR", "IT", "ES", "PL"):
            assert reports > 5000, name
    small = [_figures(s)[C.series_key({"indicator": "CHILD_IDN", "sex": "T", "reporter": "_Z",
                                       "service": "_Z"})]
             for s in submissions.values() if s.geo == "MT"]  # fmt: skip
    assert max(small) < 5  # tiny cells that disclosure control must suppress


def test_demo_reports_show_the_warnings_its_gaps_cause(submissions):
    """Validated in landing order with the history the warehouse would have: no errors; the
    missing breakdowns and the NL revision are warnings, with old and new value."""
    from transforms.history import History, figures, reference_days
    from transforms.validation import validate

    accepted: dict[tuple, tuple] = {}
    warned: dict[str, set] = {}
    revision_issues = []
    for s in sorted(submissions.values(), key=lambda s: (s.geo, s.time_period, s.revision)):
        years = {y: v for (g, y), v in accepted.items() if g == s.geo and y != s.time_period}
        previous = accepted.get((s.geo, s.time_period))
        report = validate(s, History(years=years, previous_revision=previous and previous[0]))
        assert report.valid, (
            s.source.name,
            [(i.rule, i.message) for i in report.issues if i.severity == "error"],
        )
        for issue in report.issues:
            warned.setdefault(issue.rule, set()).add(s.geo)
        revision_issues += [i for i in report.issues if i.rule == "L2_REVISION_CHANGE"]
        accepted[(s.geo, s.time_period)] = (figures(s.rows()), reference_days(s.metadata))
    gaps = {g for geos in DEMO_FACTS.missing_breakdown.values() for g in geos}
    assert warned["L1_BREAKDOWN_EXPLAINED"] == gaps and "L1_BREAKDOWN_MISSING" not in warned
    assert warned["L2_YOY_CONFIRMED"] == {DEMO_FACTS.confirmed_change[0]}
    assert warned["L1_DEFINITION_DIFFERS"] == {DEMO_FACTS.definition_differs[0]}
    assert warned["L2_REVISION_CHANGE"] == {DEMO_FACTS.revised[0]}
    assert warned["L0_REF_PERIOD_UNCOVERED"] == {DEMO_FACTS.from_january}
    geo, year = DEMO_FACTS.revised
    by_stem = {Path(n).stem: s for n, s in submissions.items()}
    before, after = (_figures(by_stem[f"ART8_{geo}_{year}_R{n}"]) for n in (1, 2))
    changed = {"/".join(k): (before[k], after[k]) for k in before if before[k] != after[k]}
    assert {i.message.split(": ")[0].removeprefix("Revision changes "): (i.expected, i.value)
            for i in revision_issues} == changed  # fmt: skip
    assert all(f"{i.expected} -> {i.value}" in i.message for i in revision_issues)


def test_template_filled_by_hand_reads_like_the_other_formats(tmp_path):
    """`csa-stats template` output, filled cell by cell as a statistician would."""
    import subprocess
    import sys

    path = tmp_path / "ART8_AT_2023_R2.xlsx"
    cli = Path(sys.executable).parent / "csa-stats"
    assert subprocess.run([cli, "template", "--out", path], capture_output=True).returncode == 0
    wb = load_workbook(path)
    meta = wb[METADATA_SHEET]
    for row in meta.iter_rows(min_row=2):
        row[1].value = _metadata()[row[0].value]
    by_key = {C.series_key(r): r for r in _rows()}
    for title in point_sheets().values():
        for row in wb[title].iter_rows(min_row=2):
            figure = by_key[tuple(c.value for c in row[:4])]
            for cell, name in zip(
                row[4:8], ["obs_value", "obs_status", "conf_status", "comment"], strict=True
            ):
                cell.value = figure[name]
    wb.save(path)
    from_xlsx = read_submission(path)
    assert from_xlsx.findings == []
    for fmt in ("csv", "json", "sdmx-csv"):
        _, other = _write_read(tmp_path / fmt, fmt)
        assert from_xlsx.rows() == other.rows() == _rows(), fmt
        assert from_xlsx.metadata == other.metadata == _metadata(), fmt
