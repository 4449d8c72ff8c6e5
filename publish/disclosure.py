"""Statistical disclosure control of Article 8 figures before publication.

Primary suppression hides small non-zero counts (conf_status C). Secondary suppression
(conf_status D) hides further cells so that no hidden figure can be worked back from a
total: within a Member State along the contract's additivity groups, and across Member
States along the EU aggregate. A hidden figure is published with an empty value.
"""

from __future__ import annotations

from collections import defaultdict

from contracts.contract import load_contract

EU_AGGREGATE = "EU27_2020"
FREE, PRIMARY, SECONDARY = "F", "C", "D"
MISSING = "m"

Cell = dict  # one observation row
Group = tuple[Cell | None, list[Cell | None]]  # (total, parts); None where a row is absent


def series_key(row: dict) -> tuple[str, ...]:
    return load_contract().series_key(row)


def eu_aggregate(rows: list[dict], year: int) -> list[dict]:
    """One EU27_2020 row per series key: the sum over the Member States with a value."""
    values = defaultdict(list)
    for row in rows:
        if row["obs_value"] is not None:
            values[series_key(row)].append(row["obs_value"])
    return [_eu_row(key, values[key], year) for key in load_contract().series_keys()]


def _eu_row(key: tuple[str, ...], values: list[int], year: int) -> dict:
    contract = load_contract()
    member_states = len(contract.code_lists["geo"])
    coverage = f"coverage {len(values)}/{member_states} Member States: incomplete"
    return {
        "geo": EU_AGGREGATE,
        "time_period": year,
        **dict(zip(contract.series_dimensions, key, strict=True)),
        "obs_value": sum(values) if values else None,
        "obs_status": None if values else MISSING,
        "conf_status": None,
        "comment": None if len(values) == member_states else coverage,
        "submission_id": None,
    }


def apply_disclosure_control(rows: list[dict], threshold: int) -> list[dict]:
    """The rows as published: conf_status set on every row, hidden values emptied.

    EU aggregate rows among `rows` are protected too, and the Member States behind them.
    """
    published = [dict(row, conf_status=None) for row in rows]
    for row in published:
        if row["obs_value"] is not None and 0 < row["obs_value"] < threshold:
            row["conf_status"] = PRIMARY
    cells = {(row["geo"], series_key(row)): row for row in published}
    _suppress_secondary(_state_groups(cells) + _eu_groups(cells))
    for row in published:
        if row["conf_status"] is None:
            row["conf_status"] = FREE
        else:
            row["obs_value"] = None
    return published


def _state_groups(cells: dict) -> list[Group]:
    """Every additivity group of the contract, within each geo."""
    geos = sorted({geo for geo, _ in cells})
    return [
        (cells.get((geo, total)), [cells.get((geo, part)) for part in parts])
        for geo in geos
        for _rule, total, parts in load_contract().additivity_groups()
    ]


def _eu_groups(cells: dict) -> list[Group]:
    """Per series key: the EU aggregate as the total of the Member States."""
    states = sorted({geo for geo, _ in cells} - {EU_AGGREGATE})
    return [
        (cells[EU_AGGREGATE, key], [cells.get((geo, key)) for geo in states])
        for key in load_contract().series_keys()
        if (EU_AGGREGATE, key) in cells
    ]


def _suppress_secondary(groups: list[Group]) -> None:
    """Apply the one-hidden-cell rule to every group until nothing changes."""
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            changed |= _protect(total, parts)


def _protect(total: Cell | None, parts: list[Cell | None]) -> bool:
    """If exactly one cell of the group is hidden, hide its smallest visible non-zero part (else total)."""
    hidden = [c for c in (total, *parts) if c is not None and _is_hidden(c)]
    # A hidden zero protects nothing (the cell still has no room to move), so prefer non-zero.
    candidates = _nonzero(_visible(parts)) or _nonzero(_visible([total])) or _visible(parts)
    if len(hidden) != 1 or not candidates:
        return False
    min(candidates, key=lambda c: c["obs_value"])["conf_status"] = SECONDARY
    return True


def _nonzero(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if c["obs_value"] > 0]


def _is_hidden(cell: Cell) -> bool:
    return cell["conf_status"] in (PRIMARY, SECONDARY)


def _visible(cells: list[Cell | None]) -> list[Cell]:
    return [c for c in cells if c is not None and not _is_hidden(c) and c["obs_value"] is not None]
