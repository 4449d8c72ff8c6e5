"""Legal bases as data: periods of application, the lapse of 2026, a year with two covered
periods, a successor added by configuration."""

import datetime as dt
import json

import yaml

from contracts.contract import CONTRACT_PATH, Contract, load_contract
from tests.helpers import metadata, observations
from transforms.readers import read_submission
from transforms.validation import validate

D = dt.date
IN_2027 = D(2027, 3, 1)


def _submission(tmp_path, year: int, start: str, end: str, basis: str, periods: str | None = None):
    doc = {"metadata": metadata(year=year), "observations": observations()}
    doc["metadata"].update(ref_period_start=start, ref_period_end=end, legal_basis=basis)
    if periods:
        doc["metadata"]["ref_periods"] = periods
    for o in doc["observations"]:
        o["time_period"] = year
    path = tmp_path / f"ART8_AT_{year}_R1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return read_submission(path)


def _issues(report, rule):
    return [i for i in report.issues if i.rule == rule]


def test_periods_of_application_and_the_lapse_are_data():
    c = load_contract()
    assert c.legal_periods("32021R1232") == [(D(2021, 8, 2), D(2024, 8, 3))]
    # naming the amending act names the regulation as amended: both periods
    assert c.legal_periods("32024R1307") == [(D(2021, 8, 2), D(2024, 8, 3)), (D(2024, 8, 4), D(2026, 4, 3))]
    assert c.reference_period(2021) == (D(2021, 8, 2), D(2021, 12, 31))
    assert c.reference_periods(2026) == [(D(2026, 1, 1), D(2026, 4, 3)), (D(2026, 7, 31), D(2026, 12, 31))]
    assert [c.basis_of(p).code for p in c.reference_periods(2026)] == ["32024R1307", "32026R1881"]
    assert c.reference_periods(2027) == [(D(2027, 1, 1), D(2027, 12, 31))]
    assert c.reference_periods(2028) == [(D(2028, 1, 1), D(2028, 4, 3))]
    assert c.reference_period(2029) is None and c.reference_period(2019) is None
    gap = c.legal_gap_in((D(2026, 5, 1), D(2026, 5, 1)))
    assert gap and (gap.valid_from, gap.valid_to) == (D(2026, 4, 4), D(2026, 7, 30))
    assert not c.in_reference_periods(D(2026, 7, 30)) and c.in_reference_periods(D(2026, 7, 31))
    # the deadline of each act a year is due under; the successor's is marked to confirm
    assert [(b.code, d) for b, d in c.deadlines(2026)] == [
        ("32024R1307", D(2027, 8, 3)),
        ("32026R1881", D(2027, 8, 3)),
    ]
    assert c.legal_basis("32026R1881").to_confirm and c.deadline(2027) == D(2028, 8, 3)


def test_2021_from_1_january_is_flagged_for_the_days_before_the_regulation(tmp_path):
    sub = _submission(tmp_path, 2021, "2021-01-01", "2021-12-31", "32021R1232")
    report = validate(sub)
    (issue,) = _issues(report, "L0_REF_PERIOD_UNCOVERED")
    assert report.valid and issue.severity == "warning" and issue.field == "ref_period"
    assert "accepted for 2021-08-02 to 2021-12-31 only" in issue.message
    # every given figure carries d, its comment naming both periods
    (differs,) = _issues(report, "L1_PERIOD_DIFFERS")
    given = [o.values for o in sub.observations if o.values["obs_value"] is not None]
    assert given and {r["obs_status"] for r in given} == {"d"}
    note = "Counts 2021-01-01 to 2021-12-31; the covered period of 2021 is 2021-08-02 to 2021-12-31"
    assert all(note in r["comment"] for r in given), given[0]["comment"]
    clean = validate(_submission(tmp_path, 2021, "2021-08-02", "2021-12-31", "32021R1232"))
    assert clean.valid and clean.issues == []


