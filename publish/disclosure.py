"""Statistical disclosure control of Article 8 figures before publication.

The data owner decides first: a figure a Member State sent as confidential (any status of
the contract's confidentialityRoles but free: C, N, or D) is hidden with that code, in every release
built from that submission; only a later submission of the state (which replaces all its
figures) can lift it. Primary suppression then hides small non-zero counts (C). Secondary
suppression (D) is an optimisation (publish/suppression.py): the cheapest set of further
cells such that the integer attacker, over everything published, narrows no hidden figure
below its protection (the threshold's width; for a figure its owner flagged, also the
contract's share of its value on each side). The reasons stay internal: every public output
shows one marking (`public_marking`).

Two steps, so a state's national release and the Union release never undo each other:
1. each Member State on its own (exactly its national release): the within-state
   additivity and ordering of the contract;
2. the EU aggregate, with every state's pattern fixed: EU = sum of the states, in this
   release and in every earlier version of the year.
Costs make a state's headline figures (the contract's keyFigures) the last of its cells to
hide, and the EU headline figures the last of all; otherwise fewer and smaller cells first.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from contracts.contract import load_contract
from publish.suppression import FREE, HIDDEN, KNOWN, Protection, Table, suppress

log = logging.getLogger(__name__)
# The contract's codes for the EU aggregate and for confidentiality: the SDMX codes of the data
# structure, the same in every contract version (csa_stats/run.py refuses a contract that changes
# them). Everything else is read from the contract of the run when it is used.
_CODES = load_contract()
EU_AGGREGATE = _CODES.eu_aggregate
FREE_STATUS = _CODES.confidentiality["free"]
PRIMARY = _CODES.confidentiality["primary"]
SECONDARY = _CODES.confidentiality["secondary"]
NOT_FOR_PUBLICATION = _CODES.confidentiality["notForPublication"]
HIDDEN_CODES = _CODES.confidential_codes
PUBLIC_CODE = _CODES.disclosure.public  # conf_status -> the code public outputs show
PUBLIC_HIDDEN = PUBLIC_CODE[PRIMARY]  # the one marking of a hidden figure in public
MISSING = _CODES.missing_status
COVERAGE = _CODES.eu_aggregate_rule["coverageAttribute"]


def series_key(row: dict) -> tuple[str, ...]:
    return load_contract().series_key(row)


def is_hidden(row: dict) -> bool:
    return row.get("conf_status") in HIDDEN_CODES


# --- the EU aggregate -------------------------------------------------------------------------


def eu_aggregate(rows: list[dict], year: int) -> list[dict]:
    """One EU row per series key: the sum over the Member States that gave the figure, with
    its coverage (contributing states), the contract's status for incomplete coverage and
    the flags it inherits; no sum below the contract's minimum coverage."""
    contributing = defaultdict(list)
    for row in rows:
        if row["obs_value"] is not None:
            contributing[series_key(row)].append(row)
    return [_eu_row(key, contributing[key], year) for key in load_contract().series_keys()]


def _eu_row(key: tuple[str, ...], rows: list[dict], year: int) -> dict:
    rule = load_contract().eu_aggregate_rule
    member_states = len(load_contract().code_lists["geo"])
    coverage = len(rows)
    flags = {r["obs_status"] for r in rows if r["obs_status"]}
    if coverage < member_states:
        flags.add(rule["incompleteStatus"])
    status = next((s for s in rule["propagatedStatus"] if s in flags), None)
    published = coverage >= rule["minimumCoverage"]
    return {
        "geo": EU_AGGREGATE,
        "time_period": year,
        **dict(zip(load_contract().series_dimensions, key, strict=True)),
        "obs_value": sum(r["obs_value"] for r in rows) if published else None,
        "obs_status": status if published else MISSING,
        "conf_status": None,
        "comment": _coverage_note(rows, member_states, published),
        "submission_id": None,
        COVERAGE: coverage,
    }


def _coverage_note(rows: list[dict], member_states: int, published: bool) -> str | None:
    rule = load_contract().eu_aggregate_rule
    missing = sorted(set(load_contract().code_lists["geo"]) - {r["geo"] for r in rows})
    notes = []
    if missing:
        notes.append(f"coverage {len(rows)}/{member_states} Member States (missing: {', '.join(missing)})")
    if not published:
        notes.append(f"no sum below {rule['minimumCoverage']} contributing Member States")
    for flag in rule["propagatedStatus"]:
        geos = sorted(r["geo"] for r in rows if r["obs_status"] == flag)
        if geos and published:
            notes.append(f"includes figures flagged {flag} ({', '.join(geos)})")
    return "; ".join(notes) or None


# --- disclosure control ---------------------------------------------------------------------


