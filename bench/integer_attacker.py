"""An integer attacker over published release files, independent of publish/suppression.py
(scipy's MILP interface, built from the files alone): the tests' proof and the demo audit.

It knows what a reader knows: every figure published in every release it is given (every
version of a year, the national releases), the contract's additivity (parts add up to totals;
parts never exceed a total when some are missing), the EU aggregate as the sum of the states
that gave a figure, the ordering chains, that counts are whole numbers and not negative, and
the rule as the methodology publishes it. With one public marking that rule tells nothing
more about a hidden figure (a small count, a figure its owner flagged, a protecting zero or a
large figure all look alike), so a hidden figure is any whole number >= 0. A figure published
by two releases from the same submission is the same unknown.

`reasons=True` is the reader of releases published with two markings (before contract 2.5):
a primary C is a count of 1 to threshold - 1, a state's secondary D never is.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from contracts.contract import load_contract
from publish.disclosure import EU_AGGREGATE, PRIMARY, SECONDARY, is_hidden, series_key

CONTRACT = load_contract()


class Attacker:
    """Unknowns are hidden cells; constraints come from the published releases."""

    def __init__(self, threshold: int = CONTRACT.disclosure.threshold, reasons: bool = False):
        self.threshold, self.reasons = threshold, reasons
        self.index: dict[tuple, int] = {}
        self.equalities: list[tuple[dict[int, float], float]] = []
        self.inequalities: list[tuple[dict[int, float], float]] = []  # sum <= bound
        self.small: set[int] = set()  # two markings: unknowns read as 1 .. threshold - 1
        self.not_small: set[int] = set()  # two markings: 0 or >= threshold
        self.roof = 1000.0  # above every published figure, raised as figures are read
        self._model = None

    def read_release(self, version: str | int, observations: list[dict]) -> None:
        self._model = None
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

    def interval(self, version: str | int, row: dict) -> tuple[float, float]:
        """The least and the largest whole value of a hidden figure (inf: no upper bound)."""
        n, constraints, lower, upper = self._built()
        c = np.zeros(n)
        bounds = []
        for sign in (1, -1):
            c[:] = 0
            c[self.index[self._name(version, row)]] = sign
            # HiGHS's MIP presolve (scipy 1.x) returned a wrong optimum on a demo year (1,010 for a
            # figure of at most 2,874, which the LP and the MIP without presolve both find): off.
            result = milp(
                c, integrality=np.ones(n), bounds=Bounds(lower, upper), constraints=constraints,
                options={"presolve": False},
            )  # fmt: skip
            assert result.status == 0, result.message
            extreme = sign * result.fun
            bounds.append(np.inf if extreme >= self.roof - 0.5 else extreme)
        return bounds[0], bounds[1]

    def _built(self):
        """Variables: the unknowns, then (two markings) one binary per 'not small' unknown."""
        if self._model is None:
            n, t, roof = len(self.index), self.threshold, self.roof
            binaries = {i: n + k for k, i in enumerate(sorted(self.not_small))}
            width = n + len(binaries)
            rows = [
                *((r, b, b) for r, b in self.equalities),
                *((r, -np.inf, b) for r, b in self.inequalities),
            ]
            for i, z in binaries.items():  # x_i >= t * z and x_i <= roof * z: zero or not small
                rows += [({i: 1, z: -t}, 0, np.inf), ({i: 1, z: -roof}, -np.inf, 0)]
            matrix = np.zeros((len(rows), width))
            for k, (coefficients, _, _) in enumerate(rows):
                for column, value in coefficients.items():
                    matrix[k, column] = value
            constraints = (
                [LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])] if rows else []
            )
            lower, upper = np.zeros(width), np.full(width, roof)
            upper[n:] = 1
            for i in self.small:
                lower[i], upper[i] = 1, t - 1
            self._model = width, constraints, lower, upper
        return self._model

    def _term(self, version, row: dict):
        """A published value (a number), a hidden one (an unknown), or missing (None)."""
        if is_hidden(row):
            i = self.index.setdefault(self._name(version, row), len(self.index))
            if self.reasons and row["conf_status"] == PRIMARY:
                self.small.add(i)
            elif self.reasons and row["conf_status"] == SECONDARY and row["geo"] != EU_AGGREGATE:
                self.not_small.add(i)  # an EU sum is never a primary cell: it may be 1 or 2
            return i, "unknown"
        self.roof = max(self.roof, 10.0 * (row["obs_value"] or 0))
        return (row["obs_value"], "known") if row["obs_value"] is not None else None

    @staticmethod
    def _name(version, row: dict) -> tuple:
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


def published_versions(root: Path) -> list[tuple[int, list[dict]]]:
    """Every version's observations.json under a release root (releases/<year>[/<GEO>])."""
    return [
        (int(v.name[1:]), json.loads((v / "observations.json").read_text())["observations"])
        for v in sorted(Path(root).glob("v*"), key=lambda v: int(v.name[1:]))
        if v.name[1:].isdigit()
    ]


def exposed(
    *roots: Path, owner: dict | None = None, threshold: int | None = None, reasons: bool = False
) -> tuple[int, list[str]]:
    """(hidden figures checked, those the attacker narrows) over every version of every release
    root given (a Union release and national ones: the same unknowns)."""
    releases = [(f"{root}:v{v}", rows) for root in roots for v, rows in published_versions(root)]
    return exposed_in(releases, owner, threshold, reasons)


def exposed_in(
    releases: list[tuple[str | int, list[dict]]],
    owner: dict | None = None,
    threshold: int | None = None,
    reasons: bool = False,
) -> tuple[int, list[str]]:
    """(hidden figures checked, those the attacker narrows) over the given releases' rows.
    `owner`: (geo, series key) -> the true value of a figure its owner flagged, which must also
    stay open by its protection level, max(threshold, the contract's share of it), on each side."""
    threshold = CONTRACT.disclosure.threshold if threshold is None else threshold
    attacker = Attacker(threshold, reasons)
    for version, observations in releases:
        attacker.read_release(version, observations)
    checked, narrowed = 0, []
    for version, observations in releases:
        for row in (r for r in observations if is_hidden(r)):
            low, high = attacker.interval(version, row)
            value = (owner or {}).get((row["geo"], series_key(row)))
            level = CONTRACT.disclosure.owner_protection(value, threshold) if value is not None else 0
            short = value is not None and (high < value + level or low > max(0, value - level))
            if high - low < threshold or short:
                narrowed.append(f"{version} {row['geo']} {'/'.join(series_key(row))}: [{low}, {high}]")
            checked += 1
    return checked, narrowed
