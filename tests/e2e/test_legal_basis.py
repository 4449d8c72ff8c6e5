"""Legal bases as data: periods of application, the lapse, a successor added by configuration."""

import datetime as dt
import json

import yaml

from contracts.contract import CONTRACT_PATH, Contract, load_contract
from tests.helpers import metadata, observations
from transforms.readers import read_submission
from transforms.validation import validate

D = dt.date
IN_2027 = D(2027, 3, 1)


def _submission(tmp_path, year: int, start: str, end: str, basis: str):
    doc = {"metadata": metadata(year=year), "observations": observations()}
    doc["metadata"].update(ref_period_start=start, ref_period_end=end, legal_basis=basis)
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
    assert c.reference_period(2026) == (D(2026, 1, 1), D(2026, 4, 3))
    assert c.reference_period(2027) is None and c.reference_period(2019) is None
    gap = c.legal_gap_in((D(2027, 1, 1), D(2027, 12, 31)))
    assert gap and gap.valid_from == D(2026, 4, 4) and gap.valid_to is None


def test_2021_from_1_january_is_flagged_for_the_days_before_the_regulation(tmp_path):
    report = validate(_submission(tmp_path, 2021, "2021-01-01", "2021-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_REF_PERIOD_UNCOVERED")
    assert report.valid and issue.severity == "warning" and issue.field == "ref_period"
    assert "accepted for 2021-08-02 to 2021-12-31 only" in issue.message
    clean = validate(_submission(tmp_path, 2021, "2021-08-02", "2021-12-31", "32021R1232"))
    assert clean.valid and clean.issues == []


def test_2019_is_rejected_naming_the_nearest_legal_basis(tmp_path):
    report = validate(_submission(tmp_path, 2019, "2019-01-01", "2019-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_NO_LEGAL_BASIS")
    assert not report.valid and issue.location == "$.metadata.legal_basis"
    assert issue.message.startswith("No legal basis covers any day of reporting year 2019")
    assert "nearest legal basis is 32021R1232 (2021-08-02 to 2024-08-03)" in issue.message
    assert not _issues(report, "L0_LEGAL_BASIS")  # not "32021R1232 does not cover it"


def test_a_year_in_the_lapse_is_rejected_saying_why(tmp_path):
    report = validate(
        _submission(tmp_path, 2027, "2027-01-01", "2027-12-31", "32024R1307"), today=D(2028, 3, 1)
    )
    (issue,) = _issues(report, "L0_NO_LEGAL_BASIS")
    assert "ceased to apply on 3 April 2026" in issue.message and "32024R1307" in issue.message


def test_2026_to_3_april_is_accepted_when_it_is_due(tmp_path):
    sub = _submission(tmp_path, 2026, "2026-01-01", "2026-04-03", "32024R1307")
    report = validate(sub, today=IN_2027)
    assert report.valid and report.issues == [], [i.message for i in report.issues]
    whole_year = validate(
        _submission(tmp_path, 2026, "2026-01-01", "2026-12-31", "32024R1307"), today=IN_2027
    )
    (issue,) = _issues(whole_year, "L0_REF_PERIOD_UNCOVERED")
    assert "accepted for 2026-01-01 to 2026-04-03 only" in issue.message


def test_the_wrong_legal_basis_for_a_covered_year_names_the_right_one(tmp_path):
    report = validate(_submission(tmp_path, 2025, "2025-01-01", "2025-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_LEGAL_BASIS")
    assert "it is covered by 32024R1307 (2024-08-04 to 2026-04-03)" in issue.message


def successor_contract(tmp_path) -> Contract:
    """A minor version adding a fictitious successor that ends the lapse (data only)."""
    doc = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    doc["version"] = "1.99.0"
    custom = {c["property"]: c for c in doc["customProperties"]}
    custom["codeLists"]["value"]["legal_basis"]["32099R0001"] = "Fictitious successor regulation"
    custom["legalBases"]["value"].append(
        {"code": "32099R0001", "valid_from": D(2026, 7, 1), "valid_to": D(2028, 4, 3)}
    )
    custom["legalGaps"]["value"] = [
        {"valid_from": D(2026, 4, 4), "valid_to": D(2026, 6, 30), "note": "Lapse"}
    ]
    path = tmp_path / "article8.odcs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_contract(path)


def test_a_successor_is_accepted_by_configuration_alone(tmp_path):
    successor = successor_contract(tmp_path)
    sub = _submission(tmp_path, 2027, "2027-01-01", "2027-12-31", "32099R0001")
    today = D(2028, 3, 1)
    assert "L0_NO_LEGAL_BASIS" in {i.rule for i in validate(sub, today=today).issues}
    report = validate(sub, today=today, contract=successor)
    assert report.valid and report.issues == [], [i.message for i in report.issues]
    assert successor.reference_period(2026) == (D(2026, 1, 1), D(2026, 12, 31))
    assert successor.covered((D(2026, 1, 1), D(2026, 12, 31))) == [
        (D(2026, 1, 1), D(2026, 4, 3)),
        (D(2026, 7, 1), D(2026, 12, 31)),
    ]


def test_the_catalogue_temporal_coverage_is_the_covered_part_of_the_year():
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT

    from contracts.contract import load_contract
    from publish.catalog import _period

    graph = Graph()
    for year, start, end in ((2021, "2021-08-02", "2021-12-31"), (2026, "2026-01-01", "2026-04-03")):
        period = _period(graph, URIRef(f"https://example.org/{year}"), year, load_contract())
        assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
            start,
            end,
        )


def test_the_tracker_marks_a_year_no_legal_basis_covers_not_due(tmp_path):
    from warehouse import db, queries

    path = tmp_path / "warehouse.duckdb"
    with db.writer(path) as con:
        for year in (2026, 2027):
            db.register_deadline(con, year, D(year + 1, 8, 3))
    with db.reader(path) as con:
        rows = queries.tracker(con)
        assert {(r["time_period"], r["status"], r["legal_bases"]) for r in rows} == {
            (2026, "not yet due" if D.today() <= D(2027, 8, 3) else "missing", "32024R1307"),
            (2027, "not due", None),
        }
        later = queries.tracker(con, 2028, D(2029, 8, 3))  # nothing recorded for 2028 yet
        assert {(r["status"], r["legal_bases"]) for r in later} == {("not due", None)} and len(later) == 27


def test_a_reference_period_wholly_outside_the_named_basis_is_rejected(tmp_path):
    report = validate(_submission(tmp_path, 2024, "2024-09-01", "2024-12-31", "32021R1232"))
    (issue,) = _issues(report, "L0_LEGAL_BASIS")
    assert not report.valid and "it is covered by 32024R1307" in issue.message
    assert not _issues(report, "L0_REF_PERIOD_UNCOVERED")
    assert validate(_submission(tmp_path, 2024, "2024-09-01", "2024-12-31", "32024R1307")).issues == []