def apply_disclosure_control(
    rows: list[dict], threshold: int | None = None, earlier: list[list[dict]] | None = None
) -> list[dict]:
    """The rows as published: conf_status set on every row, hidden values emptied.

    `rows` are one release's figures (Member States and, in a Union release, the EU
    aggregate); `earlier` the published observations of the earlier versions of the same
    release, which the attacker reads too. The threshold is the contract's unless given.
    """
    threshold = load_contract().disclosure.threshold if threshold is None else threshold
    rows = [dict(row) for row in rows]
    by_geo = defaultdict(list)
    for row in rows:
        by_geo[row["geo"]].append(row)
    for geo in sorted(set(by_geo) - {EU_AGGREGATE}):
        _protect_state(by_geo[geo], threshold)
    if EU_AGGREGATE in by_geo:
        _protect_eu(rows, earlier or [], threshold)
    for row in rows:
        if row["conf_status"] in HIDDEN_CODES:
            row["obs_value"] = None
        else:
            row["conf_status"] = FREE_STATUS
    return rows


def public_marking(rows: list[dict]) -> list[dict]:
    """The rows as every public output shows them: one code for a hidden figure whatever the
    reason (the contract's publicMarking), so a reader cannot tell small counts from the rest."""
    return [
        {**row, "conf_status": PUBLIC_CODE.get(row.get("conf_status"), row.get("conf_status"))}
        for row in rows
    ]


def state_flags(rows: list[dict], threshold: int | None = None) -> list[dict]:
    """One Member State's figures with the contract's disclosure rule applied, values kept:
    what a national office sends, so the Commission receives its confidentiality flags."""
    rows = [dict(row) for row in rows]
    _protect_state(rows, load_contract().disclosure.threshold if threshold is None else threshold)
    return rows


def primary_status(row: dict, threshold: int) -> str | None:
    """The owner's own confidentiality code, else C for a small non-zero count."""
    if row.get("conf_status") in HIDDEN_CODES:
        return row["conf_status"]
    value = row["obs_value"]
    return PRIMARY if value is not None and 0 < value < threshold else None


def protection(row: dict, threshold: int) -> Protection:
    """A small count: an interval at least the threshold wide. A figure its owner flagged (N, or
    C on a count that is not small): also the contract's protection levels on either side,
    max(threshold, share of its value), as far as zero allows below."""
    value, status = row["obs_value"], row["conf_status"]
    owner = status == NOT_FOR_PUBLICATION or (status == PRIMARY and not 0 < value < threshold)
    if not owner:
        return Protection(threshold)
    level = load_contract().disclosure.owner_protection(value, threshold)
    return Protection(threshold, level, min(level, value))


def _protect_state(rows: list[dict], threshold: int) -> None:
    """A Member State's pattern from its own figures only (its national release)."""
    for row in rows:
        row["conf_status"] = primary_status(row, threshold)
    total = sum(r["obs_value"] for r in rows if r["obs_value"] is not None)
    table, cells = Table(), {}
    for row in rows:
        if row["obs_value"] is not None:
            kind = HIDDEN if row["conf_status"] else FREE
            cost = _cost(row, total, _tier(row["geo"]))
            shield = protection(row, threshold) if row["conf_status"] else None
            cells[series_key(row)] = table.add(row["obs_value"], kind, cost, shield)
    _state_relations(table, cells)
    for i in _suppress(table, threshold, rows[0]["geo"] if rows else "?"):
        next(r for r in rows if cells.get(series_key(r)) == i)["conf_status"] = SECONDARY


def _suppress(table: Table, threshold: int, scope: str) -> set[int]:
    outcome = suppress(table, threshold)
    if outcome.unprotectable:  # pinned by figures published earlier: say so, hiding more cannot help
        log.warning(
            "%s: %d hidden figure(s) already pinned by earlier releases", scope, len(outcome.unprotectable)
        )
    return outcome.hidden


def _cost(row: dict, total: float, tier: float) -> float:
    """The information lost by hiding one cell: 1 plus its share of the table's total (fewer
    cells first, then smaller ones), times 2 * (series + 1) for a headline figure (so that
    hiding one costs more than hiding every other cell of the table), times the tier (EU
    cells: series + 2, above any state cell)."""
    contract = load_contract()
    n = len(contract.series_keys())
    weight = 2 * (n + 1) * tier if series_key(row) in contract.key_figures.values() else tier
    return weight * (1.0 + row["obs_value"] / (1.0 + total))


def _tier(geo: str) -> float:
    return len(load_contract().series_keys()) + 2.0 if geo == EU_AGGREGATE else 1.0


