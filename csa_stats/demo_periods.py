"""The demo's reference periods: what each state counts of a reporting year, as the law stands
in the contract (2021 from the legal basis or a day later, LU from 1 January; 2026 in its two
covered periods, two states sending the first one only)."""

from __future__ import annotations

import datetime as dt

from contracts.contract import load_contract
from contracts.law import Period, period_text

FROM_JANUARY = "LU"  # counts the whole of 2021, before the legal basis: flagged, status d
FIRST_PERIOD_ONLY = ("DK", "SI")  # send 2026 for its first covered period only: flagged, status d


def counted_periods(geo: str, year: int, first_day: dt.date) -> list[Period]:
    """The periods a state counts: the covered periods of the year (from the day it starts
    counting); the whole of 2021 for LU; only the first of several for FIRST_PERIOD_ONLY."""
    if geo == FROM_JANUARY and year == first_day.year:
        return [(dt.date(year, 1, 1), dt.date(year, 12, 31))]
    covered = load_contract().reference_periods(year)
    periods = [(max(a, first_day), b) for a, b in covered if b >= first_day]
    return periods[:1] if geo in FIRST_PERIOD_ONLY and len(periods) > 1 else periods


def period_metadata(periods: list[Period]) -> dict:
    """The reference-period fields of a submission counting `periods`."""
    contract = load_contract()
    start, end = periods[0][0], periods[-1][1]
    several = {"ref_periods": contract.periods_field(periods)} if len(periods) > 1 else {}
    return {
        "ref_period_start": start,
        "ref_period_end": end,
        "legal_basis": contract.legal_basis_on(end).code,
        **several,
    }


def period_note(periods: list[Period]) -> str | None:
    """What the national definitions say of a reference period that is not the calendar year."""
    year = periods[0][0].year
    if periods == [(dt.date(year, 1, 1), dt.date(year, 12, 31))]:
        return None
    return f"Partial year: figures cover {period_text(periods)}."


def counted_days(periods: list[Period]) -> int:
    return sum((b - a).days + 1 for a, b in periods)
