"""The checker that validation rules report through: it turns a rule id, a place and a value
into an issue of the report, its message filled from the contract and its place split up."""

from __future__ import annotations

from contracts.contract import Contract
from transforms.canonical import Submission
from transforms.formats import registry
from transforms.report import Issue, place

KEY_SEP = "/"


class Checker:
    def __init__(self, submission: Submission, contract: Contract):
        self.s, self.c = submission, contract
        self.issues: list[Issue] = []
        self.periods: list | None = None  # the declared periods, once judged against the law

    def add(
        self, rule_id: str, location: str, field: str | None = None, value=None, expected=None, **params
    ) -> None:
        rule = self.c.rules[rule_id]
        location = self.c.neutralise(location)
        field = self.c.neutralise(field) if field else field
        if isinstance(value, str):  # the report shows what was sent, without what hides text
            value = self.c.neutralise(value if len(value) <= 999 else f"{value[:40]}... ({len(value)} chars)")
        fill = {"field": field, "value": value, "expected": expected, "hint": "", **params}
        message = self.c.neutralise(rule.message.format_map(_Blank(fill)))
        where = place(location, field)
        if where["column"]:  # as the file names its columns (SDMX-CSV: component ids)
            where["column"] = registry.column(self.s.format, where["column"])
        self.issues.append(
            Issue(rule.id, rule.level, rule.severity, message, self.s.source.name, location, field,
                  value, expected, **where)
        )  # fmt: skip

    def meta_where(self, name: str) -> str:
        return self.s.metadata_location(name)

    def key_text(self, key: tuple) -> str:
        return KEY_SEP.join(str(k) for k in key)

    def annotations(self, name: str) -> dict[str, str]:
        """A metadata field of 'name: reason' pairs separated by ';' (read by parse_annotations)."""
        return parse_annotations(self.s.metadata.get(name))


ANNOTATED = {  # metadata field -> what each of its names must be
    "breakdown_gaps": "dimension broken down by an additivity rule",
    "confirmed_changes": "series key of the contract",
}


def parse_annotations(text: str | None) -> dict[str, str]:
    """'sex: not recorded; service: not kept' -> {'sex': 'not recorded', 'service': 'not kept'}."""
    pairs = (part.partition(":") for part in (text or "").split(";") if part.strip())
    return {name.strip(): reason.strip() for name, _, reason in pairs}


class _Blank(dict):
    def __missing__(self, key):
        return ""