def suppression_cost(rows: list[dict], published: list[dict]) -> float:
    """The cost of a pattern: the sum of `_cost` over its secondary (D) cells, each against
    its table's total (its state's; for the EU row, all states'); an empty figure (an EU sum
    below the minimum coverage, which the heuristic may mark) loses nothing."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        if row["geo"] != EU_AGGREGATE and row["obs_value"] is not None:
            totals[row["geo"]] += row["obs_value"]
            totals[EU_AGGREGATE] += row["obs_value"]
    truth = {(r["geo"], series_key(r)): r for r in rows}
    return sum(
        _cost(truth[r["geo"], series_key(r)], totals[r["geo"]], _tier(r["geo"]))
        for r in published
        if r["conf_status"] == SECONDARY and truth[r["geo"], series_key(r)]["obs_value"] is not None
    )


def _state_relations(table: Table, cells: dict[tuple, int]) -> None:
    """Within one state: totals are the sum of their parts (parts never exceed a total when
    some are missing), ordering chains (never larger than the next)."""
    for _rule, total, parts in load_contract().additivity_groups():
        if total not in cells:
            continue
        present = [cells[p] for p in parts if p in cells]
        relation = {cells[total]: -1.0, **{p: 1.0 for p in present}}
        (table.equalities if len(present) == len(parts) else table.inequalities).append(relation)
    for rule in load_contract().ordering:
        chain = [cells.get(series_key(link)) for link in rule["chain"]]
        for smaller, larger in zip(chain, chain[1:], strict=False):
            if smaller is not None and larger is not None:
                table.inequalities.append({smaller: 1.0, larger: -1.0})


def _protect_eu(rows: list[dict], earlier: list[list[dict]], threshold: int) -> None:
    """The EU row with every state's pattern fixed, against this and the earlier versions."""
    table, unknowns = Table(), {}
    total = sum(r["obs_value"] for r in rows if r["geo"] != EU_AGGREGATE and r["obs_value"] is not None)
    versions = [*earlier, rows]
    for number, version_rows in enumerate(versions):
        current = number == len(versions) - 1
        cells = {}
        for row in version_rows:
            if not _contributes(row, current):
                continue
            name = _unknown_name(row, number)
            if name not in unknowns:
                unknowns[name] = _add_cell(table, row, current, total, threshold)
            elif current and table.values[unknowns[name]] is None:  # hidden before, still hidden
                table.values[unknowns[name]] = row["obs_value"]
                table.protections[unknowns[name]] = protection(row, threshold)
            cells[row["geo"], series_key(row)] = unknowns[name]
        _column_relations(table, cells)
        for geo in {g for g, _ in cells} - {EU_AGGREGATE}:
            _state_relations(table, {k: i for (g, k), i in cells.items() if g == geo})
    _known_elsewhere(table, unknowns)
    decided = _suppress(table, threshold, EU_AGGREGATE)
    for row in rows:
        if row["geo"] == EU_AGGREGATE and unknowns.get(_unknown_name(row, len(versions) - 1)) in decided:
            row["conf_status"] = SECONDARY


def _unknown_name(row: dict, version: int) -> tuple:
    """A hidden state figure is one unknown in every release of its submission; an EU
    figure a new one in every version; a published figure is a constant (its value)."""
    source = row["submission_id"] if row["geo"] != EU_AGGREGATE else version
    return row["geo"], series_key(row), source, None if is_hidden(row) else row["obs_value"]


def _known_elsewhere(table: Table, unknowns: dict[tuple, int]) -> None:
    """A figure hidden in one release but published in another of the same submission is
    known to the attacker everywhere."""
    published = {name[:3]: name[3] for name in unknowns if name[3] is not None}
    for name, i in unknowns.items():
        if name[3] is None and name[:3] in published and table.kinds[i] == HIDDEN:
            table.kinds[i], table.values[i] = KNOWN, published[name[:3]]


def _contributes(row: dict, current: bool) -> bool:
    """A figure with a value (hidden or not); in an earlier version's published file a
    hidden figure has no value but a confidentiality code."""
    return row["obs_value"] is not None or (not current and is_hidden(row))


def _add_cell(table: Table, row: dict, current: bool, total: float, threshold: int) -> int:
    if not current:
        return table.add(None if is_hidden(row) else row["obs_value"], HIDDEN if is_hidden(row) else KNOWN)
    if row["geo"] != EU_AGGREGATE:
        if is_hidden(row):
            return table.add(row["obs_value"], HIDDEN, protection=protection(row, threshold))
        return table.add(row["obs_value"], KNOWN)
    return table.add(row["obs_value"], FREE, _cost(row, total, _tier(EU_AGGREGATE)))


def _column_relations(table: Table, cells: dict[tuple, int]) -> None:
    """EU = the sum of the Member States that gave the figure, per series."""
    for key in load_contract().series_keys():
        if (EU_AGGREGATE, key) in cells:
            states = [i for (geo, k), i in cells.items() if k == key and geo != EU_AGGREGATE]
            table.equalities.append({cells[EU_AGGREGATE, key]: -1.0, **{i: 1.0 for i in states}})
