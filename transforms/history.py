"""What the warehouse knows of a state, as level-2 validation needs it: its current figures of
earlier years (with the days each covers) and of this year, and the revisions it has sent."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field

from contracts.contract import Contract, load_contract
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
