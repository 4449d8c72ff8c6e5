"""The contract is the single source: everything derived from it must agree with it."""

import json
import re
from pathlib import Path

import duckdb
import pytest

from contracts.contract import load_contract
from tests.helpers import observations

ROOT = Path(__file__).parents[2]


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
    assert len(c.series_keys()) == len(set(c.series_keys())) == 16


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


# --- derived artefacts ------------------------------------------------------------------------


def test_warehouse_observation_table_matches_the_staging_ddl(tmp_path):
    """The migration's observation table = the contract's DDL, after its submission_id."""
    from contracts.ddl import staging_ddl
    from warehouse import db

    with db.writer(tmp_path / "w.duckdb") as con:
        warehouse = con.execute("DESCRIBE observation").fetchall()
    con = duckdb.connect()
    try:
        con.execute(staging_ddl())
        staging = con.execute("DESCRIBE staging_observation").fetchall()
    finally:
        con.close()
    assert [r[:3] for r in warehouse[1:]] == [r[:3] for r in staging]  # name, type, nullable


def test_staging_ddl_enforces_code_lists_minimum_and_key():
    from contracts.ddl import staging_ddl

    con = duckdb.connect()
    try:
        con.execute(staging_ddl())
        good = "('AT', 2023, 'PERP_CNV', '_Z', '_Z', '_Z', {value}, NULL, NULL, NULL)"
        con.execute(f"INSERT INTO staging_observation VALUES {good.format(value=4)}")
        for bad in (
            good.format(value=-1),
            good.format(value=5),  # the same key again
            good.replace("'AT'", "'GR'").format(value=1),
        ):
            with pytest.raises(duckdb.ConstraintException):
                con.execute(f"INSERT INTO staging_observation VALUES {bad}")
    finally:
        con.close()


def _frame_rows(changes=None):
    return [dict(o, geo="AT", time_period=2023, conf_status=None) for o in observations(changes)]


def test_pandera_model_accepts_a_valid_canonical_table():
    from contracts.pandera_model import check_rows

    frame = check_rows(_frame_rows({("PERP_CNV", "_Z", "_Z", "_Z"): None}))
    assert list(frame.columns) == load_contract().columns
    assert str(frame["obs_value"].dtype) == "Int64" and frame["obs_value"].isna().sum() == 1


@pytest.mark.parametrize(
    ("edit", "column", "check"),
    [
        (lambda rows: rows[0].update(sex="X"), "sex", "isin"),
        (lambda rows: rows[1].update(obs_value=-3), "obs_value", "greater_than_or_equal_to"),
        (lambda rows: rows[2].update(comment="x" * 2001), "comment", "str_length"),
        (lambda rows: rows[3].update(geo=None), "geo", "not_nullable"),
        (lambda rows: rows.append(dict(rows[0])), None, "multiple_fields_uniqueness"),
    ],
)
def test_pandera_model_names_the_failing_column(edit, column, check):
    from pandera.errors import SchemaErrors

    from contracts.pandera_model import check_rows

    rows = _frame_rows()
    edit(rows)
    with pytest.raises(SchemaErrors) as caught:
        check_rows(rows)
    cases = caught.value.failure_cases
    assert any(check in str(c) for c in cases["check"]), cases
    if column:
        assert column in set(cases["column"]), cases


def test_json_schema_accepts_the_demo_json_files_and_rejects_bad_codes(tmp_path):
    import jsonschema

    from contracts.schemas import submission_json_schema
    from csa_stats.demo import generate_demo

    schema = submission_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    files = [p for p in generate_demo(tmp_path) if p.suffix == ".json" and not p.name.endswith(".meta.json")]
    assert files
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(doc)) == [], path.name
    doc["metadata"]["geo"] = "GR"
    doc["observations"][0]["obs_status"] = "z"
    errors = {e.json_path for e in validator.iter_errors(doc)}
    assert errors == {"$.metadata.geo", "$.observations[0].obs_status"}


@pytest.mark.filterwarnings(
    "ignore:The --schema-sync option is deprecated"
)  # fieldsMatch is not yet honoured
def test_table_schema_validates_csv_files_with_frictionless(tmp_path):
    import frictionless

    from contracts.schemas import table_schema
    from transforms.writers import write_submission

    schema = frictionless.Schema.from_descriptor(table_schema())
    assert schema.primary_key == load_contract().dimensions

    def check(name):
        return frictionless.Resource(name, basepath=str(tmp_path), schema=schema).validate()

    write_submission({}, _frame_rows(), tmp_path / "good.csv", "csv")
    assert check("good.csv").valid
    write_submission({}, _frame_rows({("PERP_CNV", "_Z", "_Z", "_Z"): -2}), tmp_path / "bad.csv", "csv")
    errors = check("bad.csv").flatten(["rowNumber", "fieldName", "type"])
    assert errors == [[16, "obs_value", "constraint-error"]]


