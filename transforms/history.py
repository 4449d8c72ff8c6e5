"""Level 2: what the warehouse knows of a state (its current figures of earlier years, with the days
each covers, and of this year, and the revisions it has sent) and the rules that check a
submission against it."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field

from contracts.contract import Contract, load_contract
from transforms.checker import Checker
from transforms.periods import counted_days


@dataclass
class History:
    """What the warehouse knows of a state: earlier accepted years and the previous revision."""

    years: dict[int, tuple[dict[tuple, int | None], int]] = _field(
        default_factory=dict
    )  # year -> (figures, days)
    previous_revision: dict[tuple, int | None] | None = None
    revisions: dict[int, str] = _field(default_factory=dict)  # accepted revision -> its checksum
    checksum: str | None = None  # of the file being validated, as received

    @classmethod
    def of(cls, year: int, revisions: list[tuple], current: list[tuple], contract: Contract) -> History:
        """From the warehouse's answers: `revisions` (revision, SHA-256, side file's SHA-256) of
        the state's accepted submissions of `year`; `current` (year, series dimensions...,
        obs_value, ref_period_start, ref_period_end) of its current figures of every year."""
        history = cls()
        history.revisions = {
            revision: sha if meta is None else f"{sha} (side file {meta})"
            for revision, sha, meta in revisions
        }
        dims = contract.series_dimensions
        by_year: dict[int, list[dict]] = {}
        days: dict[int, int] = {}
        for r in current:
            row = dict(zip(dims, r[1 : 1 + len(dims)], strict=True)) | {"obs_value": r[1 + len(dims)]}
            by_year.setdefault(r[0], []).append(row)
            days[r[0]] = reference_days({"ref_period_start": r[-2], "ref_period_end": r[-1]})
        for y, year_rows in by_year.items():
            if y == year:
                history.previous_revision = figures(year_rows, contract)
            else:
                history.years[y] = (figures(year_rows, contract), days[y])
        return history


def figures(rows: list[dict], contract: Contract | None = None) -> dict[tuple, int | None]:
    contract = contract or load_contract()
    return {contract.series_key(r): r.get("obs_value") for r in rows}


def reference_days(metadata: dict) -> int:
    """Days the figures count: the periods declared in ref_periods, else the reference period."""
    return counted_days(metadata)


def level_2(check: Checker, index: dict, history: History) -> None:
    """The rules against the state's history: year-on-year changes (by daily rate), revisions."""
    band, min_base = check.c.yoy_band, check.c.yoy_min_base
    year = check.s.time_period
    days = reference_days(check.s.metadata)
    earlier = [y for y in history.years if year is not None and y < year]
    if earlier:
        prev_year = max(earlier)
        prev, prev_days = history.years[prev_year]
        for key, row in index.items():
            old, new = prev.get(key), row.get("obs_value")
            if old is None or new is None or old < min_base:
                continue
            # Compare daily rates: reference periods differ (2021 covers only August-December).
            change = (new / days) / (old / prev_days) - 1
            if abs(change) > band:
                reason = check.annotations("confirmed_changes").get(check.key_text(key))
                check.add(
                    "L2_YOY_CONFIRMED" if reason else "L2_YOY_CHANGE",
                    row["_location"],
                    "obs_value",
                    f"{change:+.0%}",
                    f"{prev_year} ({old} over {prev_days} days)",
                    key=check.key_text(key),
                    reason=reason,
                )
    _revision_order(check, history)
    if history.previous_revision:
        for key, row in index.items():
            old, new = history.previous_revision.get(key), row.get("obs_value")
            if key in history.previous_revision and old != new:
                check.add(
                    "L2_REVISION_CHANGE", row["_location"], "obs_value", new, old, key=check.key_text(key)
                )


def _revision_order(check: Checker, history: History) -> None:
    """Revisions only go up, and a revision number names one content."""
    revision, where = check.s.revision, check.meta_where("revision")
    if revision in history.revisions:
        check.add("L2_REVISION_TAKEN", where, "revision", revision, history.revisions[revision],
                  sha256=history.checksum or "unknown")  # fmt: skip
    elif history.revisions and revision < max(history.revisions):
        check.add("L2_REVISION_ORDER", where, "revision", revision, max(history.revisions))
