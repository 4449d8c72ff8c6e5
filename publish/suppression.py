"""Secondary cell suppression as a mixed-integer program (HiGHS through highspy).

A table is a set of cells (published values, or unknowns for an outsider) tied by linear
relations the outsider knows: totals are sums of parts, the EU aggregate the sum of the
Member States, ordering chains, non-negativity. Some cells must be hidden (primary: small
counts, figures the data owner flagged), some may not be (published elsewhere already); the
rest are decisions. We choose the hidden set of least cost such that every hidden cell's
interval, as an integer attacker computes it from everything published (the least and the
largest whole value consistent with it), meets the cell's protection: at least `threshold`
wide, and for a figure its owner flagged reaching its protection levels above and below.

Method (Fischetti and Salazar's cell suppression with attacker subproblems): the master is
a binary program over the decisions, min sum(cost * hide). For a candidate pattern the
attacker solves two linear programs per hidden cell (its largest and smallest value); when a
cell's interval is too narrow, the LP duals give a cut, valid for every pattern:
width(hide) <= sum(coefficient_i * hide_i) + constant, so a protecting pattern must satisfy
sum(coefficient_i * hide_i) + constant >= threshold (for a hidden decision cell: >= threshold
* hide_j). Cuts are added until the attacker narrows nothing. The linear relaxation is weaker
than a reader who knows counts are whole numbers, so every pattern the cuts accept is then
checked by the integer attacker (HiGHS MIP; the LP's own optimum when it is integral), and a
pattern it breaks gets a repair cut (hide one more published cell) and the loop goes on. Both
attackers are stronger than a real one in one respect (every cell also has a finite upper
bound, `ceiling`, far above the table), so their verdict is safe.
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


@dataclass(frozen=True)
class Protection:
    """How open a hidden cell must stay: its interval at least `width` wide, its largest value
    at least `upper` above its own and its least at least `lower` below (protection levels)."""

    width: float
    upper: float = 0.0
    lower: float = 0.0


@dataclass
class Table:
    """Cells by index; values are None for a hidden cell whose true value is not at hand
    (a figure an earlier release hid, from a submission since revised)."""

    values: list[float | None] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # HIDDEN, KNOWN or FREE (a decision)
    costs: list[float] = field(default_factory=list)  # of hiding a FREE cell
    protections: list[Protection | None] = field(default_factory=list)  # None: the threshold's width
    equalities: list[dict[int, float]] = field(default_factory=list)  # sum(coef * x) == 0
    inequalities: list[dict[int, float]] = field(default_factory=list)  # sum(coef * x) <= 0

    def add(
        self, value: float | None, kind: str, cost: float = 0.0, protection: Protection | None = None
    ) -> int:
        self.values.append(value)
        self.kinds.append(kind)
        self.costs.append(cost)
        self.protections.append(protection)
        return len(self.values) - 1


@dataclass
class Outcome:
    hidden: set[int]  # the FREE cells to hide
    iterations: int
    unprotectable: list[int]  # required cells no pattern can protect (already pinned elsewhere)
    repairs: int = 0  # patterns the LP accepted and the integer attacker broke


def suppress(table: Table, threshold: float, max_iterations: int = 400) -> Outcome:
    """The cheapest set of FREE cells to hide so that no hidden cell can be narrowed below its
    protection, by the LP attacker first (cuts), then by the integer attacker (repairs)."""
    free = [i for i, k in enumerate(table.kinds) if k == FREE]
    if not _fixed_hidden(table):
        return Outcome(set(), 0, [])  # nothing to protect: nothing to hide
    attacker = _Attacker(table, threshold)
    everything = set(free)
    unprotectable: list[int] = []
    master = _Master(table, free)
    safe: dict[int, set[int]] = {}  # cell -> a pattern under which it was protected
    repairs = 0
    for iteration in range(1, max_iterations + 1):
        hidden = master.solve()
        exposed = []
        for j in sorted(hidden | _fixed_hidden(table)):
            if j in unprotectable or (j in safe and safe[j] <= hidden):
                continue  # hiding more never narrows an interval: still protected
            broken = attacker.broken(j, hidden)
            if broken:
                exposed.append((j, broken))
            else:
                safe[j] = hidden
        if not exposed:
            return Outcome(hidden, iteration, sorted(unprotectable), repairs)
        for j, (signs, required, by_lp) in exposed:
            if j not in hidden and attacker.broken(j, everything):
                unprotectable.append(j)  # pinned by what is published anyway: no cut can help
            elif by_lp:
                master.add_cut(*attacker.cut(j, hidden, signs), j, hidden, required)
            else:
                repairs += 1
                master.add_repair(j, hidden)
    # Not reached on tables of this size; hiding every decision is always protecting.
    return Outcome(everything, max_iterations, sorted(unprotectable), repairs)


def _fixed_hidden(table: Table) -> set[int]:
    return {i for i, k in enumerate(table.kinds) if k == HIDDEN}


class _Attacker:
    """x_i in [value, value] if published, [0, ceiling] if hidden; the LP, and its integer twin
    (built when an LP optimum is first fractional)."""

    def __init__(self, table: Table, threshold: float):
        self.table, self.threshold = table, threshold
        known = [v for v in table.values if v is not None]
        self.ceiling = 2.0 * float(sum(known)) + 10.0  # far above any cell: room to move
        self.n = len(table.values)
        self.columns = np.arange(self.n, dtype=np.int32)
        self.known = np.array([k == KNOWN for k in table.kinds])
        self.free = np.array([k == FREE for k in table.kinds])
        self.value = np.array([0.0 if v is None else float(v) for v in table.values])
        self.lp = self._model()
        self.lp.setOptionValue("presolve", "off")  # one model solved again and again: warm starts
        self.integer: _Highs | None = None
        self.patterns: dict[int, set[int]] = {}  # id(model) -> the pattern its bounds hold
        self.objectives: dict[int, int] = {}  # id(model) -> the cell its objective is on

    def _model(self) -> _Highs:
        model = _solver()
        model.addVars(self.n, np.zeros(self.n), np.full(self.n, self.ceiling))
        relations = [(r, 0.0) for r in self.table.equalities] + [
            (r, -highspy.kHighsInf) for r in self.table.inequalities
        ]
        for relation, lower in relations:
            if _contradicted(relation, lower, self.table.values):
                continue  # figures that break their own sums: no attacker can use that relation
            index = np.array(list(relation), dtype=np.int32)
            model.addRow(lower, 0.0, len(index), index, np.array(list(relation.values()), dtype=float))
        return model

    def _run(self, model: _Highs, j: int, sign: float, hidden: set[int]) -> float:
        """Solve for the largest sign * x_j under `hidden`; its value."""
        if self.patterns.get(id(model)) != hidden:  # only then new bounds: the last basis stays a warm start
            published = self.known | self.free
            published[list(hidden)] = False
            lower = np.where(published, self.value, 0.0)
            upper = np.where(published, self.value, self.ceiling)
            model.changeColsBounds(self.n, self.columns, lower, upper)
            self.patterns[id(model)] = set(hidden)
        if id(model) in self.objectives:
            model.changeColCost(self.objectives[id(model)], 0.0)
        model.changeColCost(j, -sign)  # HiGHS minimises
        self.objectives[id(model)] = j
        model.run()
        status = model.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise ValueError(
                f"the published figures contradict each other ({model.modelStatusToString(status)})"
            )
        return -model.getInfo().objective_function_value

    def _extreme(self, j: int, sign: float, hidden: set[int]) -> tuple[float, np.ndarray]:
        """sign=+1: the largest x_j; -1: minus the smallest (LP). With the column duals."""
        value = self._run(self.lp, j, sign, hidden)
        return value, np.array(self.lp.getSolution().col_dual)

    def _integer_extreme(self, j: int, sign: float, hidden: set[int]) -> float:
        """The integer attacker's extreme where the LP's optimum was fractional: a HiGHS MIP."""
        if self.integer is None:
            self.integer = self._model()
            self.integer.setOptionValue("mip_rel_gap", 0.0)
            self.integer.setOptionValue("presolve", "off")  # its MIP presolve once gave a wrong optimum
            integer = np.array([highspy.HighsVarType.kInteger] * self.n)
            self.integer.changeColsIntegrality(self.n, self.columns, integer)
        return self._run(self.integer, j, sign, hidden)

    def requirements(self, j: int) -> list[tuple[tuple[float, ...], float]]:
        """(signs, least value of the sum of those extremes) the cell's protection asks for."""
        protection = self.table.protections[j] or Protection(self.threshold)
        value = self.table.values[j]
        needs = [((1.0, -1.0), protection.width)]
        if value is not None and protection.upper > 0:
            needs.append(((1.0,), value + protection.upper))
        if value is not None and protection.lower > 0:
            needs.append(((-1.0,), protection.lower - value))
        return needs

    def broken(self, j: int, hidden: set[int]) -> tuple[tuple[float, ...], float, bool] | None:
        """The first requirement an attacker breaks: (signs, required, by the LP already), or
        None. The integer attacker's extreme is the LP's when its optimum is integral."""
        needs = self.requirements(j)
        lp, whole = {}, {}
        for sign in (1.0, -1.0):
            lp[sign] = self._run(self.lp, j, sign, hidden)
            solution = np.array(self.lp.getSolution().col_value)
            if np.all(np.abs(solution - np.round(solution)) < _EPS):
                whole[sign] = lp[sign]
        for signs, required in needs:
            if sum(lp[s] for s in signs) < required - _EPS:
                return signs, required, True
        for sign in set(lp) - set(whole):
            whole[sign] = self._integer_extreme(j, sign, hidden)
        for signs, required in needs:
            if sum(whole[s] for s in signs) < required - _EPS:
                return signs, required, False
        return None

    def cut(self, j: int, hidden: set[int], signs: tuple[float, ...]) -> tuple[dict[int, float], float]:
        """The sum of the extremes for `signs`, under any pattern, is at most
        sum(coefficients[i] * hide_i) + constant (LP duality).

        The dual of min(c.x) bounds it from below by sum(dual_i * bound_i) for every choice
        of bounds; a FREE cell's bounds are [v - v*hide, v + ceiling*hide], linear in hide.
        """
        coefficients: dict[int, float] = {}
        constant = 0.0
        for sign in signs:
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
        return coefficients, constant


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
        self, coefficients: dict[int, float], constant: float, j: int, hidden: set[int], required: float
    ) -> None:
        """sum(coef_i * hide_i) - required * hide_j >= -constant, or required - constant for a
        cell hidden in any case (coefficients clipped to the right-hand side: the same binary
        points). If the duals give a cut the current pattern already meets (rounding), repair."""
        reach = required - constant
        row = {self.column[i]: min(c, reach) if reach > 0 else c for i, c in coefficients.items()}
        rhs = reach
        if j in self.column:
            row[self.column[j]] = row.get(self.column[j], 0.0) - required
            rhs = -constant
        if sum(c for k, c in row.items() if self.free[k] in hidden) >= rhs - _EPS:
            self.add_repair(j, hidden)
            return
        self._add_row(row, rhs)

    def add_repair(self, j: int, hidden: set[int]) -> None:
        """The pattern leaves j exposed, and so does every pattern inside it (hiding less never
        widens an interval): hide one more cell than now, or not j."""
        row = {self.column[i]: 1.0 for i in self.free if i not in hidden}
        rhs = 1.0
        if j in self.column:
            row[self.column[j]] = -1.0
            rhs = 0.0
        self._add_row(row, rhs)

    def _add_row(self, row: dict[int, float], rhs: float) -> None:
        index = np.array(list(row), dtype=np.int32)
        self.mip.addRow(rhs, highspy.kHighsInf, len(index), index, np.array(list(row.values()), dtype=float))
