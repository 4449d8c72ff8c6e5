"""The contract is the single source: everything derived from it must agree with it."""

import re
from pathlib import Path

import duckdb

from contracts.contract import load_contract

ROOT = Path(__file__).parents[1]


def test_contract_has_semantic_version_and_odcs_header():
    c = load_contract()
    assert re.fullmatch(r"\d+\.\d+\.\d+", c.version)
    assert c.doc["apiVersion"].startswith("v3.") and c.doc["kind"] == "DataContract"


def test_series_use_only_codes_of_the_code_lists():
    c = load_contract()
    fields = {f.name: f for f in c.observation_fields}
    for series in c.series:
        for dim in c.series_dimensions:
            assert series[dim] in c.code_lists[fields[dim].code_list], (dim, series)
    assert len(c.series_keys()) == len(set(c.series_keys())) == 15


def test_every_rule_has_level_and_severity():
    for rule in load_contract().rules.values():
        assert rule.level in (0, 1, 2, 3, 4, 5)
        assert rule.severity in ("error", "warning", "information")
        assert rule.message


def test_additivity_groups_are_complete_series():
    c = load_contract()
    keys = set(c.series_keys())
    groups = c.additivity_groups()
    assert {g[0] for g in groups} == {"L1_SEX_SUM", "L1_REPORTER_SUM", "L1_SERVICE_SUM"}
    for _rule, total, parts in groups:
        assert total in keys and set(parts) <= keys


def test_greece_is_el_and_gr_is_not_a_geo_code():
    geo = load_contract().code_lists["geo"]
    assert len(geo) == 27 and "EL" in geo and "GR" not in geo


def test_legal_basis_validity_is_data():
    c = load_contract()
    assert {b.code for b in c.legal_bases} == set(c.code_lists["legal_basis"])
    assert c.legal_basis("32021R1232").covers_year(2021)
    assert not c.legal_basis("32021R1232").covers_year(2025)


def test_warehouse_observation_table_follows_the_contract(tmp_path):
    from warehouse import db

    path = tmp_path / "w.duckdb"
    with db.writer(path) as con:
        columns = [r[0] for r in con.execute("DESCRIBE observation").fetchall()]
        types = {r[0]: r[1] for r in con.execute("DESCRIBE observation").fetchall()}
    c = load_contract()
    assert columns == ["submission_id", *c.columns]
    for f in c.observation_fields:
        assert types[f.name] == f.physical_type, f.name
    con = duckdb.connect(str(path), read_only=True)
    try:
        codes = con.execute("SELECT count(*) FROM code_list WHERE list = 'geo'").fetchone()[0]
    finally:
        con.close()
    assert codes == 27
