"""Validation of a submission against the contract, in ESS levels 0 (format), 1 (within the
submission) and 2 (against the state's own history). Every problem is reported, not just
the first; errors reject, warnings and information do not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from contracts.contract import Contract, additivity_parts, load_contract
from transforms import periods, statuses
from transforms.canonical import Submission
from transforms.checker import ANNOTATED, Checker
from transforms.history import History, level_2
from transforms.report import UNPARSED, Report
from transforms.senders import geo_hint


def _annotation_names(check: Checker) -> None:
    """Every name in an annotated metadata field must be a breakdown dimension or a series key."""
    c = check.c
    allowed = {
        "breakdown_gaps": {additivity_parts(r)[0] for r in c.additivity},
        "confirmed_changes": {check.key_text(k) for k in c.series_keys()},
    }
    for name, expected in ANNOTATED.items():
        for given, reason in check.annotations(name).items():
            if given not in allowed[name] or not reason:
                check.add("L0_ANNOTATION", check.meta_where(name), name, given, expected)


def validate(
    submission: Submission,
    history: History | None = None,
    today: dt.date | None = None,
    contract: Contract | None = None,
) -> Report:
    contract = contract or load_contract()
    check = Checker(submission, contract)
    for f in submission.findings:
        check.add(f.rule, f.location, f.field, f.value, **f.params)
    if submission.observations or not any(f.rule in UNPARSED for f in submission.findings):
        _metadata(check, today or dt.date.today())
        statuses.against_definitions(check)
        _definitions_differ(check)
        if check.periods:
            periods.mark_period_differs(check, submission.time_period, check.periods)
        index = _rows(check)
        _series(check, index)
        _additivity(check, index)
        _ordering(check, index)
        if history:
            level_2(check, index, history)
    return Report(
        submission.source.name,
        submission.format,
        submission.geo,
        submission.time_period,
        submission.revision,
        contract.version,
        check.issues,
        levels=(0, 1, 2) if history else (0, 1),
    )


# --- level 0 --------------------------------------------------------------------------------


def _code(check: Checker, value, codelist: str, location: str, field: str) -> bool:
    if value is None or value in check.c.code_lists[codelist]:
        return True
    hint = geo_hint(value, check.c) if codelist == "geo" else ""
    check.add("L0_CODE_LIST", location, field, value, codelist=codelist, hint=hint)
    return False


def _metadata(check: Checker, today: dt.date) -> None:
    meta, c = check.s.metadata, check.c
    for f in c.metadata_fields:
        where = check.meta_where(f.name)
        if f.required and meta.get(f.name) is None:
            if not any(i.location == where for i in check.issues):
                check.add("L0_REQUIRED_FIELD", where, f.name)
        elif f.code_list:
            _code(check, meta.get(f.name), f.code_list, where, f.name)
        elif f.minimum is not None and meta.get(f.name) is not None and meta[f.name] < f.minimum:
            check.add("L0_TYPE", where, f.name, meta[f.name], type=f"whole number of at least {f.minimum}")
    _annotation_names(check)
    year = check.s.time_period
    if year is None:
        return
    if dt.date(year, 12, 31) >= today:
        check.add("L0_YEAR_NOT_ENDED", check.meta_where("time_period"), "time_period", year)
    start, end = meta.get("ref_period_start"), meta.get("ref_period_end")
    period_ok = not (start and end) or (start.year == year == end.year and start <= end)
    if not period_ok:
        check.add(
            "L0_REF_PERIOD", check.meta_where("ref_period_start"), "ref_period", f"{start} to {end}", year
        )
    period = (start, end) if start and end and period_ok else (dt.date(year, 1, 1), dt.date(year, 12, 31))
    declared = periods.check_declared(check, year)
    if _year_covered(check, year, period) and declared:
        periods.check_bases(check, year, declared)
        check.periods = declared  # status d on figures counting other days, after the definitions


def _year_covered(check: Checker, year: int, period: tuple[dt.date, dt.date]) -> bool:
    """Some legal basis covers a day of `year`, and the one named covers some of `period` (the
    reference period); else say which does."""
    c, where = check.c, check.meta_where("legal_basis")
    whole_year = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not c.covered(whole_year):
        known = c.legal_gap_in(whole_year)
        gap = f" ({known.note})" if known else ""
        check.add(
            "L0_NO_LEGAL_BASIS", where, "legal_basis", year, str(c.nearest_legal_basis(whole_year)), gap=gap
        )
        return False
    basis = c.legal_basis(check.s.metadata.get("legal_basis") or "")
    if basis and not c.covered(period, basis.code):
        covering = [str(b) for b in c.legal_bases if c.covered(period, b.code) and b.covers_year(year)]
        text = ", ".join(covering) or "no legal basis in its reference period"
        check.add("L0_LEGAL_BASIS", where, "legal_basis", year, str(basis), covering=text)
        return False
    return True


def _definitions_differ(check: Checker) -> None:
    """Where a declared national definition is not the contract's reference, set status d on the
    given figures it affects that carry no status (the submission's rows change, the report says so)."""
    for ref in check.c.reference_definitions:
        declared = check.s.metadata.get(ref["field"])
        if (
            declared is None
            or declared == ref["reference"]
            or not isinstance(declared, type(ref["reference"]))
        ):
            continue
        flagged = [
            o.values
            for o in check.s.observations
            if o.values.get("indicator") in ref["indicators"]
            and o.values.get("obs_value") is not None
            and not o.values.get("obs_status")
        ]
        for row in flagged:
            row["obs_status"] = check.c.definition_differs
        series = ", ".join(ref["indicators"]) + f" ({len(flagged)} figures)"
        where = check.meta_where(ref["field"])
        check.add("L1_DEFINITION_DIFFERS", where, ref["field"], declared, ref["reference"], series=series)


def _rows(check: Checker) -> dict[tuple, dict]:
    """Check each row's fields; index the usable rows by series key."""
    c, meta = check.c, check.s.metadata
    fields = {f.name: f for f in c.observation_fields}
    seen: Counter = Counter()
    index: dict[tuple, dict] = {}
    allowed = set(c.series_keys())
    for obs in check.s.observations:
        row, loc = obs.values, obs.location
        ok = True
        for name in c.dimensions:
            if row.get(name) is None:
                ok &= name not in c.series_dimensions
                if not any(i.location == loc and i.field == name for i in check.issues):
                    check.add("L0_REQUIRED_FIELD", loc, name)
        for name, f in fields.items():
            inherited = name in ("geo", "time_period") and row.get(name) == meta.get(name)
            if f.code_list and not inherited:  # metadata problems are reported once, there
                known = _code(check, row.get(name), f.code_list, loc, name)
                ok &= known or name not in c.series_dimensions
        if meta.get("geo") and row.get("geo") and row["geo"] != meta["geo"]:
            check.add("L0_GEO_MISMATCH", loc, "geo", row["geo"], meta["geo"])
        if meta.get("time_period") and row.get("time_period") and row["time_period"] != meta["time_period"]:
            check.add("L0_YEAR_MISMATCH", loc, "time_period", row["time_period"], meta["time_period"])
        if row.get("conf_status") in c.confidential_codes:
            check.add("L1_CONFIDENTIAL", loc, "conf_status", row["conf_status"])
        value = row.get("obs_value")
        if value is not None and value < 0:
            check.add("L1_NON_NEGATIVE", loc, "obs_value", value)
        statuses.against_value(check, row, loc, _untyped(check, loc))
        if not ok:
            continue
        key = c.series_key(row)
        seen[key] += 1
        if key not in allowed:
            check.add("L0_SERIES_UNKNOWN", loc, "indicator", check.key_text(key), key=check.key_text(key))
        elif seen[key] == 2:
            check.add("L0_DUPLICATE_KEY", loc, "indicator", check.key_text(key), key=check.key_text(key))
        else:
            index[key] = {**row, "_location": loc}
    return index


def _untyped(check: Checker, location: str) -> bool:
    """The value was there but unreadable: L0_TYPE already says so."""
    return any(
        i.field == "obs_value" and (i.location == location or i.location.startswith(f"{location},"))
        for i in check.issues
    )


def _series(check: Checker, index: dict) -> None:
    if not check.s.observations:
        check.add("L0_SERIES_MISSING", "file", None, "all", key="(all series)")
        return
    present = {check.c.series_key(o.values) for o in check.s.observations}
    for key in check.c.series_keys():
        if key not in present:
            check.add("L0_SERIES_MISSING", "file", "indicator", check.key_text(key), key=check.key_text(key))


# --- level 1 --------------------------------------------------------------------------------


def _additivity(check: Checker, index: dict) -> None:
    for rule, total_key, part_keys in check.c.additivity_groups():
        total = index.get(total_key)
        if total is None:
            continue
        parts = [index.get(k) for k in part_keys]
        given = [p for p in parts if p is not None and p.get("obs_value") is not None]
        missing = [
            check.key_text(k)
            for k, p in zip(part_keys, parts, strict=True)
            if p is None or p.get("obs_value") is None
        ]
        if total.get("obs_value") is None:
            continue
        parts_sum = sum(p["obs_value"] for p in given)
        complete = not missing
        if (complete and parts_sum != total["obs_value"]) or parts_sum > total["obs_value"]:
            check.add(rule, total["_location"], "obs_value", parts_sum, total["obs_value"])
        if missing and any(p is not None for p in parts):
            reason = check.annotations("breakdown_gaps").get(check.c.breakdown(rule)[0])
            if reason:
                check.add(
                    "L1_BREAKDOWN_EXPLAINED",
                    total["_location"],
                    "obs_value",
                    ", ".join(missing),
                    reason=reason,
                )
            else:
                check.add("L1_BREAKDOWN_MISSING", total["_location"], "obs_value", ", ".join(missing))


def _ordering(check: Checker, index: dict) -> None:
    dims = check.c.series_dimensions
    for o in check.c.ordering:
        chain = [index.get(tuple(step[d] for d in dims)) for step in o["chain"]]
        for small, large in zip(chain, chain[1:], strict=False):
            if (
                small
                and large
                and None not in (small["obs_value"], large["obs_value"])
                and small["obs_value"] > large["obs_value"]
            ):
                text = (
                    f"{small['indicator']} {small['obs_value']} > {large['indicator']} {large['obs_value']}"
                )
                check.add(o["rule"], small["_location"], "obs_value", text)
