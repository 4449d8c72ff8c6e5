"""The demo's figures of one submission: seeded shares within demo ranges, and figures that add
up by construction, following the contract's ordering chains and additivity groups."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from contracts.contract import load_contract

# Demo ranges keyed by contract code. A state draws its own value once; each year moves it
# by up to YEARLY_JITTER, kept inside the range.
CHAIN_SHARE = {  # of the next one up
    "CASE_UNQ": (0.60, 0.90), "CASE_MULT": (0.05, 0.30), "PERP_CNV_LNK": (0.20, 0.60),
}  # fmt: skip
PER_REPORT = {"CHILD_IDN": (0.005, 0.03), "PERP_CNV": (0.003, 0.02)}  # of the reports
PART_WEIGHT = {  # weights of the parts of an additivity total
    "PROVIDER": (0.75, 0.95), "PIO": (0.05, 0.25),
    "MESSAGING": (0.55, 0.75), "EMAIL": (0.12, 0.30), "VOIP": (0.005, 0.04),
    "OTHER": (0.01, 0.06), "UNKNOWN": (0.0, 0.06),
    "F": (0.55, 0.70), "M": (0.25, 0.40), "U": (0.0, 0.06),
}  # fmt: skip
RANGES = {**CHAIN_SHARE, **PER_REPORT, **PART_WEIGHT}
YEARLY_JITTER = 0.08


def key_of(spec: dict) -> tuple:
    """The series key of the one contract series matching `spec`."""
    contract = load_contract()
    (series,) = (s for s in contract.series if spec.items() <= s.items())
    return contract.series_key(series)


def consistent_figures(reports: int, share: Callable[[str], float]) -> dict[tuple, int]:
    """Every figure of a submission from the reports total, consistent by construction:
    down each ordering chain, then totals split into parts until every series has a value."""
    contract = load_contract()
    groups = contract.additivity_groups()
    figures = {}
    for rule in contract.ordering:
        chain = rule["chain"]  # smallest first
        top = chain[-1]["indicator"]
        figures.setdefault(key_of(chain[-1]), round(reports * share(top)) if top in PER_REPORT else reports)
        for upper, lower in pairwise(reversed(chain)):
            figures[key_of(lower)] = round(figures[key_of(upper)] * share(lower["indicator"]))
    parts = {p for _, _, ps in groups for p in ps}
    for s in contract.series:
        key = contract.series_key(s)
        if key not in figures and key not in parts:
            figures[key] = round(reports * share(s["indicator"]))
    pending = list(groups)
    while pending:  # a part can be the total of another group: split outer totals first
        ready = [g for g in pending if g[1] in figures]
        if not ready:
            raise ValueError("the contract's additivity groups do not reach every total")
        for group in ready:
            rule_id, total, part_keys = group
            weights = [share(code) for code in load_contract().breakdown(rule_id)[1]]
            figures.update(zip(part_keys, split(figures[total], weights), strict=True))
            pending.remove(group)
    return figures


def split(total: int, weights: list[float]) -> list[int]:
    """Whole parts adding up to `total` (largest remainder)."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts
