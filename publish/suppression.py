"""Secondary cell suppression as a mixed-integer program (HiGHS through highspy).

A table is a set of cells (published values, or unknowns for an outsider) tied by linear
relations the outsider knows: totals are sums of parts, the EU aggregate the sum of the
Member States, ordering chains, non-negativity. Some cells must be hidden (primary: small
counts, figures the data owner flagged), some may not be (published elsewhere already); the
rest are decisions. We choose the hidden set of least cost such that every hidden cell's
interval, as the attacker's linear programs compute it from everything published, is at
least `threshold` wide.

Method (Fischetti and Salazar's cell suppression with attacker subproblems): the master is
a binary program over the decisions, min sum(cost * hide). For a candidate pattern the
attacker solves two linear programs per hidden cell (its largest and smallest value); when a
cell's interval is too narrow, the LP duals give a cut, valid for every pattern:
width(hide) <= sum(coefficient_i * hide_i) + constant, so a protecting pattern must satisfy
sum(coefficient_i * hide_i) + constant >= threshold (for a hidden decision cell: >= threshold
* hide_j). Cuts are added until the attacker narrows nothing. The attacker here is stronger
than a real one (every cell also has a finite upper bound, `ceiling`), so its verdict is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
from highspy._core import _Highs

HIDDEN, KNOWN, FREE = "hidden", "known", "free"
_EPS = 1e-6


def _solver() -> _Highs:
    """A quiet HiGHS instance: the core class, since the Python wrapper's logging callbacks
    print a banner on construction (into the output of every CLI command that releases)."""
    solver = _Highs()
    solver.setOptionValue("output_flag", False)
    return solver


@dataclass
class Table:
    """Cells by index; values are None for a hidden cell whose true value is not at hand
    (a figure an earlier release hid, from a submission since revised)."""

    values: list[float | None] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # HIDDEN, KNOWN or FREE (a decision)
    costs: list[float] = field(default_factory=list)  # of hiding a FREE cell
    equalities: list[dict[int, float]] = field(default_factory=list)  # sum(coef * x) == 0
    inequalities: list[dict[int, float]] = field(default_factory=list)  # sum(coef * x) <= 0

    def add(self, value: float | None, kind: str, cost: float = 0.0) -> int:
        self.values.append(value)
        self.kinds.append(kind)
        self.costs.append(cost)
        return len(self.values) - 1


@dataclass
class Outcome:
    hidden: set[int]  # the FREE cells to hide
    iterations: int
    unprotectable: list[int]  # required cells no pattern can protect (already pinned elsewhere)


def suppress(table: Table, threshold: float, max_iterations: int = 200) -> Outcome:
    """The cheapest set of FREE cells to hide so that no hidden cell can be narrowed."""
    free = [i for i, k in enumerate(table.kinds) if k == FREE]
    if not _fixed_hidden(table):
        return Outcome(set(), 0, [])  # nothing to protect: nothing to hide
    attacker = _Attacker(table)
    everything = set(free)
    unprotectable: list[int] = []
    master = _Master(table, free)
    safe: dict[int, set[int]] = {}  # cell -> a pattern under which it was protected
    for iteration in range(1, max_iterations + 1):
        hidden = master.solve()
        exposed = []
        for j in sorted(hidden | _fixed_hidden(table)):
            if j in unprotectable or (j in safe and safe[j] <= hidden):
                continue  # hiding more never narrows an interval: still protected
            if attacker.width(j, hidden) < threshold - _EPS:
                exposed.append(j)
            else:
                safe[j] = hidden
        if not exposed:
            return Outcome(hidden, iteration, sorted(unprotectable))
        for j in exposed:
            if j not in hidden and attacker.width(j, everything) < threshold - _EPS:
                unprotectable.append(j)  # pinned by what is published anyway: no cut can help
            else:
                master.add_cut(*attacker.cut(j, hidden, threshold), j, hidden, threshold)
    # Not reached on tables of this size; hiding every decision is always protecting.
    return Outcome(everything, max_iterations, sorted(unprotectable))


def _fixed_hidden(table: Table) -> set[int]:
    return {i for i, k in enumerate(table.kinds) if k == HIDDEN}


class _Attacker:
    """One LP over all cells: x_i in [value, value] if published, [0, ceiling] if hidden."""

    def __init__(self, table: Table):
        self.table = table
        known = [v for v in table.values if v is not None]
        self.ceiling = 2.0 * float(sum(known)) + 10.0  # far above any cell: room to move
        n = len(table.values)
        self.lp = _solver()
        self.lp.setOptionValue("presolve", "off")  # one model solved again and again: warm starts
        self.lp.addVars(n, np.zeros(n), np.full(n, self.ceiling))
        relations = [(r, 0.0) for r in table.equalities] + [
            (r, -highspy.kHighsInf) for r in table.inequalities
        ]
        for relation, lower in relations:
            if _contradicted(relation, lower, table.values):
                continue  # figures that break their own sums: no attacker can use that relation
            index = np.array(list(relation), dtype=np.int32)
            self.lp.addRow(lower, 0.0, len(index), index, np.array(list(relation.values()), dtype=float))
        self.n = n
        self.columns = np.arange(n, dtype=np.int32)
        self.known = np.array([k == KNOWN for k in table.kinds])
        self.free = np.array([k == FREE for k in table.kinds])
        self.value = np.array([0.0 if v is None else float(v) for v in table.values])
        self.pattern: set[int] | None = None
        self.objective: int | None = None

    def _extreme(self, j: int, sign: float, hidden: set[int]) -> tuple[float, np.ndarray]:
        """sign=+1: the largest x_j; -1: minus the smallest. With the column duals."""
        if hidden != self.pattern:  # only then new bounds: the last basis stays a warm start
            published = self.known | self.free
            published[list(hidden)] = False
            lower = np.where(published, self.value, 0.0)
            upper = np.where(published, self.value, self.ceiling)
            self.lp.changeColsBounds(self.n, self.columns, lower, upper)
            self.pattern = set(hidden)
        if self.objective is not None:
            self.lp.changeColCost(self.objective, 0.0)
        self.lp.changeColCost(j, -sign)  # HiGHS minimises
        self.objective = j
        self.lp.run()
        status = self.lp.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise ValueError(
                f"the published figures contradict each other ({self.lp.modelStatusToString(status)})"
            )
        return -self.lp.getInfo().objective_function_value, np.array(self.lp.getSolution().col_dual)

    def width(self, j: int, hidden: set[int]) -> float:
        return self._extreme(j, 1.0, hidden)[0] + self._extreme(j, -1.0, hidden)[0]

    def cut(self, j: int, hidden: set[int], threshold: float) -> tuple[dict[int, float], float]:
        """width(any pattern) <= sum(coefficients[i] * hide_i) + constant (LP duality).

        The dual of min(c.x) bounds it from below by sum(dual_i * bound_i) for every choice
        of bounds; a FREE cell's bounds are [v - v*hide, v + ceiling*hide], linear in hide.
        """
        coefficients: dict[int, float] = {}
        constant = 0.0
        for sign in (1.0, -1.0):
            _, dual = self._extreme(j, sign, hidden)
            lower_dual, upper_dual = np.maximum(dual, 0.0), np.minimum(dual, 0.0)
            for i, (kind, value) in enumerate(zip(self.table.kinds, self.table.values, strict=True)):
                if kind == FREE:
                    constant -= (lower_dual[i] + upper_dual[i]) * value
                    slope = lower_dual[i] * value - upper_dual[i] * self.ceiling
                    if slope > _EPS:
                        coefficients[i] = coefficients.get(i, 0.0) + slope
                elif kind == KNOWN:
                    constant -= (lower_dual[i] + upper_dual[i]) * value
                else:
                    constant -= upper_dual[i] * self.ceiling
        clipped = {i: min(c, threshold) for i, c in coefficients.items()}  # valid for binaries
        return clipped, constant


def _contradicted(relation: dict[int, float], lower: float, values: list[float | None]) -> bool:
    if any(values[i] is None for i in relation):
        return False
    total = sum(c * values[i] for i, c in relation.items())
    return total > _EPS or total < lower - _EPS


class _Master:
    """min sum(cost * hide) over the FREE cells, subject to the cuts found so far."""

    def __init__(self, table: Table, free: list[int]):
        self.free = free
        self.column = {cell: k for k, cell in enumerate(free)}
        self.mip = _solver()
        self.mip.setOptionValue("mip_rel_gap", 0.0)
        n = len(free)
        self.mip.addVars(n, np.zeros(n), np.ones(n))
        self.mip.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
        )
        self.mip.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([table.costs[i] for i in free]))

    def solve(self) -> set[int]:
        self.mip.run()
        if self.mip.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return set(self.free)  # cannot happen: hiding everything satisfies every cut
        values = self.mip.getSolution().col_value
        return {cell for cell, k in self.column.items() if values[k] > 0.5}

    def add_cut(
        self,
        coefficients: dict[int, float],
        constant: float,
        j: int,
        hidden: set[int],
        threshold: float,
    ) -> None:
        """sum(coef_i * hide_i) - threshold * hide_j >= -constant, or threshold - constant
        for a cell hidden in any case. If the duals give a cut the current pattern already
        meets (rounding), fall back to: hide one more cell than now, or not j."""
        row = {self.column[i]: c for i, c in coefficients.items()}
        rhs = threshold - constant
        if j in self.column:
            row[self.column[j]] = row.get(self.column[j], 0.0) - threshold
            rhs = -constant
        current = sum(c for k, c in row.items() if self.free[k] in hidden)
        if current >= rhs - _EPS:
            row = {self.column[i]: 1.0 for i in self.free if i not in hidden}
            rhs = 1.0
            if j in self.column:
                row[self.column[j]] = -1.0
                rhs = 0.0
        index = np.array(list(row), dtype=np.int32)
        self.mip.addRow(rhs, highspy.kHighsInf, len(index), index, np.array(list(row.values()), dtype=float))
