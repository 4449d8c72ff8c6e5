"""The published VTL program is an oracle for our level-1 validation: run by vtlengine (in its
own environment, tests/vtl_oracle) over the demo submissions and random ones, its verdicts
equal ours, figure by figure."""

from __future__ import annotations

import csv
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contracts.contract import load_contract
from contracts.sdmx import FREQ, TIME, structure
from contracts.vtl import check_names, vtl_program
from csa_stats.demo import generate_demo
from tests.helpers import metadata
from transforms.canonical import Submission
from transforms.readers import read_submission
from transforms.validation import validate
from transforms.writers import write_submission

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / ".venv-vtl" / "bin" / "python"
C = load_contract()
S = structure()
KEYS = C.series_keys()
RULES = {rule for rule, _key in check_names().values()}
ROLES = {"D": "Identifier", "M": "Measure", "A": "Attribute"}
SERIES = [S.component_of[d] for d in C.series_dimensions]


@pytest.fixture(scope="module")
def engine():
    """The oracle process, up for the whole module: one job a line, one answer a line."""
    if not ORACLE.exists():
        pytest.fail(f"{ORACLE} is missing: `make test` installs the VTL oracle (tests/vtl_oracle)")
    runner = ROOT / "tests" / "vtl_oracle" / "run_vtl.py"
    process = subprocess.Popen(
        [str(ORACLE), str(runner)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    yield process
    process.stdin.close()
    process.wait(timeout=60)


def oracle(engine, rows: list[list]) -> set[tuple]:
    """(rule, geo, year, series key) of every invalid data point the VTL program finds."""
    components = [
        [c.id, ROLES[c.role.value], "Integer" if c.id == "OBS_VALUE" else "String"] for c in S.dsd.components
    ]
    job = {"program": vtl_program(), "dataset": S.dataflow.id, "components": components, "rows": rows}
    engine.stdin.write(json.dumps(job) + "\n")
    engine.stdin.flush()
    answer = engine.stdout.readline()
    assert answer, "the VTL oracle stopped (its error is above)"
    names = check_names()
    verdicts = set()
    for name, points in json.loads(answer).items():
        rule, key = names[name]
        for p in points:
            series = key or tuple(
                S.layout.contract_code(d, p[d]) for d in SERIES
            )  # the data carry _T for TOTAL ...
            verdicts.add((rule, p[S.component_of["geo"]], int(p[TIME]), series))
    return verdicts


def ours(submission: Submission) -> set[tuple]:
    """The same verdicts from our validation: the rule and the series of the row it names."""
    keys = {o.location: C.series_key(o.values) for o in submission.observations}
    geo, year = submission.geo, submission.time_period
    return {(i.rule, geo, year, keys[i.location]) for i in validate(submission).issues if i.rule in RULES}


def sdmx_rows(path: Path) -> list[list]:
    """The data rows of an SDMX-CSV file, as the VTL input data set: without STRUCTURE,
    STRUCTURE_ID and ACTION, an empty value as null (so is the EU coverage, which a submission
    does not carry)."""
    with open(path, encoding="utf-8", newline="") as f:
        header, *records = csv.reader(f)
    columns = [c.id for c in S.dsd.components]
    return [[record[header.index(c)] or None if c in header else None for c in columns] for record in records]


def canonical_rows(submission: Submission) -> list[list]:
    """The rows of a submission in any format, laid out like its SDMX-CSV data (the SDMX codes)."""
    rows = []
    for values in submission.rows():
        row = {**values, "geo": submission.geo, "time_period": submission.time_period}
        rows.append(
            [
                S.layout.sdmx_code(c.id, _text(row.get(S.field_of.get(c.id)))) if c.id != FREQ else "A"
                for c in S.dsd.components
            ]
        )
    return rows


def _text(value):
    return None if value is None else str(value)


def test_the_program_is_the_published_one():
    program = vtl_program()
    assert program.count("<- check(") == len(check_names())
    for rule in ("L1_NON_NEGATIVE", "L1_SEX_SUM", "L1_REPORTER_SUM", "L1_SERVICE_SUM", "L1_CASE_ORDER"):
        assert f'errorcode "{rule}"' in program


def test_vtl_agrees_on_the_demo_submissions(engine, tmp_path):
    landing, revisions = tmp_path / "landing", tmp_path / "revisions"
    generate_demo(landing, years=range(2021, 2025), revisions_dir=revisions, per_state=False)
    for folder in ("landing", "revisions"):  # a revision repeats its state and year: a run of its own
        submissions = [
            read_submission(p)
            for p in sorted((tmp_path / folder).iterdir())
            if p.suffix in (".json", ".csv", ".xlsx") and not p.name.endswith(".meta.json")
        ]
        assert submissions
        expected = set().union(*(ours(s) for s in submissions))
        rows = [row for s in submissions for row in canonical_rows(s)]
        assert oracle(engine, rows) == expected


GEOS = list(C.code_lists["geo"])
VALUE = st.one_of(st.none(), st.integers(-3, 40))


@st.composite
def figures(draw) -> dict[tuple, int | None]:
    """Random figures; half the time the sums are made to add up first, then a few cells are
    emptied or moved, so equal, short and exceeded totals all occur, with and without gaps."""
    f = {k: draw(VALUE) for k in KEYS}
    if draw(st.booleans()):
        for _rule, total, parts in C.additivity_groups():
            given = [f[p] for p in parts]
            if None not in given:
                f[total] = sum(given)
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
            f[key] = draw(VALUE)
    return f


def _rows(f: dict, geo: str, year: int) -> list[dict]:
    return [
        {"geo": geo, "time_period": year, **dict(zip(C.series_dimensions, k, strict=True)), "obs_value": v,
         "obs_status": "m" if v is None else None, "conf_status": None, "comment": None}
        for k, v in f.items()
    ]  # fmt: skip


# An exceeded total beside an empty part must still be caught: 5 + (empty) + 6 > 10.
EXCEEDED_WITH_GAP = {
    **{k: None for k in KEYS},
    ("CHILD_IDN", "T", "_Z", "_Z"): 10,
    ("CHILD_IDN", "F", "_Z", "_Z"): 5,
    ("CHILD_IDN", "U", "_Z", "_Z"): 6,
}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@example(batch=[EXCEEDED_WITH_GAP])
@given(batch=st.lists(figures(), min_size=1, max_size=len(GEOS)))
def test_vtl_agrees_on_random_submissions(engine, batch):
    """Each submission gets a state of its own, all go to the engine in one data set."""
    expected, rows = set(), []
    with tempfile.TemporaryDirectory() as folder:
        for n, f in enumerate(batch):
            geo, year = GEOS[n], 2022
            path = Path(folder) / f"ART8_{geo}_{year}_R1.csv"
            write_submission(metadata(geo, year), _rows(f, geo, year), path, "sdmx-csv")
            expected |= ours(read_submission(path))
            rows += sdmx_rows(path)
    assert oracle(engine, rows) == expected
    if batch == [EXCEEDED_WITH_GAP]:
        assert ("L1_SEX_SUM", "AT", 2022, ("CHILD_IDN", "T", "_Z", "_Z")) in expected
