"""Typing of raw cells, shared by every reader so all formats read a value the same way."""

from __future__ import annotations

import datetime as dt
import re

from transforms.canonical import Finding

# Digit groups of three with one kind of separator: "12,345", "12 345", "12.345", "1.234.567".
_GROUPED = re.compile(r"^\d{1,3}(?P<sep>[,. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*$")


def empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def text(raw) -> str | None:
    if empty(raw):
        return None
    return str(raw).strip()


def count(raw, location: str, field: str, findings: list[Finding]) -> int | None:
    """A count: int, or None when empty; anything else is a finding and None."""
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
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    grouped = _GROUPED.match(value)
    if grouped:
        findings.append(Finding("L0_THOUSANDS_SEPARATOR", location, field, value))
        return int(re.sub(r"\D", "", value))
    findings.append(Finding("L0_TYPE", location, field, value, {"type": "whole number"}))
    return None


def year(raw, location: str, field: str, findings: list[Finding]) -> int | None:
    value = count(raw, location, field, findings)
    if value is not None and not 1900 <= value <= 2999:
        findings.append(Finding("L0_TYPE", location, field, raw, {"type": "year"}))
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

    metadata = {}
    for f in load_contract().metadata_fields:
        value, where = raw.get(f.name), location_of(f.name)
        if f.logical_type == "integer":
            parse = year if f.name == "time_period" else count
            metadata[f.name] = parse(value, where, f.name, findings)
        elif f.logical_type == "date":
            metadata[f.name] = date(value, where, f.name, findings)
        else:
            metadata[f.name] = text(value)
    return metadata


def typed_observation(raw: dict, location: str, findings: list[Finding]) -> dict:
    """Type one observation row: dimensions and attributes as text, the year and value as ints."""
    from contracts.contract import load_contract

    row = {}
    for f in load_contract().observation_fields:
        value = raw.get(f.name)
        if f.name == "time_period":
            row[f.name] = year(value, location, f.name, findings)
        elif f.logical_type == "integer":
            row[f.name] = count(value, location, f.name, findings)
        else:
            row[f.name] = text(value)
    return row
