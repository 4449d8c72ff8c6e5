-- A sum over the states that gave the figure, never a bare total (names in double braces are filled from the contract).
-- Grain: year x series.
CREATE OR REPLACE VIEW eu_aggregate AS
WITH members AS (
    SELECT list_sort(list(DISTINCT code)) AS geos, count(DISTINCT code) AS member_states
    FROM code_list WHERE list = 'geo'),
per_series AS (
    SELECT time_period, indicator, sex, reporter, service,
           CAST(sum(obs_value) AS BIGINT) AS partial_sum,
           count(obs_value) AS contributing_states,
           list(geo) FILTER (WHERE obs_value IS NOT NULL) AS contributing
    FROM current_observation GROUP BY ALL)
SELECT '{{eu_aggregate}}' AS geo, p.time_period, p.indicator, p.sex, p.reporter, p.service,
       CASE WHEN p.contributing_states = m.member_states THEN p.partial_sum END AS eu_total,
       p.partial_sum,
       p.contributing_states,
       m.member_states,
       p.contributing_states = m.member_states AS coverage_complete,
       list_filter(m.geos, lambda g: NOT list_contains(coalesce(p.contributing, []), g)) AS missing_states
FROM per_series p CROSS JOIN members m;
COMMENT ON VIEW eu_aggregate IS 'Grain: year x series. The {{eu_aggregate}} aggregate of current figures with its coverage: contributing_states of member_states (the geo code list). eu_total is filled only when coverage_complete; otherwise read partial_sum with missing_states: it is not an EU total.';
