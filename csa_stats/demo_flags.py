"""Figures the demo's Member States keep confidential themselves (the owner's decision, not
disclosure control), in the formats a real sender uses for it: with the demo's seed RO sends
SDMX-CSV (a large count, C), IT the XLSX template (a headline figure, N from its drop-down list)
and DK CSV (a breakdown, C); AT's national office flags its 2026 children of unknown sex (C), which
travel to the Union in the file its national pipeline sends. Every release hides them, protected by
the contract's levels."""

from __future__ import annotations

from contracts.contract import load_contract

# (geo, year or None for every year) -> (the series, as a partial key) and the code sent
OWNER_FLAGS = {
    ("RO", None): ({"indicator": "REP_LEA", "reporter": "PROVIDER", "service": "MESSAGING"}, "C"),
    ("IT", 2023): ({"indicator": "PERP_CNV"}, "N"),
    ("DK", None): ({"indicator": "CHILD_IDN", "sex": "F"}, "C"),
    ("AT", 2026): ({"indicator": "CHILD_IDN", "sex": "U"}, "C"),
}


def owner_flag(metadata: dict, key: tuple) -> str | None:
    """The confidentiality code the state sends with the figure `key`, or None."""
    labelled = dict(zip(load_contract().series_dimensions, key, strict=True))
    for (geo, year), (series, code) in OWNER_FLAGS.items():
        if (
            geo == metadata["geo"]
            and year in (None, metadata["time_period"])
            and series.items() <= labelled.items()
        ):
            return code
    return None