def test_2019_is_rejected_naming_the_nearest_legal_basis(tmp_path):
    report = validate(_submission(tmp_path, 2019, "2019-01-01", "2019-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_NO_LEGAL_BASIS")
    assert not report.valid and issue.location == "$.metadata.legal_basis"
    assert issue.message.startswith("No legal basis covers any day of reporting year 2019")
    assert "nearest legal basis is 32021R1232 (2021-08-02 to 2024-08-03)" in issue.message
    assert not _issues(report, "L0_LEGAL_BASIS")  # not "32021R1232 does not cover it"


def test_a_year_after_the_successor_is_rejected_saying_why(tmp_path):
    report = validate(
        _submission(tmp_path, 2029, "2029-01-01", "2029-12-31", "32026R1881"), today=D(2030, 3, 1)
    )
    (issue,) = _issues(report, "L0_NO_LEGAL_BASIS")
    assert "applies until 3 April 2028" in issue.message and "32026R1881" in issue.message


BOTH_PERIODS = "2026-01-01/2026-04-03: 32024R1307; 2026-07-31/2026-12-31: 32026R1881"


def test_2026_with_both_covered_periods_is_clean(tmp_path):
    sub = _submission(tmp_path, 2026, "2026-01-01", "2026-12-31", "32026R1881", BOTH_PERIODS)
    report = validate(sub, today=IN_2027)
    assert report.valid and report.issues == [], [i.message for i in report.issues]
    assert {o.values["obs_status"] for o in sub.observations if o.values["obs_value"] is not None} == {None}


def test_2026_with_the_first_period_only_is_flagged_and_marked(tmp_path):
    sub = _submission(tmp_path, 2026, "2026-01-01", "2026-04-03", "32024R1307")
    report = validate(sub, today=IN_2027)
    (missing,) = _issues(report, "L0_PERIOD_NOT_REPORTED")
    assert report.valid and missing.severity == "warning"
    assert "also covered from 2026-07-31 to 2026-12-31 under 32026R1881" in missing.message
    assert _issues(report, "L1_PERIOD_DIFFERS")
    assert {o.values["obs_status"] for o in sub.observations if o.values["obs_value"] is not None} == {"d"}
    whole_year = validate(
        _submission(tmp_path, 2026, "2026-01-01", "2026-12-31", "32024R1307"), today=IN_2027
    )
    (issue,) = _issues(whole_year, "L0_REF_PERIOD_UNCOVERED")
    assert "accepted for 2026-01-01 to 2026-04-03 only" in issue.message


def test_each_declared_period_is_checked_against_its_own_act(tmp_path):
    swapped = "2026-01-01/2026-04-03: 32026R1881; 2026-07-31/2026-12-31: 32026R1881"
    report = validate(
        _submission(tmp_path, 2026, "2026-01-01", "2026-12-31", "32026R1881", swapped), today=IN_2027
    )
    (issue,) = _issues(report, "L0_LEGAL_BASIS")
    assert not report.valid and issue.field == "ref_periods"
    assert "covered by 32024R1307" in issue.message
    in_gap = "2026-01-01/2026-04-03: 32024R1307; 2026-05-01/2026-05-31: 32024R1307"
    report = validate(
        _submission(tmp_path, 2026, "2026-01-01", "2026-05-31", "32024R1307", in_gap), today=IN_2027
    )
    (outside,) = _issues(report, "L0_PERIOD_OUTSIDE_LAW")
    assert outside.severity == "warning" and "2026-05-01 to 2026-05-31" in outside.message
    assert "no act applied from 4 April to 30 July 2026" in outside.message
    unreadable = validate(
        _submission(tmp_path, 2026, "2026-01-01", "2026-12-31", "32026R1881", "2026-01-01 to April"),
        today=IN_2027,
    )
    (bad,) = _issues(unreadable, "L0_TYPE")
    assert bad.field == "ref_periods" and "'2026-01-01 to April'" in bad.message


def test_the_wrong_legal_basis_for_a_covered_year_names_the_right_one(tmp_path):
    report = validate(_submission(tmp_path, 2025, "2025-01-01", "2025-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_LEGAL_BASIS")
    assert "it is covered by 32024R1307 (2024-08-04 to 2026-04-03)" in issue.message


def successor_contract(tmp_path) -> Contract:
    """A minor version adding a fictitious successor of 2026/1881 after a lapse (data only)."""
    doc = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    doc["version"] = "2.99.0"
    custom = {c["property"]: c for c in doc["customProperties"]}
    custom["codeLists"]["value"]["legal_basis"]["32099R0001"] = "Fictitious successor regulation"
    custom["legalBases"]["value"].append(
        {
            "code": "32099R0001",
            "valid_from": D(2028, 7, 1),
            "valid_to": D(2030, 4, 3),
            "article": "Article 10",
            "deadline": "06-30",
        }
    )
    gaps = custom["legalGaps"]["value"]
    gaps[-1] = {"valid_from": D(2028, 4, 4), "valid_to": D(2028, 6, 30), "note": "Second lapse"}
    path = tmp_path / "article8.odcs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_contract(path)


def test_a_successor_is_accepted_by_configuration_alone(tmp_path):
    successor = successor_contract(tmp_path)
    sub = _submission(tmp_path, 2029, "2029-01-01", "2029-12-31", "32099R0001")
    today = D(2030, 3, 1)
    assert "L0_NO_LEGAL_BASIS" in {i.rule for i in validate(sub, today=today).issues}
    report = validate(sub, today=today, contract=successor)
    assert report.valid and report.issues == [], [i.message for i in report.issues]
    # 2028 gets two covered periods, each with its act and deadline
    assert successor.reference_periods(2028) == [
        (D(2028, 1, 1), D(2028, 4, 3)),
        (D(2028, 7, 1), D(2028, 12, 31)),
    ]
    assert [(b.code, d) for b, d in successor.deadlines(2028)] == [
        ("32026R1881", D(2029, 8, 3)),
        ("32099R0001", D(2029, 6, 30)),
    ]


def test_the_catalogue_temporal_coverage_is_each_covered_period_of_the_year():
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT, DCTERMS

    from contracts.contract import load_contract
    from publish.catalog import _temporal

    graph = Graph()
    expected = {
        2021: [("2021-08-02", "2021-12-31")],
        2026: [("2026-01-01", "2026-04-03"), ("2026-07-31", "2026-12-31")],
    }
    for year, spans in expected.items():
        subject = URIRef(f"https://example.org/{year}")
        _temporal(graph, subject, year, load_contract())
        periods = sorted(graph.objects(subject, DCTERMS.temporal))
        found = [(str(graph.value(p, DCAT.startDate)), str(graph.value(p, DCAT.endDate))) for p in periods]
        assert found == spans


def test_the_tracker_marks_a_year_no_legal_basis_covers_not_due(tmp_path):
    from warehouse import db, queries

    path = tmp_path / "warehouse.duckdb"
    with db.writer(path) as con:
        for year in (2026, 2027):
            db.register_deadline(con, year, D(year + 1, 8, 3))
    due = "not yet due" if D.today() <= D(2027, 8, 3) else "missing"
    with db.reader(path) as con:
        rows = queries.tracker(con)
        assert {(r["time_period"], r["status"], r["legal_bases"], r["deadlines"]) for r in rows} == {
            (
                2026,
                due,
                "32024R1307, 32026R1881",
                "32024R1307 2027-08-03, 32026R1881 2027-08-03 (to confirm)",
            ),
            (2027, "not yet due", "32026R1881", "32026R1881 2028-08-03 (to confirm)"),
        }
        later = queries.tracker(con, 2029, D(2030, 8, 3))  # nothing recorded for 2029 yet
        assert {(r["status"], r["legal_bases"]) for r in later} == {("not due", None)} and len(later) == 27


def test_a_reference_period_wholly_outside_the_named_basis_is_rejected(tmp_path):
    report = validate(_submission(tmp_path, 2024, "2024-09-01", "2024-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_LEGAL_BASIS")
    assert not report.valid and "it is covered by 32024R1307" in issue.message
    assert not _issues(report, "L0_REF_PERIOD_UNCOVERED")
    # inside its act, but fewer days than the year's covered period: marked d, nothing more
    shorter = validate(_submission(tmp_path, 2024, "2024-09-01", "2024-12-31", "32024R1307"))
    assert [i.rule for i in shorter.issues] == ["L1_PERIOD_DIFFERS"]
