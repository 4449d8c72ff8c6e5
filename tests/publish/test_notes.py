"""Why a figure carries its code, from the data: the definition that differs, the reference
period, the states missing from an EU sum; and the legend of every code a page shows."""

from __future__ import annotations

from publish import notes
from publish.disclosure import EU_AGGREGATE, eu_aggregate
from publish.published import SYMBOLS
from tests.publish.builders import CONTRACT, PERP, YEAR, child, state_rows, submission


def _year(**changes) -> tuple[list[dict], dict]:
    rows = state_rows("FR") + state_rows("LU") + state_rows("AT", {child("F"): None})
    for row in rows:
        if row["geo"] == "FR" and row["indicator"].startswith("PERP_CNV"):
            row["obs_status"] = CONTRACT.definition_differs
    rows += eu_aggregate(rows, YEAR)
    submissions = {g: submission(g) for g in ("FR", "LU", "AT")}
    submissions["FR"]["conviction_stage"] = "FIRST_INSTANCE"
    submissions["AT"]["breakdown_gaps"] = "Sex is not recorded."
    for geo, change in changes.items():
        submissions[geo].update(change)
    return rows, submissions


def test_each_reason_comes_from_the_data():
    rows, submissions = _year(LU={"ref_period_start": "2021-01-01", "ref_period_end": "2021-12-31"})
    for row in rows:
        if row["geo"] == "LU":
            row["time_period"] = 2021
    why = notes.reasons(rows, submissions, CONTRACT)
    assert why["FR", PERP] == (
        "conviction stage: Judgment at first instance, where the reference definition is Final judgment "
        "(no appeal possible or pending); as the state declared in its national definitions"
    )
    assert why["LU", PERP] == (
        "reference period 1 January to 31 December 2021, while the Regulation applies from 2 August "
        "to 31 December 2021"
    )
    assert why["AT", child("F")] == "Sex is not recorded"
    eu = why[EU_AGGREGATE, child("F")]
    assert eu.startswith("sum over 2 of 27 Member States; not included: Austria, Belgium, Bulgaria")
    assert why[EU_AGGREGATE, PERP].endswith(
        "includes figures with status d (Definition differs (see metadata)): France"
    )
    assert ("AT", PERP) not in why, "a figure without a code has no note"


def test_the_legend_names_every_code_the_cells_show_and_nothing_else():
    rows, _submissions = _year()
    cells = {(r["geo"], CONTRACT.series_key(r)): r for r in rows}
    hidden = dict(cells["AT", PERP], obs_value=None, conf_status="C")
    shown = [cells["FR", PERP], cells["AT", child("F")], cells[EU_AGGREGATE, PERP], hidden, None]
    legend = dict(notes.legend(shown, CONTRACT, SYMBOLS))
    assert set(legend) == {"d", "m", "(n/27)", SYMBOLS["hidden"], SYMBOLS["not_collected"]}  # EU: no sum of 3
    assert legend["d"] == "Definition differs (see metadata)"
    assert legend[SYMBOLS["hidden"]].startswith("hidden: The figure exists but is confidential (C)")
    assert dict(notes.legend([cells["AT", PERP]], CONTRACT, SYMBOLS)) == {}
