"""The attacker: for every suppressed cell, linear programs over everything published.

Everything an outsider can read is used: every published figure of every release of the
year (earlier versions included), the contract's additivity (parts add up to totals), the
EU aggregate as the sum of the Member States, the contract's ordering chains and
non-negativity. A figure published by two releases from the same submission is the same
unknown. Protection interval: a suppressed cell's feasible interval must be at least
`threshold` wide (a hidden 1 with threshold 3 may be anything in, at least, [0, 3]).
"""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest
from scipy.optimize import linprog

from bench.suppression_baseline import synthetic_state
from contracts.contract import load_contract
from publish.disclosure import EU_AGGREGATE, PRIMARY, SECONDARY, series_key
from publish.release import build_release

CONTRACT = load_contract()
THRESHOLD = 3
YEAR = 2023


class Attacker:
    """Unknowns are hidden cells; constraints come from the published releases."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.equalities: list[tuple[dict[int, float], float]] = []
        self.inequalities: list[tuple[dict[int, float], float]] = []  # sum <= bound

    def read_release(self, version: int, observations: list[dict]) -> None:
        cells = {(r["geo"], series_key(r)): r for r in observations}
        terms = {cell: self._term(version, row) for cell, row in cells.items()}
        geos = sorted({geo for geo, _ in cells})
        missing = {key for (geo, key), term in terms.items() if term is None and geo != EU_AGGREGATE}
        for geo in geos:
            for _rule, total, parts in CONTRACT.additivity_groups():
                part_terms = [terms.get((geo, p)) for p in parts]
                if geo == EU_AGGREGATE and missing & {total, *parts}:
                    part_terms.append(None)  # the EU parts and total sum different states
                self._sum_rule(terms.get((geo, total)), part_terms)
            for rule in CONTRACT.ordering:
                chain = [terms.get((geo, series_key(link))) for link in rule["chain"]]
                for smaller, larger in zip(chain, chain[1:], strict=False):
                    if smaller is not None and larger is not None:
                        self._add(self.inequalities, [(smaller, 1), (larger, -1)])
        for key in CONTRACT.series_keys():
            if (EU_AGGREGATE, key) in terms:
                states = [terms.get((g, key)) for g in geos if g != EU_AGGREGATE]
                self._sum_rule(terms[EU_AGGREGATE, key], states)

    def interval(self, version: int, row: dict) -> tuple[float, float]:
        column = self.index[self._name(version, row)]
        bounds = []
        for sign in (1, -1):
            c = np.zeros(len(self.index))
            c[column] = sign
            a_eq, b_eq = self._matrix(self.equalities)
            a_ub, b_ub = self._matrix(self.inequalities)
            result = linprog(c, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None))
            if result.status == 2:  # HiGHS's presolve may say "infeasible" for "unbounded"
                options = {"presolve": False}
                result = linprog(
                    c, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), options=options
                )
            assert result.status in (0, 3), result.message  # 3: unbounded
            bounds.append(sign * result.fun if result.status == 0 else -sign * np.inf)
        return bounds[0], bounds[1]

    def _term(self, version: int, row: dict):
        """A published value (a number), a hidden one (an unknown), or missing (None)."""
        if row["conf_status"] in (PRIMARY, SECONDARY):
            return self.index.setdefault(self._name(version, row), len(self.index)), "unknown"
        return (row["obs_value"], "known") if row["obs_value"] is not None else None

    @staticmethod
    def _name(version: int, row: dict) -> tuple:
        # A Member State's figure is the same unknown in every release of its submission;
        # the EU aggregate changes with every release.
        source = row["submission_id"] if row["geo"] != EU_AGGREGATE else f"v{version}"
        return row["geo"], series_key(row), source

    def _sum_rule(self, total, parts: list) -> None:
        """total = sum of parts when every part is given; parts <= total when some are missing."""
        if total is None:
            return
        terms = [(total, -1), *((p, 1) for p in parts if p is not None)]
        self._add(self.equalities if None not in parts else self.inequalities, terms)

    def _add(self, target: list, terms: list) -> None:
        coefficients, constant = {}, 0.0
        for (value, kind), sign in terms:
            if kind == "unknown":
                coefficients[value] = coefficients.get(value, 0) + sign
            else:
                constant -= sign * value
        if coefficients:
            target.append((coefficients, constant))

    def _matrix(self, rows: list):
        if not rows:
            return None, None
        matrix = np.zeros((len(rows), len(self.index)))
        for i, (coefficients, _) in enumerate(rows):
            for column, value in coefficients.items():
                matrix[i, column] = value
        return matrix, np.array([constant for _, constant in rows])


def submissions_of(rows: list[dict]) -> list[dict]:
    ids = sorted({(r["geo"], r["submission_id"]) for r in rows})
    return [{"geo": geo, "submission_id": sid} for geo, sid in ids]


def published_versions(root) -> list[tuple[int, list[dict]]]:
    return [
        (int(v.name[1:]), json.loads((v / "observations.json").read_text())["observations"])
        for v in sorted(root.glob("v*"))
    ]


def assert_protected(root) -> int:
    """Every suppressed cell of every version has a feasible interval >= THRESHOLD wide."""
    attacker, versions = Attacker(), published_versions(root)
    for version, observations in versions:
        attacker.read_release(version, observations)
    checked = 0
    for version, observations in versions:
        for row in observations:
            if row["conf_status"] in (PRIMARY, SECONDARY):
                low, high = attacker.interval(version, row)
                assert high - low >= THRESHOLD, f"v{version} {row['geo']} {series_key(row)}: [{low}, {high}]"
                checked += 1
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
            row["conf_status"], true_value = PRIMARY, row["obs_value"]
    child_f = next(r for r in rows if r["indicator"] == "CHILD_IDN" and r["sex"] == "F")
    child_f["conf_status"] = PRIMARY
    attacker.read_release(1, rows)
    assert attacker.interval(1, child_f) == pytest.approx((child_f["obs_value"],) * 2)
    low, high = attacker.interval(1, next(r for r in rows if r["indicator"] == "PERP_CNV"))
    assert (low, high) == (0, np.inf) and true_value >= 0
