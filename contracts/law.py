"""The law as data: legal bases, their periods of application, the gaps between them, and what
follows for a reporting year (its covered periods, the act of each, the deadlines)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

Period = tuple[dt.date, dt.date]  # first and last day, both included


@dataclass(frozen=True)
class LegalBasis:
    code: str
    valid_from: dt.date
    valid_to: dt.date
    article: str  # the article that asks the Member States for the statistics
    deadline: str  # MM-DD in the year after the reporting year
    amends: str | None = None  # the act it amends: naming it names that act in its amended form
    to_confirm: str | None = None  # what is not yet read from the Official Journal

    def covers_year(self, year: int) -> bool:
        return self.valid_from <= dt.date(year, 12, 31) and self.valid_to >= dt.date(year, 1, 1)

    def deadline_for(self, year: int) -> dt.date:
        """The day the statistics of `year` are due under this act."""
        month, day = (int(x) for x in self.deadline.split("-"))
        return dt.date(year + 1, month, day)

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from} to {self.valid_to})"


@dataclass(frozen=True)
class LegalGap:
    """A known period no legal basis covers; `valid_to` None while it lasts."""

    valid_from: dt.date
    valid_to: dt.date | None
    note: str


def legal_basis(entry: dict) -> LegalBasis:
    """A `legalBases` entry of the contract."""
    return LegalBasis(
        entry["code"],
        entry["valid_from"],
        entry["valid_to"],
        entry["article"],
        entry["deadline"],
        entry.get("amends"),
        entry.get("to_confirm"),
    )


def period_text(periods: list[Period]) -> str:
    return " and ".join(f"{a} to {b}" for a, b in periods)


def parse_periods(text: str) -> list[tuple[Period, str]]:
    """The metadata field ref_periods ('2026-01-01/2026-04-03: 32024R1307; ...') as (period,
    legal basis) pairs; ValueError naming the part that is not 'first/last: legal basis'."""
    declared = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        dates, _, code = part.partition(":")
        first, _, last = dates.partition("/")
        try:
            period = (dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip()))
        except ValueError:
            raise ValueError(part) from None
        if not code.strip() or period[0] > period[1]:
            raise ValueError(part)
        declared.append((period, code.strip()))
    return declared


class Law:
    """The legal-basis part of the contract (mixed into contracts.contract.Contract)."""

    legal_bases: list[LegalBasis]
    legal_gaps: list[LegalGap]
    code_lists: dict[str, dict[str, str]]
    version: str

    def legal_basis(self, code: str) -> LegalBasis | None:
        return next((b for b in self.legal_bases if b.code == code), None)

    def legal_basis_on(self, day: dt.date) -> LegalBasis | None:
        """The legal basis in force on a day (None when no basis covers it)."""
        return next((b for b in self.legal_bases if b.valid_from <= day <= b.valid_to), None)

    def _check_legal_bases(self) -> None:
        """Periods of application never overlap, every code is in the code list, gaps cover no basis."""
        wrong = [b.code for b in self.legal_bases if b.code not in self.code_lists["legal_basis"]]
        wrong += [
            f"{b.code} amends unknown {b.amends}"
            for b in self.legal_bases
            if b.amends and not self.legal_basis(b.amends)
        ]
        ordered = sorted(self.legal_bases, key=lambda b: b.valid_from)
        wrong += [
            f"{a.code} overlaps {b.code}"
            for a, b in itertools.pairwise(ordered)
            if b.valid_from <= a.valid_to
        ]
        wrong += [
            f"gap from {g.valid_from} overlaps {b.code}"
            for g in self.legal_gaps
            for b in self.legal_bases
            if g.valid_from <= b.valid_to and (g.valid_to is None or b.valid_from <= g.valid_to)
        ]
        if wrong:
            raise ValueError(f"contract {self.version}: inconsistent legal bases: {wrong}")

    def legal_periods(self, code: str | None = None) -> list[Period]:
        """Periods of application of one legal basis, with the acts it amends (all bases when None)."""
        bases, named = [], self.legal_basis(code) if code else None
        while named:
            bases.append(named)
            named = self.legal_basis(named.amends) if named.amends else None
        return sorted((b.valid_from, b.valid_to) for b in (bases if code else self.legal_bases))

    def covered(self, period: Period, code: str | None = None) -> list[Period]:
        """The parts of `period` inside the periods of application of `code` (any basis when None)."""
        start, end = period
        merged: list[Period] = []
        for a, b in self.legal_periods(code):  # adjacent periods join: 3 August, then 4 August
            if merged and a <= merged[-1][1] + dt.timedelta(days=1):
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        parts = [(max(start, a), min(end, b)) for a, b in merged]
        return [(a, b) for a, b in parts if a <= b]

    def reference_periods(self, year: int) -> list[Period]:
        """The covered periods of `year`: the days some legal basis covers, one period per run of
        days (2021 from 2 August; 2026 to 3 April and from 31 July, the lapse between)."""
        return self.covered((dt.date(year, 1, 1), dt.date(year, 12, 31)))

    def reference_period(self, year: int) -> Period | None:
        """The first and last day of `year` some legal basis covers (None when none does)."""
        parts = self.reference_periods(year)
        return (parts[0][0], parts[-1][1]) if parts else None

    def basis_of(self, period: Period) -> LegalBasis | None:
        """The act a covered period is reported under: the one in force on its last day."""
        return self.legal_basis_on(period[1])

    def in_reference_periods(self, day: dt.date) -> bool:
        """A day some legal basis covers (a day in a gap belongs to no reporting year)."""
        return bool(self.covered((day, day)))

    def periods_field(self, periods: list[Period]) -> str:
        """Covered periods as the metadata field ref_periods states them (read by parse_periods)."""
        return "; ".join(f"{a}/{b}: {self.basis_of((a, b)).code}" for a, b in periods)

    def deadlines(self, year: int) -> list[tuple[LegalBasis, dt.date]]:
        """Each act `year` is due under, with its deadline (empty when no basis covers the year)."""
        acts = dict.fromkeys(b for p in self.reference_periods(year) if (b := self.basis_of(p)))
        return [(b, b.deadline_for(year)) for b in acts]

    def deadline(self, year: int) -> dt.date:
        """The last deadline of `year` (the nearest act's rule for a year no basis covers)."""
        due = [d for _b, d in self.deadlines(year)]
        whole = (dt.date(year, 1, 1), dt.date(year, 12, 31))
        return max(due) if due else self.nearest_legal_basis(whole).deadline_for(year)

    def nearest_legal_basis(self, period: Period) -> LegalBasis:
        """The legal basis whose period of application is closest to `period`."""

        def distance(b: LegalBasis) -> int:
            return max((b.valid_from - period[1]).days, (period[0] - b.valid_to).days, 0)

        return min(self.legal_bases, key=distance)

    def legal_gap_in(self, period: Period) -> LegalGap | None:
        """A known gap that overlaps `period`."""
        start, end = period
        return next(
            (
                g
                for g in self.legal_gaps
                if g.valid_from <= end and (g.valid_to is None or start <= g.valid_to)
            ),
            None,
        )
