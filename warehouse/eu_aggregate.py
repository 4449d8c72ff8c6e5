"""The analyst view `eu_aggregate`, generated from the contract's EU aggregate rule so that
the warehouse and every release say the same about an EU figure (publish/disclosure.py)."""

from __future__ import annotations

from contracts.contract import load_contract


def eu_aggregate_sql() -> str:
    """CREATE OR REPLACE VIEW eu_aggregate: one row per year and series key.

    obs_value is the sum over the contributing states from the contract's minimumCoverage on
    (else empty with the missing status); obs_status the contract's status for incomplete
    coverage or the first propagated flag of a figure under it.
    """
    contract = load_contract()
    rule = contract.eu_aggregate_rule
    status = "\n".join(
        f"           WHEN list_contains(p.flags, '{flag}') THEN '{flag}'" for flag in rule["propagatedStatus"]
    )
    return f"""CREATE OR REPLACE VIEW eu_aggregate AS
WITH members AS (
    SELECT list_sort(list(DISTINCT code)) AS geos, count(DISTINCT code) AS member_states
    FROM code_list WHERE list = 'geo'),
per_series AS (
    SELECT time_period, indicator, sex, reporter, service,
           CAST(sum(obs_value) AS BIGINT) AS partial_sum,
           count(obs_value) AS contributing_states,
           list(geo) FILTER (WHERE obs_value IS NOT NULL) AS contributing,
           list(DISTINCT obs_status) FILTER (WHERE obs_value IS NOT NULL AND obs_status IS NOT NULL)
               AS state_flags
    FROM current_observation GROUP BY ALL),
flagged AS (
    SELECT p.*, m.member_states, m.geos,
           list_concat(coalesce(p.state_flags, []),
                       CASE WHEN p.contributing_states < m.member_states
                            THEN ['{rule["incompleteStatus"]}'] ELSE [] END) AS flags
    FROM per_series p CROSS JOIN members m)
SELECT '{contract.eu_aggregate}' AS geo, p.time_period, p.indicator, p.sex, p.reporter, p.service,
       CASE WHEN p.contributing_states >= {int(rule["minimumCoverage"])} THEN p.partial_sum END AS obs_value,
       CASE WHEN p.contributing_states < {int(rule["minimumCoverage"])} THEN '{contract.missing_status}'
{status}
       END AS obs_status,
       p.partial_sum,
       p.contributing_states,
       p.member_states,
       p.contributing_states = p.member_states AS coverage_complete,
       list_filter(p.geos, lambda g: NOT list_contains(coalesce(p.contributing, []), g)) AS missing_states
FROM flagged p"""


def eu_aggregate_comment() -> str:
    contract = load_contract()
    rule = contract.eu_aggregate_rule
    return (
        f"Grain: year x series. The {contract.eu_aggregate} aggregate of current figures as every "
        f"release shows it: obs_value is the sum over contributing_states of member_states, published from "
        f"{rule['minimumCoverage']} contributing states on (else empty, status {contract.missing_status}); "
        f"obs_status is {rule['incompleteStatus']} below full coverage, else the first of "
        f"{', '.join(rule['propagatedStatus'])} that a figure under it carries. partial_sum is the "
        "sum at any coverage, missing_states who is not in it. Hidden figures count: disclosure "
        "control applies on publication."
    )
