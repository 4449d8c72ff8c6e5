"""The reference-period rules of validation: the periods a submission declares against the
covered periods of its reporting year (contracts/law.py), the legal basis of each, and status
`d` on figures that count more or less than the covered periods (the contract's
referencePeriodDiffers). Called by transforms/validation.py with its checker."""

from __future__ import annotations

import datetime as dt

from contracts.law import Period, parse_periods, period_text

PERIODS_FIELD = "ref_periods"
PERIOD_FORMAT = "list of periods 'first/last: legal basis' separated by ';'"


def declared_periods(metadata: dict) -> list[tuple[Period, str | None]] | None:
    """The periods a submission counts and the act of each: its ref_periods, else its reference
    period under its legal basis (None when neither can be read)."""
    if metadata.get(PERIODS_FIELD):
        try:
            return parse_periods(metadata[PERIODS_FIELD])
        except ValueError:
            return None
    start, end = metadata.get("ref_period_start"), metadata.get("ref_period_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and start <= end:
        return [((start, end), metadata.get("legal_basis"))]
    return None


def check_declared(check, year: int) -> list[tuple[Period, str | None]] | None:
    """ref_periods readable, its codes in the code list, each period inside the reference period
    and the year; returns the declared periods when they can be judged further."""
    meta, where = check.s.metadata, check.meta_where(PERIODS_FIELD)
    text = meta.get(PERIODS_FIELD)
    declared = declared_periods(meta)
    if text and declared is None:
        bad = next(p for p in text.split(";") if p.strip() and _unreadable(p))
        check.add("L0_TYPE", where, PERIODS_FIELD, bad.strip(), type=PERIOD_FORMAT)
        return None
    if not text or declared is None:
        return declared
    start, end = meta.get("ref_period_start"), meta.get("ref_period_end")
    ok = True
    for (first, last), code in declared:
        if code not in check.c.code_lists["legal_basis"]:
            check.add("L0_CODE_LIST", where, PERIODS_FIELD, code, codelist="legal_basis")
            ok = False
        inside = (
            first.year == year == last.year and (not start or start <= first) and (not end or last <= end)
        )
        if not inside:
            check.add("L0_REF_PERIOD", where, PERIODS_FIELD, f"{first} to {last}", year)
            ok = False
    return declared if ok else None


def _unreadable(part: str) -> bool:
    try:
        parse_periods(part)
    except ValueError:
        return True
    return False


def check_bases(check, year: int, declared: list[tuple[Period, str | None]]) -> None:
    """Each declared period lies in the covered periods of its act; a covered period of the year
    no declared one reaches is flagged (a 2026 submission for 1 January to 3 April only)."""
    c = check.c
    where, several = check.meta_where(PERIODS_FIELD), bool(check.s.metadata.get(PERIODS_FIELD))
    for period, code in declared:
        basis = c.legal_basis(code or "")
        if not c.covered(period):
            known = c.legal_gap_in(period)
            covered = period_text(c.reference_periods(year))
            check.add("L0_PERIOD_OUTSIDE_LAW", where if several else check.meta_where("ref_period_start"),
                      PERIODS_FIELD if several else "ref_period", f"{period[0]} to {period[1]}", year,
                      covered=covered, gap=f" ({known.note})" if known else "")  # fmt: skip
        elif basis and several and not c.covered(period, basis.code):
            covering = ", ".join(str(b) for b in c.legal_bases if c.covered(period, b.code))
            check.add("L0_LEGAL_BASIS", where, PERIODS_FIELD, year, str(basis), covering=covering)
        elif basis:
            _within_basis(check, basis, period, where if several else None)
    for period in c.reference_periods(year):
        if not any(a <= period[1] and period[0] <= b for (a, b), _code in declared):
            check.add("L0_PERIOD_NOT_REPORTED", check.meta_where("ref_period_start"), "ref_period",
                      f"{period[0]} to {period[1]}", year, basis=str(c.basis_of(period)))  # fmt: skip


def _within_basis(check, basis, period: Period, where: str | None) -> None:
    """A period reaching beyond its act (2021 from 1 January) is flagged."""
    covered = check.c.covered(period, basis.code)
    if covered and covered != [period]:
        check.add(
            "L0_REF_PERIOD_UNCOVERED",
            where or check.meta_where("ref_period_start"),
            PERIODS_FIELD if where else "ref_period",
            f"{period[0]} to {period[1]}",
            str(basis),
            covered=period_text(covered),
        )


def mark_period_differs(check, year: int, declared: list[tuple[Period, str | None]]) -> None:
    """Figures that count other days than the covered periods of their year get the contract's
    status (unless they carry another) and a comment naming both; the report says so."""
    c = check.c
    counted, legal = _joined([p for p, _code in declared]), c.reference_periods(year)
    if not legal or counted == legal:
        return
    rule = c.period_differs
    note = rule["comment"].format(counted=period_text(counted), year=year, legal=period_text(legal))
    flagged = [
        o.values
        for o in check.s.observations
        if o.values.get("obs_value") is not None and o.values.get("obs_status") in (None, "", rule["status"])
    ]
    for row in flagged:
        row["obs_status"] = rule["status"]
        row["comment"] = "; ".join(t for t in (row.get("comment"), note) if t)
    check.add("L1_PERIOD_DIFFERS", check.meta_where("ref_period_start"), "ref_period",
              period_text(counted), year, legal=period_text(legal), status=rule["status"],
              count=len(flagged))  # fmt: skip


def _joined(periods: list[Period]) -> list[Period]:
    """Periods sorted, with adjacent or overlapping ones joined (compared with covered periods)."""
    joined: list[Period] = []
    for a, b in sorted(periods):
        if joined and a <= joined[-1][1] + dt.timedelta(days=1):
            joined[-1] = (joined[-1][0], max(b, joined[-1][1]))
        else:
            joined.append((a, b))
    return joined


def counted_days(metadata: dict) -> int:
    """Days the figures count (the sum of the declared periods; 365 when unknown)."""
    declared = declared_periods(metadata)
    if not declared:
        return 365
    return sum((b - a).days + 1 for a, b in _joined([p for p, _code in declared]))
