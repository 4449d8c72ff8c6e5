"""Statuses agree with values: a figure has a value or a status saying it has none (the
contract's noValueStatuses), never both, never neither; a hand-set 'definition differs' needs a
declared definition that differs. `check` is validation's checker (its contract, submission, add)."""

from __future__ import annotations

from contracts.contract import custom_properties


def no_value_statuses(contract) -> frozenset[str]:
    return frozenset(custom_properties(contract.doc)["noValueStatuses"])


def against_value(check, row: dict, loc: str, untyped: bool) -> None:
    """One row: a value with a no-value status, or an empty value without one (`untyped`: the
    value was there but unreadable, L0_TYPE says so)."""
    value, status, c = row.get("obs_value"), row.get("obs_status"), check.c
    no_value = no_value_statuses(c)
    if value is not None and status in no_value:
        check.add("L1_STATUS_VALUE", loc, "obs_value", value, status)
    elif value is None and status not in no_value and not untyped:
        known = status in c.code_lists["obs_status"]
        if not status or known:  # an unknown code is L0_CODE_LIST already
            hint = f"; status '{status}' does not say so" if known else ""
            expected = " or ".join(sorted(no_value))
            check.add("L1_EMPTY_NEEDS_STATUS", loc, "obs_value", status, expected, hint=hint)


def against_definitions(check) -> None:
    """Status d set by hand on a figure whose declared definitions all equal the reference: the
    declaration contradicts it (run before validation sets d itself where a definition differs)."""
    meta, differs = check.s.metadata, check.c.definition_differs
    for o in check.s.observations:
        indicator = o.values.get("indicator")
        refs = [r for r in check.c.reference_definitions if indicator in r["indicators"]]
        if o.values.get("obs_status") != differs or not refs:
            continue
        if all(meta.get(r["field"]) == r["reference"] for r in refs):
            declared = ", ".join(f"{r['field']} {r['reference']}" for r in refs)
            check.add(
                "L1_STATUS_DEFINITIONS", o.location, "obs_status", differs, declared, indicator=indicator
            )
