"""What the public folder holds, read back for the site and the national reports.

Everything here comes from the release folders alone (the latest version of each year for
figures, every version for downloads), so the same releases give the same pages and PDFs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from publish import notes
from publish.disclosure import (
    COVERAGE,
    EU_AGGREGATE,
    MISSING,
    PUBLIC_HIDDEN,
    is_hidden,
    series_key,
)
from publish.folders import ReleaseFolder, as_of, release_folders
from publish.i18n import Translator
from publish.notes import NOT_COLLECTED, period_text

__all__ = ["period_text"]  # said alike by the site, the national reports and the notes

# a hidden figure shows the one public marking, whatever the reason (the contract's publicMarking)
SYMBOLS = {"hidden": PUBLIC_HIDDEN, "not_available": MISSING, "not_collected": NOT_COLLECTED}


@dataclass
class Year:
    year: int
    release: ReleaseFolder  # latest version of the Union release
    versions: list[ReleaseFolder]
    cells: dict  # (geo, series key) -> published row
    submissions: dict  # geo -> submission

    # Read once: every report and page of the site asks again.
    @cached_property
    def data_date(self) -> str:
        """The day the newest submission of the release was received (YYYY-MM-DD)."""
        return as_of(self.release.path)

    @cached_property
    def release_info(self) -> dict:
        return json.loads((self.release.path / "release.json").read_text(encoding="utf-8"))

    def reasons(self, contract) -> dict:
        """(geo, series key) -> why the figure carries its status (publish.notes), read once."""
        if "_reasons" not in self.__dict__:
            self.__dict__["_reasons"] = notes.reasons(list(self.cells.values()), self.submissions, contract)
        return self.__dict__["_reasons"]

    def row(self, geo: str, key: tuple) -> dict | None:
        return self.cells.get((geo, key))

    def coverage(self, key: tuple) -> int:
        """How many states' figures (shown or hidden) the EU figure of `key` sums."""
        return sum(
            1
            for (geo, k), row in self.cells.items()
            if k == key and geo != EU_AGGREGATE and marking(row) in (None, "hidden")
        )


def read_years(public_dir: Path, geo: str = EU_AGGREGATE) -> list[Year]:
    """Every year with a Union release (or with a national release of `geo`), oldest first."""
    releases = [r for r in release_folders(public_dir) if r.geo == geo]
    years = []
    for year in sorted({r.year for r in releases}):
        versions = [r for r in releases if r.year == year]
        latest = versions[-1]
        observations = json.loads((latest.path / "observations.json").read_text(encoding="utf-8"))
        submissions = json.loads((latest.path / "submissions.json").read_text(encoding="utf-8"))
        cells = {(r["geo"], series_key(r)): r for r in observations["observations"]}
        years.append(Year(year, latest, versions, cells, {s["geo"]: s for s in submissions}))
    return years


def national_geos(public_dir: Path) -> list[str]:
    """The Member States with national releases of their own in public_dir."""
    return sorted({r.geo for r in release_folders(public_dir)} - {EU_AGGREGATE})


def marking(row: dict | None) -> str | None:
    """Why a figure is not shown: 'hidden' (a confidentiality status), 'not_available' (m),
    'not_collected'; None if shown."""
    if row is None:
        return "not_collected"
    if is_hidden(row):
        return "hidden"
    if row["obs_value"] is None:
        return "not_available"
    return None


def figure(row: dict | None, member_states: int | None = None) -> str:
    """A published figure as text: '1,234' (with its status, as '1,234 p'), or the code of its
    marking: the public confidentiality marking (hidden), 'm' (not available), '–' (not collected). Given the
    number of Member States, an EU figure over fewer of them says over how many: '1,234 u (24/27)'."""
    why = marking(row)
    if why == "hidden":
        return PUBLIC_HIDDEN
    if why == "not_collected":
        return NOT_COLLECTED
    if why == "not_available":
        text = row["obs_status"] or MISSING
    else:
        flag = f" {row['obs_status']}" if row["obs_status"] else ""
        text = f"{row['obs_value']:,}{flag}"
    return text + _coverage(row, member_states)


def _coverage(row: dict, member_states: int | None) -> str:
    coverage = row.get(COVERAGE)
    partial = (
        member_states and row["geo"] == EU_AGGREGATE and coverage is not None and coverage < member_states
    )
    return f" ({coverage}/{member_states})" if partial else ""


def marking_legend(contract) -> list[tuple[str, str, str]]:
    """(symbol, label, explanation) of the three markings, from the contract."""
    return [
        (SYMBOLS[key], spec["label"], " ".join(spec["explanation"].split()))
        for key, spec in contract.markings.items()
    ]


def partial_period(contract, year: int) -> list[tuple[dt.date, dt.date]] | None:
    """The covered periods of `year`, when they are not the whole calendar year (2021 from
    2 August; 2026 to 3 April and from 31 July)."""
    periods = contract.reference_periods(year)
    if periods and periods != [(dt.date(year, 1, 1), dt.date(year, 12, 31))]:
        return periods
    return None


def periods_text(periods) -> str:
    """A (start, end) pair or a list of them in words: '1 January to 3 April 2026 and ...'."""
    if isinstance(periods, list):
        return " and ".join(period_text(*p) for p in periods)
    return period_text(*periods)


def law_lines(contract, year: int, t: Translator | None = None) -> list[str]:
    """The act each covered period of `year` is reported under, and the gaps between them, in
    `t`'s language (English, the site's, by default); the contract's texts are msgids too."""
    t = t or Translator()
    lines = []
    for period in contract.reference_periods(year):
        basis = contract.basis_of(period)
        line = (
            t("{period}: {label}, {article} (to confirm).")
            if basis.to_confirm and "confirm" not in basis.article
            else t("{period}: {label}, {article}.")
        )
        label = t(contract.code_lists["legal_basis"][basis.code])
        lines.append(_sentence(line.format(period=t.period(*period), label=label, article=t(basis.article))))
    for g in contract.legal_gaps:
        if g.valid_from.year <= year and (g.valid_to is None or year <= g.valid_to.year):
            lines.append(_sentence(t(" ".join(g.note.split()))) + ".")
    return lines


def _sentence(text: str) -> str:
    """A line opens a sentence: 'Vom 1. Januar ...', 'Du 1 janvier ...', 'No act applied ...'."""
    return f"{text[:1].upper()}{text[1:]}"


def comparability_lines(contract, years: list[int], t: Translator | None = None) -> list[str]:
    """The changes of the law that break a series among `years` (a note from a day in one of
    them, with an earlier year to compare it with), in `t`'s language."""
    t = t or Translator()
    return [
        t("{point}: {note}").format(point=n["point"], note=t(" ".join(n["note"].split())))
        for n in contract.comparability_notes
        if n["from"].year in years and min(years) < n["from"].year
    ]
