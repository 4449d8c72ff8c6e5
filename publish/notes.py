"""Why a figure carries a status, in words from the data: the site, the national reports and the
spreadsheet explain every flag where it appears.

A legend says what each code a page shows means (d, u, m, the marking of a hidden figure, –);
a note says why this figure has it: the national definition that differs (FR counts
convictions at first instance), the reference period the state used (LU from 1 January), the
Member States missing from a partial EU sum. A hidden figure gets no note of its own: saying
which hidden figures are small would help undo the protection.

Every sentence goes through `_`, a gettext function, so a national report can say it in the
state's language; the site passes the identity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from contracts.law import parse_periods
from publish.disclosure import COVERAGE, EU_AGGREGATE, is_hidden, series_key

NOT_COLLECTED = "–"


def _identity(text: str) -> str:
    return text


def reasons(rows: list[dict], submissions: dict, contract, _: Callable = _identity, dates=None) -> dict:
    """(geo, series key) -> why the figure carries its status, for every figure that has one."""
    contributing: dict[tuple, set[str]] = {}
    for row in rows:
        if row["geo"] != EU_AGGREGATE and (is_hidden(row) or row["obs_value"] is not None):
            contributing.setdefault(series_key(row), set()).add(row["geo"])
    flagged: dict[tuple, dict[str, set[str]]] = {}
    for row in rows:
        if row["geo"] != EU_AGGREGATE and row["obs_value"] is not None and row["obs_status"]:
            flagged.setdefault(series_key(row), {}).setdefault(row["obs_status"], set()).add(row["geo"])
    out = {}
    for row in rows:
        key = series_key(row)
        if row["geo"] == EU_AGGREGATE:
            text = _eu_reason(row, contributing.get(key, set()), flagged.get(key, {}), contract, _)
        else:
            text = _state_reason(row, submissions.get(row["geo"]) or {}, contract, _, dates)
        if text:
            out[row["geo"], key] = text
    return out


def _state_reason(row: dict, submission: dict, contract, _: Callable, dates) -> str | None:
    if is_hidden(row):
        return None
    status = row["obs_status"]
    parts = []
    if status == contract.definition_differs:
        parts += definition_differences(row["indicator"], submission, contract, _)
    if row["obs_value"] is None:
        gaps = row.get("comment") or submission.get("breakdown_gaps")
        parts.append(gaps.rstrip(".") if gaps else _("not available"))
    elif status and status != contract.definition_differs:
        label = _(contract.code_lists["obs_status"].get(status, status))
        parts.append(f"{label}: {row['comment']}" if row.get("comment") else label)
    period = reference_period_note(int(row["time_period"]), submission, contract, _, dates)
    if period:  # every figure of the state: it counts another span than the legal one
        parts.append(period)
    return "; ".join(parts) or None


def definition_differences(indicator: str, submission: dict, contract, _: Callable) -> list[str]:
    """What the state counts otherwise than the contract's reference definition, in labels."""
    out = []
    for ref in contract.reference_definitions:
        value = submission.get(ref["field"])
        if indicator in ref["indicators"] and value is not None and str(value) != str(ref["reference"]):
            labels = contract.code_lists.get(ref["field"], {})
            out.append(
                _("{what}: {value}, where the reference definition is {reference}").format(
                    what=_(ref["field"].replace("_", " ")),
                    value=_(labels.get(str(value), str(value))),
                    reference=_(labels.get(str(ref["reference"]), str(ref["reference"]))),
                )
            )
    if out:
        out.append(_("as the state declared in its national definitions"))
    return out or [_(contract.code_lists["obs_status"][contract.definition_differs])]


def reference_period_note(year: int, submission: dict, contract, _: Callable, dates=None) -> str | None:
    """The periods the state counted when they are not the covered periods of the year (its
    reference period, or the periods it declared in ref_periods)."""
    start, end = submission.get("ref_period_start"), submission.get("ref_period_end")
    legal = contract.reference_periods(year)
    if not (start and end and legal):
        return None
    given = [(dt.date.fromisoformat(str(start)[:10]), dt.date.fromisoformat(str(end)[:10]))]
    if submission.get("ref_periods"):
        given = [period for period, _code in parse_periods(submission["ref_periods"])]
    if given == legal:
        return None
    dates, joined = dates or period_text, _(" and ")
    return _("reference period {given}, while the Regulation applies from {legal}").format(
        given=joined.join(dates(*p) for p in given), legal=joined.join(dates(*p) for p in legal)
    )


def _eu_reason(row: dict, given: set[str], flagged: dict, contract, _: Callable) -> str | None:
    states = contract.code_lists["geo"]
    parts = []
    coverage = row.get(COVERAGE)
    if coverage is not None and coverage < len(states):
        missing = [_(states[g]) for g in states if g not in given]
        parts.append(
            _("sum over {given} of {all} Member States; not included: {missing}").format(
                given=coverage, all=len(states), missing=", ".join(missing)
            )
        )
    if row["obs_value"] is None and not is_hidden(row):
        parts.append(
            _("no sum below {n} Member States").format(n=contract.eu_aggregate_rule["minimumCoverage"])
        )
    for status, geos in sorted(flagged.items()):
        label = _(contract.code_lists["obs_status"].get(status, status))
        parts.append(
            _("includes figures with status {status} ({label}): {states}").format(
                status=status, label=label, states=", ".join(_(states[g]) for g in sorted(geos))
            )
        )
    return "; ".join(parts) or None


def series_label(contract, key: tuple) -> str:
    """A series in words: its indicator, then each breakdown that is neither a total nor not
    applicable ('Reports ... (Art. 8(a)), Provider ..., Web-based e-mail')."""
    dimensions = contract.series_dimensions
    totals = {(dim, rule["total"][dim]) for rule in contract.additivity for dim in rule["parts"]}
    labels = [
        contract.code_lists[dim][code]
        for dim, code in zip(dimensions, key, strict=True)
        if code != contract.not_applicable and (dim, code) not in totals
    ]
    return ", ".join(labels)


def legend(
    cells: list[dict | None], contract, symbols: dict, _: Callable = _identity
) -> list[tuple[str, str]]:
    """(code, meaning) for every code the given cells show, in the order the page meets them:
    the observation statuses, the coverage of a partial EU sum and the markings of figures
    not shown (`symbols`: marking -> the code the page writes)."""
    codes: dict[str, str] = {}
    markings = contract.markings
    states = len(contract.code_lists["geo"])
    for row in cells:
        if row is None:
            codes[symbols["not_collected"]] = _marking(markings["not_collected"], _)
        elif is_hidden(row):
            codes[symbols["hidden"]] = _marking(markings["hidden"], _)
        else:
            if row["obs_value"] is None:
                code = row["obs_status"] or contract.missing_status
                codes[code] = _marking(markings["not_available"], _)
            elif row["obs_status"]:
                codes[row["obs_status"]] = _(contract.code_lists["obs_status"].get(row["obs_status"], ""))
            if row["geo"] == EU_AGGREGATE and (row.get(COVERAGE) or states) < states:
                codes[f"(n/{states})"] = _("an EU sum over n of the {all} Member States").format(all=states)
    return list(codes.items())


def _marking(spec: dict, _: Callable) -> str:
    return f"{_(spec['label'])}: {_(' '.join(spec['explanation'].split()))}"


def period_text(start: dt.date | str, end: dt.date | str) -> str:
    """'2 August to 31 December 2021'."""
    start, end = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in (start, end))
    first = f"{start.day} {start:%B}" + (f" {start.year}" if start.year != end.year else "")
    return f"{first} to {end.day} {end:%B} {end.year}"
