"""Property-based: random valid submissions pass; a random single-cell corruption is caught
by the rule that names it, at the corrupted row."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.contract import load_contract
from tests.helpers import metadata
from transforms.readers import read_submission
from transforms.validation import validate
from transforms.writers import EXTENSIONS, write_submission

C = load_contract()
KEYS = C.series_keys()
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _split(draw, total: int, parts: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@st.composite
def valid_figures(draw) -> dict[tuple, int | None]:
    """Figures that satisfy every rule: sums add up, cases are ordered, gaps are whole breakdowns."""
    n = st.integers(0, 50_000)
    provider, pio = draw(n), draw(n)
    total = provider + pio
    unique = draw(st.integers(0, total))
    several = draw(st.integers(0, unique))
    children = draw(st.integers(0, 500))
    f = {
        ("REP_LEA", "_Z", "TOTAL", "TOTAL"): total,
        ("REP_LEA", "_Z", "PIO", "TOTAL"): pio,
        ("REP_LEA", "_Z", "PROVIDER", "TOTAL"): provider,
        ("CASE_UNQ", "_Z", "TOTAL", "TOTAL"): unique,
        ("CASE_MULT", "_Z", "TOTAL", "TOTAL"): several,
        ("CHILD_IDN", "T", "_Z", "_Z"): children,
        ("PERP_CNV", "_Z", "_Z", "_Z"): draw(st.integers(0, 2_000)),
    }
    for rule, total_key, parts in C.additivity_groups():
        if rule == "L1_REPORTER_SUM":
            continue  # its parts are set above
        gap = draw(st.booleans())
        split = _split(draw, f[total_key], len(parts))
        f.update({p: None if gap else v for p, v in zip(parts, split, strict=True)})
    assert set(f) == set(KEYS)
    return f


def _rows(figures: dict) -> list[dict]:
    """One row per series, in the contract's order (row i is KEYS[i])."""
    return [
        {"geo": "AT", "time_period": 2023, **dict(zip(C.series_dimensions, key, strict=True)),
         "obs_value": value, "obs_status": "m" if value is None else None, "conf_status": None,
         "comment": "not recorded" if value is None else None}
        for key, value in ((k, figures[k]) for k in KEYS)
    ]  # fmt: skip


def _check(rows: list[dict], fmt: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"ART8_AT_2023_R1{EXTENSIONS[fmt]}"
        write_submission(metadata(), rows, path, fmt)
        submission = read_submission(path)
        locations = [o.location for o in submission.observations]
        return validate(submission), locations


FORMATS = st.sampled_from(["json", "csv", "sdmx-csv"])


@SETTINGS
@given(valid_figures(), FORMATS)
def test_random_valid_submissions_pass(figures, fmt):
    report, _ = _check(_rows(figures), fmt)
    assert report.valid, [(i.rule, i.location, i.message) for i in report.issues]
    assert {i.rule for i in report.issues} <= {"L1_BREAKDOWN_MISSING"}


def _corrupt(draw, rows: list[dict]) -> tuple[int, str]:
    """Change one cell; return its row and the rule that must catch it."""
    given = [i for i, r in enumerate(rows) if r["obs_value"] is not None]
    kind = draw(st.sampled_from(["sum", "code", "negative", "status"]))
    if kind == "sum":
        groups = [
            (rule, parts)
            for rule, total, parts in C.additivity_groups()
            if all(rows[KEYS.index(p)]["obs_value"] is not None for p in parts)
        ]
        rule, parts = draw(st.sampled_from(groups))  # the reporter breakdown is never a gap
        # A leaf part: changing PROVIDER (itself a total) would break two sums at once.
        leaves = [p for p in parts if p != ("REP_LEA", "_Z", "PROVIDER", "TOTAL")]
        i = KEYS.index(draw(st.sampled_from(leaves)))
        rows[i]["obs_value"] += draw(st.integers(1, 1000))
        total = next(t for r, t, _ in C.additivity_groups() if r == rule)
        return KEYS.index(total), rule
    if kind == "code":
        i = draw(st.integers(0, len(rows) - 1))
        rows[i]["obs_status"] = draw(st.sampled_from(["z", "M", "x", "mm"]))
        return i, "L0_CODE_LIST"
    if kind == "negative":
        i = draw(st.sampled_from(given))
        rows[i]["obs_value"] = -draw(st.integers(1, 1000))
        return i, "L1_NON_NEGATIVE"
    i = draw(st.integers(0, len(rows) - 1))
    rows[i].update(obs_value=None, obs_status=None)
    return i, "L1_EMPTY_NEEDS_STATUS"


@SETTINGS
@given(valid_figures(), FORMATS, st.data())
def test_a_single_corrupted_cell_is_caught_by_its_rule_at_its_row(figures, fmt, data):
    rows = _rows(figures)
    row, rule = _corrupt(data.draw, rows)
    report, locations = _check(rows, fmt)
    assert not report.valid
    fired = {(i.rule, i.location) for i in report.issues}
    assert (rule, locations[row]) in fired, fired
