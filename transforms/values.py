"""Typing of raw cells, shared by every reader so all formats read a value the same way."""

from __future__ import annotations

import datetime as dt
import json
import re

from transforms.canonical import Finding

# Digit groups of three with one kind of separator: "12,345", "12 345", "12.345", "1.234.567",
# optionally signed ("-12,345" is read, so that L1_NON_NEGATIVE can say what is wrong with it).
# Anything else with a separator ("1,5", "1.234,5", "12,34") is not a whole number: L0_TYPE.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?P<sep>[,. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*$")
_SPACES = " \u00a0\u202f"
INT64 = (-(2**63), 2**63 - 1)
AMBIGUOUS = (
    "whole number (this file groups digits with more than one separator, so '.' or ',' may be a decimal mark)"
)


def empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def text(raw) -> str | None:
    if empty(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # a number typed into a text cell of a workbook: 2021, not "2021.0"
    return str(raw).strip()


def count(
    raw, location: str, field: str, findings: list[Finding], bounds: tuple[int, int] = INT64
) -> int | None:
    """A count: int within `bounds` (the warehouse type's range), or None when empty; anything
    else is a finding and None."""
    value = _whole(raw, location, field, findings)
    if value is not None and not bounds[0] <= value <= bounds[1]:
        findings.append(Finding("L0_TYPE", location, field, shown(raw), {"type": _range(bounds)}))
        return None
    return value


def _range(bounds: tuple[int, int]) -> str:
    return f"whole number from {bounds[0]:,} to {bounds[1]:,} (the warehouse's range)"


def shown(raw) -> str:
    text = str(raw)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def _whole(raw, location: str, field: str, findings: list[Finding]) -> int | None:
    if empty(raw):
        return None
    if isinstance(raw, bool):
        findings.append(Finding("L0_TYPE", location, field, raw, {"type": "whole number"}))
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        findings.append(Finding("L0_TYPE", location, field, raw, {"type": "whole number"}))
        return None
    value = str(raw).strip()
    if re.fullmatch(r"[+-]?\d{1,30}", value):
        return int(value)
    grouped = _GROUPED.match(value)
    if grouped:
        separator = " " if grouped["sep"] in _SPACES else grouped["sep"]
        findings.append(Finding("L0_THOUSANDS_SEPARATOR", location, field, value, {"separator": separator}))
        return int(re.sub(r"[^\d+-]", "", value))
    findings.append(Finding("L0_TYPE", location, field, value, {"type": "whole number"}))
    return None


def settle_separators(observations: list, findings: list[Finding]) -> None:
    """Thousands separators are unambiguous only when a file uses one kind throughout: if its
    grouped values mix ',' and '.' (or a space), one of them may be a decimal mark, so every
    grouped value becomes an L0_TYPE error and its figure is left empty."""
    grouped = [f for f in findings if f.rule == "L0_THOUSANDS_SEPARATOR"]
    if len({f.params["separator"] for f in grouped}) < 2:
        return
    for f in grouped:
        f.rule, f.params = "L0_TYPE", {"type": AMBIGUOUS}
        for o in observations:
            if f.location == o.location or f.location.startswith(f"{o.location},"):
                o.values[f.field] = None


def year(raw, location: str, field: str, findings: list[Finding]) -> int | None:
    value = count(raw, location, field, findings)
    if value is not None and not 1900 <= value <= 2999:
        findings.append(Finding("L0_TYPE", location, field, shown(raw), {"type": "year"}))
        return None
    return value


def date(raw, location: str, field: str, findings: list[Finding]) -> dt.date | None:
    if empty(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        findings.append(Finding("L0_TYPE", location, field, raw, {"type": "date (YYYY-MM-DD)"}))
        return None


def typed_metadata(raw: dict, location_of, findings: list[Finding]) -> dict:
    """Type the metadata fields of the contract; `location_of(field)` names where each was read."""
    from contracts.contract import load_contract

    contract = load_contract()
    metadata = {}
    for f in contract.metadata_fields:
        metadata[f.name] = typed(f, raw.get(f.name), location_of(f.name), findings, contract)
    return metadata


def typed(f, raw, location: str, findings: list[Finding], contract) -> object:
    """One value as the contract field `f` types it; what does not fit is a finding and None."""
    if isinstance(raw, (list, dict, tuple, set)):  # JSON arrays and objects are never one value
        text_ = shown(json.dumps(raw, default=str, ensure_ascii=False))
        findings.append(Finding("L0_TYPE", location, f.name, text_, {"type": "single value"}))
        return None
    if f.name == "time_period":
        return year(raw, location, f.name, findings)
    if f.logical_type == "integer":
        return count(raw, location, f.name, findings, f.integer_range)
    if f.logical_type == "date":
        return date(raw, location, f.name, findings)
    value = text(raw)
    if value is not None and f.max_length is not None and len(value) > f.max_length:
        findings.append(Finding("L0_TOO_LONG", location, f.name, len(value), {"expected": f.max_length}))
        return None  # the contract's limit, in every format and field: kept neither whole nor cut
    forbidden = contract.forbidden_character(value) if value else None
    if forbidden:
        findings.append(Finding("L0_CONTROL_CHARACTER", location, f.name, forbidden))
        value = contract.neutralise(value)  # stored and shown without it
    return value


def typed_observation(raw: dict, location: str, findings: list[Finding]) -> dict:
    """Type one observation row: dimensions and attributes as text, the year and value as ints."""
    from contracts.contract import load_contract

    contract = load_contract()
    return {
        f.name: typed(f, raw.get(f.name), location, findings, contract) for f in contract.observation_fields
    }
