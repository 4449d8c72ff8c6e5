"""An owner's flag is never lost: a column that looks like the confidentiality status but is not
its name (another case, a misspelling, in any format) rejects the file instead of being ignored."""

from __future__ import annotations

import difflib
import re

from transforms.canonical import Finding, Submission


def flags_never_dropped(submission: Submission, expected: str) -> Submission:
    """The submission with every ignored column that names the confidentiality status turned into
    L0_FLAG_COLUMN (an error naming it and `expected`, the name it must have in this format)."""
    submission.findings = [
        Finding("L0_FLAG_COLUMN", f.location, f.field, f.value, {"expected": expected})
        if f.rule == "L0_UNKNOWN_COLUMN" and names_flags(str(f.value))
        else f
        for f in submission.findings
    ]
    return submission


def names_flags(column: str) -> bool:
    """Letters only, in lower case: 'CONF_STAUS', 'Conf Status', 'confidentiality' all name it."""
    folded, target = (re.sub(r"[^a-z]", "", name.lower()) for name in (column, "conf_status"))
    return target[:4] in folded or difflib.SequenceMatcher(None, folded, target).ratio() >= 0.8