def test_published_schemas_are_the_derived_ones(tmp_path):
    from contracts.export import write_schemas

    for path in write_schemas(tmp_path):
        published = ROOT / "docs" / "schemas" / path.name
        assert published.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{published} is stale: run `csa-stats contract --out docs/schemas`"
        )


def test_contract_command_writes_every_derived_artefact(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "contract"
    cli = Path(sys.executable).parent / "csa-stats"
    result = subprocess.run([cli, "contract", "--out", out], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "article8.odcs.yaml",
            "article8-submission.schema.json",
            "article8-observation.tableschema.json",
            "article8-staging.duckdb.sql",
            "article8-observation.gx-suite.json",
            "article8-template.xlsx",
            "structure.sdmx21.xml",
            "structure.sdmx30.xml",
            "rules.vtl",
        ]
    )
    assert b"<str:DataStructure " in (out / "structure.sdmx21.xml").read_bytes()
    assert 'errorcode "L1_SEX_SUM"' in (out / "rules.vtl").read_text(encoding="utf-8")
    assert (out / "article8.odcs.yaml").read_bytes() == (
        ROOT / "contracts" / "article8.odcs.yaml"
    ).read_bytes()
    suite = json.loads((out / "article8-observation.gx-suite.json").read_text(encoding="utf-8"))
    assert suite["meta"]["contract_version"] == load_contract().version
    in_set = {
        e["kwargs"]["column"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    assert in_set == {f.name for f in load_contract().observation_fields if f.code_list}
    ddl = (out / "article8-staging.duckdb.sql").read_text(encoding="utf-8")
    assert load_contract().version in ddl and "CHECK (obs_value >= 0)" in ddl


def test_key_figures_are_series_of_the_contract():
    c = load_contract()
    assert set(c.key_figures) == {"reports", "children", "convicted"}
    assert set(c.key_figures.values()) <= set(c.series_keys())
    assert len(c.breakdown_of(c.key_figures["children"])) == 4  # T and F, M, U


def test_publication_rules_are_contract_properties():
    from publish import disclosure

    contract = load_contract()
    assert contract.eu_aggregate not in contract.code_lists["geo"]
    assert set(contract.confidentiality.values()) <= set(contract.code_lists["conf_status"])
    assert contract.missing_status in contract.code_lists["obs_status"]
    assert contract.disclosure.threshold >= 1 and "threshold" in contract.disclosure.rule
    assert (contract.eu_aggregate, contract.missing_status) == (disclosure.EU_AGGREGATE, disclosure.MISSING)
    roles = contract.confidentiality
    assert (roles["primary"], roles["secondary"]) == (disclosure.PRIMARY, disclosure.SECONDARY)


def test_a_publication_code_outside_its_code_list_stops_the_contract():
    import copy

    from contracts.contract import Contract

    doc = copy.deepcopy(load_contract().doc)
    roles = next(c for c in doc["customProperties"] if c["property"] == "confidentialityRoles")
    roles["value"] = {**roles["value"], "primary": "X"}
    with pytest.raises(ValueError, match="publication codes not in their code lists: \\['conf_status X'\\]"):
        Contract(doc)


def test_no_rule_of_the_contract_is_written_outside_it():
    """The codes of the publication rules and of the counting appear in no Python or SQL of the
    stages: they come from the contract (the demo generator and benchmarks aside)."""
    contract = load_contract()
    codes = {contract.eu_aggregate, *contract.code_lists["indicator"]}
    stages = ("transforms", "warehouse", "publish", "csa_stats", "dags")
    demos = ("demo.py", "demo_flags.py", "records_demo.py")  # generators of made-up figures, by code
    sources = [p for s in stages for p in (ROOT / s).rglob("*") if p.suffix in (".py", ".sql")]
    found = [
        f"{p.relative_to(ROOT)}: {code}"
        for p in sources
        if p.name not in demos
        for code in codes
        if re.search(rf"['\"]{re.escape(code)}['\"]", p.read_text(encoding="utf-8"))
    ]
    assert not found


def test_what_the_rules_accept_pandera_accepts(tmp_path):
    """The loader stores an accepted verdict without pandera: whatever the contract's rules accept,
    of the demo and of the hostile corpus, the pandera model (same types, codes, ranges, lengths,
    key) accepts too, so pandera would add no check."""
    from contracts.pandera_model import check_rows
    from csa_stats.demo import generate_demo
    from tests.e2e.hostile import build_corpus
    from transforms.judge import Limits, judge_path

    contract = load_contract()
    demo = [p for p in generate_demo(tmp_path / "demo", years=range(2023, 2024)) if ".meta" not in p.suffixes]
    accepted = 0
    for path in demo + [path for _, path in build_corpus(tmp_path / "corpus")]:
        verdict = judge_path(path, Limits(), contract)
        if verdict.accepted:
            check_rows(verdict.rows())
            accepted += 1
    assert accepted >= len(demo)
