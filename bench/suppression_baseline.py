"""The baseline the suppression benchmark and tests measure the optimiser (publish/suppression.py)
against: the greedy secondary suppression csa-stats used before it (the optimiser's pattern must
never cost more than this one), and synthetic figures of a state to run both on.

A greedy heuristic: hide the smallest visible part of an exposed group (else its total)
until no group is exposed; an EU total is hidden whenever a figure under it is.
"""

from __future__ import annotations

import random
from functools import cache

from contracts.contract import load_contract
from publish.disclosure import EU_AGGREGATE, series_key

FREE, PRIMARY, SECONDARY = "F", "C", "D"
YEAR = 2023  # the reporting year of the synthetic figures

Cell = dict  # one observation row
Group = tuple[Cell | None, list[Cell | None]]  # (total, parts); None where a row is absent


def heuristic_pattern(rows: list[dict], threshold: int) -> list[dict]:
    """The rows as published: conf_status set on every row, hidden values emptied.

    A Member State's figures are hidden exactly as its own national release hides them
    (within-state groups only), so a national publication never reveals a cell the Union
    release relies on, and the pattern of an unrevised state never changes between versions.
    Across states the EU aggregate is the complement: an EU total over a hidden state figure
    is hidden too (publishing it would pin the sum of the hidden figures under it, and chains
    of such sums across states and versions narrow them further), then the EU aggregate's
    own groups are protected like a state's.
    """
    published = [dict(row, conf_status=None) for row in rows]
    for row in published:
        if row["obs_value"] is not None and 0 < row["obs_value"] < threshold:
            row["conf_status"] = PRIMARY
    cells = {(row["geo"], series_key(row)): row for row in published}
    states = sorted({geo for geo, _ in cells} - {EU_AGGREGATE})
    changed = True
    while changed:
        changed = False
        for geo in states:  # first the states, so the EU aggregate mirrors their patterns
            for total, parts in _additivity_groups(cells, geo):
                changed |= _protect(total, parts, threshold)
        for total, parts in _eu_columns(cells, states):
            if not _is_hidden(total) and any(p is not None and _is_hidden(p) for p in parts):
                total["conf_status"], changed = SECONDARY, True
        for total, parts in _additivity_groups(cells, EU_AGGREGATE):
            changed |= _protect(total, parts, threshold)
    for row in published:
        if row["conf_status"] is None:
            row["conf_status"] = FREE
        else:
            row["obs_value"] = None
    return published


def _additivity_groups(cells: dict, geo: str) -> list[Group]:
    """Every additivity group of the contract within one geo, nested ones also flattened."""
    return [
        (cells.get((geo, total)), [cells.get((geo, part)) for part in parts])
        for total, parts in _flattened_groups()
    ]


@cache
def _flattened_groups() -> list[tuple[tuple, tuple]]:
    """The contract's groups plus, where a total is a part of another group, the group with
    that part replaced by its own parts (reports = PIO + each service type): a hidden
    subtotal leaves its parts only as much room as the outer total allows."""
    groups = {(total, tuple(parts)) for _rule, total, parts in load_contract().additivity_groups()}
    while True:
        flattened = {
            (total, tuple(p for p in parts if p != inner) + inner_parts)
            for total, parts in groups
            for inner, inner_parts in groups
            if inner in parts
        }
        if flattened <= groups:
            return sorted(groups)
        groups |= flattened


def _eu_columns(cells: dict, states: list[str]) -> list[Group]:
    """Per series key: the EU aggregate as the total of the Member States."""
    return [
        (cells[EU_AGGREGATE, key], [cells.get((geo, key)) for geo in states])
        for key in load_contract().series_keys()
        if (EU_AGGREGATE, key) in cells
    ]


def _protect(total: Cell | None, parts: list[Cell | None], threshold: int) -> bool:
    """Hide one more cell of the group if a hidden cell is exposed."""
    if not _exposed(total, parts, threshold):
        return False
    cell = _complement(total, parts)
    if cell is None:
        return False
    cell["conf_status"] = SECONDARY
    return True


