"""The integer attacker (bench/integer_attacker.py, independent of publish/suppression.py) over
releases built from generated data: for every suppressed cell, the least and largest whole value
consistent with everything published (every version, the national releases), the relations and
the rule as published. Protection: a suppressed cell's interval must be at least `threshold`
wide (a hidden 1 with threshold 3 may be anything in, at least, [0, 3]); a figure its owner
flagged must stay open by max(threshold, 10 % of its value) on each side.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from bench.integer_attacker import Attacker, exposed
from bench.suppression_baseline import synthetic_state
from contracts.contract import load_contract
from publish.disclosure import PUBLIC_HIDDEN
from publish.release import build_release

CONTRACT = load_contract()
THRESHOLD = 3
YEAR = 2023


def submissions_of(rows: list[dict]) -> list[dict]:
    ids = sorted({(r["geo"], r["submission_id"]) for r in rows})
    return [{"geo": geo, "submission_id": sid} for geo, sid in ids]


def assert_protected(*roots, owner: dict | None = None) -> int:
    """Every suppressed cell of every version meets its protection against the integer attacker."""
    checked, narrowed = exposed(*roots, owner=owner)
    assert narrowed == [], narrowed
    return checked


@pytest.mark.parametrize("seed", range(int(os.environ.get("CSA_ATTACKER_SEEDS", "8"))))
def test_no_suppressed_cell_can_be_narrowed_across_states_and_versions(tmp_path, seed):
    rng = random.Random(seed)
    states = sorted(CONTRACT.code_lists["geo"])
    rows = [row for geo in states for row in synthetic_state(geo, rng)]
    build_release(rows, submissions_of(rows), YEAR, tmp_path, threshold=THRESHOLD)
    # Two states revise their figures: v2 must not undo what v1 protected, nor the reverse.
    revised = {"MT", "NL"}
    rows = [r for r in rows if r["geo"] not in revised]
    rows += [row for geo in sorted(revised) for row in synthetic_state(geo, rng, revision=2)]
    result = build_release(rows, submissions_of(rows), YEAR, tmp_path, threshold=THRESHOLD)
    assert result.version == 2
    assert assert_protected(tmp_path / "releases" / str(YEAR)) > 10


def test_national_release_is_protected_on_its_own(tmp_path):
    rows = synthetic_state("MT", random.Random(7))
    for row in rows:
        if row["indicator"] == "CHILD_IDN" and row["sex"] in "FMUT":
            row["obs_value"] = {"F": 1, "M": 1, "U": 5, "T": 7}[row["sex"]]
    build_release(rows, submissions_of(rows), YEAR, tmp_path, threshold=THRESHOLD, geo="MT")
    assert assert_protected(tmp_path / "releases" / str(YEAR) / "MT") >= 3


def test_the_attacker_finds_an_exposed_cell():
    """The attacker is not blind: one hidden part of a published total is worked back."""
    rows = synthetic_state("MT", random.Random(1))
    attacker = Attacker()
    for row in rows:
        row["conf_status"] = "F"
        if row["indicator"] == "PERP_CNV":
            row["conf_status"], true_value = PUBLIC_HIDDEN, row["obs_value"]
    child_f = next(r for r in rows if r["indicator"] == "CHILD_IDN" and r["sex"] == "F")
    child_f["conf_status"] = PUBLIC_HIDDEN
    attacker.read_release(1, rows)
    assert attacker.interval(1, child_f) == pytest.approx((child_f["obs_value"],) * 2)
    low, high = attacker.interval(1, next(r for r in rows if r["indicator"] == "PERP_CNV"))
    assert (low, high) == (0, np.inf) and true_value >= 0


def test_two_markings_gave_small_counts_away_one_marking_does_not():
    """BG 2021 as the issue found it: total, girls and boys hidden, unknown sex 0. A reader who
    knows C is a count of 1 or 2 pins all three (girls = boys = 1, total 2); with one marking
    each may be any whole number."""
    rows = synthetic_state("BG", random.Random(3))
    children = {"T": 2, "F": 1, "M": 1, "U": 0}
    for row in rows:
        row["conf_status"] = "F"
        if row["indicator"] == "CHILD_IDN" and row["sex"] in children:
            row["obs_value"] = children[row["sex"]]
            if row["sex"] != "U":
                row["conf_status"], row["obs_value"] = PUBLIC_HIDDEN, None
    girls = next(r for r in rows if r["indicator"] == "CHILD_IDN" and r["sex"] == "F")
    for reasons, expected in ((True, (1, 1)), (False, (0, np.inf))):
        attacker = Attacker(THRESHOLD, reasons=reasons)
        attacker.read_release(1, rows)
        assert attacker.interval(1, girls) == expected
