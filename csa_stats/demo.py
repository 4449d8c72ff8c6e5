"""A realistic, seeded set of national Article 8 submissions for demos and tests.

Which figures exist and how they add up comes from the contract (series, additivity,
ordering); the magnitudes, shares and the story below (late, revised, missing
breakdowns) are demo data. The same seed gives the same bytes. When each file "arrived" is
written as receipts (SHA-256 -> time) beside the landing folder, never as modification times:
the system takes a file's arrival from its own records, which a sender cannot set.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from contracts.contract import load_contract
from csa_stats import demo_periods as periods
from csa_stats.demo_figures import RANGES, YEARLY_JITTER, consistent_figures, key_of
from csa_stats.demo_flags import owner_flag
from csa_stats.settings import get_settings
from transforms.writers import EXTENSIONS, write_submission
from warehouse.archive import write_receipts

# Population on 1 January 2024, millions (Eurostat demo_pjan, rounded).
POPULATION_2024 = {
    "AT": 9.16, "BE": 11.83, "BG": 6.45, "CY": 0.97, "CZ": 10.90, "DE": 83.45, "DK": 5.96,
    "EE": 1.37, "EL": 10.40, "ES": 48.62, "FI": 5.60, "FR": 68.40, "HR": 3.86, "HU": 9.58,
    "IE": 5.27, "IT": 58.99, "LT": 2.89, "LU": 0.67, "LV": 1.87, "MT": 0.56, "NL": 17.94,
    "PL": 36.62, "PT": 10.64, "RO": 19.06, "SE": 10.55, "SI": 2.12, "SK": 5.42,
}  # fmt: skip

# Reports a year = SCALE * population ** EXPONENT * a state level. Detection concentrates on
# the big platforms' markets, so reports grow faster than population: the exponent spreads
# states from tens (MT, LU, CY) to tens of thousands (DE, FR, IT, ES, PL).
SCALE, EXPONENT, LEVEL, GROWTH = 90.0, 1.35, (0.75, 1.25), (-0.05, 0.15)

FORMAT_COUNTS = {"json": 5, "csv": 4, "sdmx-csv": 3}  # the other states send the XLSX template
# Most states count from the day after entry into force; a few from the legal basis itself.
FIRST_REPORTED_DAY = dt.date(2021, 8, 3)
AUTHORITIES = ["National Police", "Ministry of the Interior", "Criminal Police Office",
               "National Cybercrime Centre"]  # fmt: skip
COUNTING_UNITS = [
    "one report = one referral received from a provider (mostly via NCMEC) or a hotline",
    "one report = one CyberTipline report forwarded by Europol, before de-duplication",
    "one report = one file opened by the national cybercrime unit",
]
GAP_COMMENTS = {
    "sex": "Gender of identified children is not recorded in the case management system.",
    "service": "The type of provider's service is not recorded, only the provider total is kept.",
}


@dataclass(frozen=True)
class DemoFacts:
    late: tuple[str, int]  # (geo, year) landing after the deadline
    revised: tuple[str, int]  # (geo, year) that gets an R2 file
    missing_breakdown: dict[str, tuple[str, ...]]  # dimension -> geos that lack its breakdown
    from_january: str  # geo whose 2021 reference period starts before the legal basis (flagged)
    confirmed_change: tuple[str, int, dict]  # (geo, year, series): a jump the state confirms
    links_convictions: tuple[str, ...]  # geos that can link convictions to reports
    definition_differs: tuple[str, dict]  # geo and the national definitions unlike the reference
    first_period_only: tuple[str, ...]  # geos sending 2026 for its first covered period only


DEMO_FACTS = DemoFacts(
    late=("HU", 2024),
    revised=("NL", 2023),
    missing_breakdown={"sex": ("CZ", "PT", "RO"), "service": ("BG", "HR", "SK")},
    from_january=periods.FROM_JANUARY,
    confirmed_change=("PL", 2024, {"indicator": "PERP_CNV"}),
    links_convictions=("AT", "BE", "FI", "IE", "NL", "SE"),
    definition_differs=("FR", {"conviction_stage": "FIRST_INSTANCE"}),
    first_period_only=periods.FIRST_PERIOD_ONLY,
)
# The structured national definitions of every other state: the contract's reference, and sources.
DEFINITIONS = {
    **{d["field"]: d["reference"] for d in load_contract().reference_definitions},
    "source_reports": "POLICE", "source_children": "VICTIM_REGISTER", "source_convictions": "COURT",
}  # fmt: skip

LINKED = {"indicator": "PERP_CNV_LNK"}
NOT_LINKED = "Court statistics do not record the report a conviction goes back to."

CONFIRMED_REASON = "A large investigation closed in 2024: its trials ended with many convictions at once."


def generate_demo(
    out_dir: Path,
    seed: int = 2021,
    years: range = range(2021, 2025),
    geos: list[str] | None = None,
    revisions_dir: Path | None = None,
    per_state: bool = True,
    receipts: Path | None = None,
) -> list[Path]:
    """Write one submission per state and year (plus the revision); return every path written.

    `per_state`: in the landing layout, each state's files in its own prefix `<out_dir>/<GEO>/`.
    With `revisions_dir` the revision (and the file with the confirmed jump, so that it is checked
    against the years before it) goes there instead, to be landed after a first release.
    With `receipts` (a CSA_RECEIPTS file) each file's story arrival time is recorded there.
    """
    contract = load_contract()
    formats = _formats(seed)
    arrivals: dict[Path, dt.datetime] = {}
    for geo in geos or list(contract.code_lists["geo"]):
        state = _State(geo, random.Random(f"{seed}:{geo}"))
        for year in years:
            rng = random.Random(f"{seed}:{geo}:{year}")
            metadata, figures = _submission(state, year, rng)
            landed = _landing_time(geo, year, rng)
            folder, revisions = (
                (out_dir / geo, (revisions_dir or out_dir) / geo)
                if per_state
                else (out_dir, revisions_dir or out_dir)
            )
            if (geo, year) == DEMO_FACTS.confirmed_change[:2] and revisions_dir:
                folder = revisions  # lands with the revision, when the years before it are loaded
            arrivals.update(
                dict.fromkeys(_write(metadata, _rows(metadata, figures, {}), formats[geo], folder), landed)
            )
            if (geo, year) == DEMO_FACTS.revised:
                paths, landed = _revise(metadata, figures, formats[geo], revisions, rng)
                arrivals.update(dict.fromkeys(paths, landed))
    written = list(arrivals)
    if receipts:
        write_receipts(receipts, arrivals)
    return written


def _formats(seed: int) -> dict[str, str]:
    """A state keeps its format over the years."""
    geos = list(load_contract().code_lists["geo"])
    random.Random(seed).shuffle(geos)
    chosen = [fmt for fmt, n in FORMAT_COUNTS.items() for _ in range(n)]
    return {geo: chosen[i] if i < len(chosen) else "xlsx" for i, geo in enumerate(geos)}


class _State:
    """What stays the same for a state across years: size, habits, authority."""

    def __init__(self, geo: str, rng: random.Random):
        self.geo = geo
        self.level = rng.uniform(*LEVEL)
        self.growth = rng.uniform(*GROWTH)
        self.shares = {code: rng.uniform(*bounds) for code, bounds in RANGES.items()}
        self.authority = f"{rng.choice(AUTHORITIES)} ({load_contract().code_lists['geo'][geo]})"
        self.unit = rng.choice(COUNTING_UNITS)
        first_basis = min(b.valid_from for b in load_contract().legal_bases)
        self.first_day = FIRST_REPORTED_DAY if rng.random() < 0.8 else first_basis
        self.gaps = _gaps(geo)

    def reports(self, year: int, days: int, rng: random.Random) -> int:
        full_year = SCALE * POPULATION_2024[self.geo] ** EXPONENT * self.level
        trend = (1 + self.growth) ** (year - 2022)
        return round(full_year * trend * rng.uniform(0.93, 1.07) * days / 365)

    def share(self, code: str, rng: random.Random) -> float:
        low, high = RANGES[code]
        moved = self.shares[code] * rng.uniform(1 - YEARLY_JITTER, 1 + YEARLY_JITTER)
        return min(max(moved, low), high)


def _submission(state: _State, year: int, rng: random.Random) -> tuple[dict, dict]:
    counted = periods.counted_periods(state.geo, year, state.first_day)
    reports = state.reports(year, periods.counted_days(counted), rng)
    metadata = {
        "geo": state.geo,
        "time_period": year,
        "revision": 1,
        **periods.period_metadata(counted),
        "reporting_authority": state.authority,
        "contact": f"article8-statistics@{state.geo.lower()}.example.org",
        "national_definitions": _definitions(state, periods.period_note(counted)),
        **_structured_definitions(state.geo),
        "breakdown_gaps": "; ".join(f"{dim}: {GAP_COMMENTS[dim]}" for dim in state.gaps) or None,
    }
    figures = consistent_figures(reports, lambda code: state.share(code, rng))
    geo, jump_year, spec = DEMO_FACTS.confirmed_change
    if (state.geo, year) == (geo, jump_year):  # three times the usual, confirmed in the submission
        figures[key_of(spec)] *= 3
        metadata["confirmed_changes"] = f"{'/'.join(key_of(spec))}: {CONFIRMED_REASON}"
    return metadata, figures


def _structured_definitions(geo: str) -> dict:
    differs, changes = DEMO_FACTS.definition_differs
    return {**DEFINITIONS, **(changes if geo == differs else {})}


def _definitions(state: _State, period: str | None) -> str:
    stage = _structured_definitions(state.geo)["conviction_stage"]
    judgments = "final judgments" if stage == "FINAL" else "first-instance judgments, appeals pending"
    text = [
        f"Counting unit: {state.unit}.",
        "Cases: reports about the same user account or material merged into one case.",
        "Sources: police case management system; convictions from court statistics "
        f"({judgments} in the year).",
    ]
    if period:
        text.append(period)
    text += [f"Breakdown by {dim} not available: {GAP_COMMENTS[dim]}" for dim in state.gaps]
    return " ".join(text + ["Synthetic demo figures."])


def _gaps(geo: str) -> list[str]:
    """Dimensions whose breakdown the state does not have."""
    return [dim for dim, geos in DEMO_FACTS.missing_breakdown.items() if geo in geos]


def _rows(metadata: dict, figures: dict, comments: dict) -> list[dict]:
    """Canonical rows in contract order; the parts of a missing breakdown are empty, flagged."""
    contract = load_contract()
    gaps = _gaps(metadata["geo"])
    dimension = {rule_id: contract.breakdown(rule_id)[0] for rule_id, _, _ in contract.additivity_groups()}
    missing = {
        part: GAP_COMMENTS[dimension[r]]
        for r, _, parts in contract.additivity_groups()
        if dimension[r] in gaps
        for part in parts
    }
    if metadata["geo"] not in DEMO_FACTS.links_convictions:
        missing[key_of(LINKED)] = NOT_LINKED
    rows = []
    for key in contract.series_keys():
        gap = key in missing
        rows.append({
            "geo": metadata["geo"], "time_period": metadata["time_period"],
            **dict(zip(contract.series_dimensions, key, strict=True)),
            "obs_value": None if gap else figures[key],
            "obs_status": contract.missing_status if gap else None,
            "conf_status": owner_flag(metadata, key), "comment": missing.get(key, comments.get(key)),
        })  # fmt: skip
    return rows


def _revise(
    metadata: dict, figures: dict, fmt: str, out_dir: Path, rng: random.Random
) -> tuple[list[Path], dt.datetime]:
    """R2: reports recorded after the first submission raise two detail cells and their totals."""
    groups = load_contract().additivity_groups()
    totals = {total for _, total, _ in groups}
    leaves = sorted({p for _, _, parts in groups for p in parts} - totals)
    revised, comments = dict(figures), {}
    for key in rng.sample(leaves, 2):
        _add(revised, key, max(1, round(revised[key] * rng.uniform(0.01, 0.04))), groups)
        comments[key] = "Revised: reports recorded after the first submission added."
    metadata = {**metadata, "revision": 2,
                "national_definitions": metadata["national_definitions"]
                + " Revision 2 adds reports recorded after the first submission."}  # fmt: skip
    deadline = get_settings().deadline_for(metadata["time_period"])
    landed = _at(deadline + dt.timedelta(days=rng.randint(90, 119)), rng)  # November
    return _write(metadata, _rows(metadata, revised, comments), fmt, out_dir), landed


def _add(figures: dict, key: tuple, delta: int, groups: list) -> None:
    """Add to a figure and to every total it is part of, so sums still hold."""
    figures[key] += delta
    for _, total, parts in groups:
        if key in parts:
            _add(figures, total, delta, groups)


def _landing_time(geo: str, year: int, rng: random.Random) -> dt.datetime:
    """Most files land in the weeks before the deadline; the late one two months after it."""
    deadline = get_settings().deadline_for(year)
    if (geo, year) == DEMO_FACTS.late:
        return _at(deadline + dt.timedelta(days=rng.randint(60, 89)), rng)  # October
    return _at(deadline - dt.timedelta(days=round(rng.triangular(1, 120, 6))), rng)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in office hours (UTC) on `day`."""
    return dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59)), dt.UTC)


def _write(metadata: dict, rows: list[dict], fmt: str, out_dir: Path) -> list[Path]:
    stem = load_contract().submission_stem(metadata["geo"], metadata["time_period"], metadata["revision"])
    return write_submission(metadata, rows, Path(out_dir) / f"{stem}{EXTENSIONS[fmt]}", fmt)