def _exposed(total: Cell | None, parts: list[Cell | None], threshold: int) -> bool:
    """Whether a hidden cell of the group can be worked back, exactly or to within `threshold`.

    With the total published, the hidden parts add up to total - visible parts (the slack):
    each lies in [0, slack], so the slack must reach the threshold and at least two figures
    must be unknown. A hidden total is exposed when every part is published.
    """
    present = [c for c in parts if c is not None]
    hidden = [c for c in present if _is_hidden(c)]
    unknown = [c for c in present if _is_hidden(c) or c["obs_value"] is None]
    if total is None or (total["obs_value"] is None and not _is_hidden(total)):
        return False  # no published total: nothing to work back from
    if _is_hidden(total):
        return not unknown
    if not hidden:
        return False
    slack = total["obs_value"] - sum(c["obs_value"] for c in _visible(present))
    return len(unknown) < 2 or slack < threshold


def _complement(total: Cell | None, parts: list[Cell | None]) -> Cell | None:
    """The smallest visible non-zero part, else the total, else a visible zero part.

    A hidden zero adds no room for the others to move, so it is the last resort.
    """
    candidates = _nonzero(_visible(parts)) or _nonzero(_visible([total])) or _visible(parts)
    return min(candidates, key=lambda c: c["obs_value"]) if candidates else None


def _nonzero(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if c["obs_value"] > 0]


def _is_hidden(cell: Cell) -> bool:
    return cell["conf_status"] in (PRIMARY, SECONDARY)


def _visible(cells: list[Cell | None]) -> list[Cell]:
    return [c for c in cells if c is not None and not _is_hidden(c) and c["obs_value"] is not None]


def synthetic_state(geo: str, rng: random.Random, revision: int = 1) -> list[dict]:
    """Consistent figures of one state, from a handful of reports to tens of thousands."""
    reports = int(10 ** rng.uniform(0.7, 4.5))
    pio = rng.randint(0, reports // 4)
    services = _split(reports - pio, 5, rng)
    children = _split(rng.randint(0, max(1, reports // 50)), 3, rng)
    unique = rng.randint(0, reports)
    figures = {
        ("REP_LEA", "_Z", "TOTAL", "TOTAL"): reports,
        ("REP_LEA", "_Z", "PIO", "TOTAL"): pio,
        ("REP_LEA", "_Z", "PROVIDER", "TOTAL"): reports - pio,
        ("CASE_UNQ", "_Z", "TOTAL", "TOTAL"): unique,
        ("CASE_MULT", "_Z", "TOTAL", "TOTAL"): rng.randint(0, unique),
        ("CHILD_IDN", "T", "_Z", "_Z"): sum(children),
        ("PERP_CNV", "_Z", "_Z", "_Z"): rng.randint(0, 6),
        ("PERP_CNV_LNK", "_Z", "_Z", "_Z"): None,  # most states cannot link convictions to reports
    }
    for service, value in zip(("EMAIL", "MESSAGING", "VOIP", "OTHER", "UNKNOWN"), services, strict=True):
        figures["REP_LEA", "_Z", "PROVIDER", service] = value
    for sex, value in zip("FMU", children, strict=True):
        figures["CHILD_IDN", sex, "_Z", "_Z"] = value
    if rng.random() < 0.15:  # no gender breakdown, as in real life
        figures.update({("CHILD_IDN", sex, "_Z", "_Z"): None for sex in "FMU"})
    return [
        {
            "geo": geo,
            "time_period": YEAR,
            **dict(zip(load_contract().series_dimensions, key, strict=True)),
            "obs_value": figures[key],
            "obs_status": "m" if figures[key] is None else None,
            "conf_status": None,
            "comment": None,
            "submission_id": f"{geo}-{YEAR}-R{revision}",
        }
        for key in load_contract().series_keys()
    ]


def _split(total: int, n: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
