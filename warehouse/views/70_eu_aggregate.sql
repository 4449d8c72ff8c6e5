-- The EU aggregate as every release shows it (publish/disclosure.py; names in double braces are filled from the contract's euAggregateRule).
-- Grain: year x series.
CREATE OR REPLACE VIEW eu_aggregate AS
WITH members AS (
    SELECT list_sort(list(DISTINCT code)) AS geos, count(DISTINCT code) AS member_states
    FROM code_list WHERE list = 'geo'),
per_series AS (
    SELECT time_period, indicator, sex, reporter, service,
           CAST(sum(obs_value) AS BIGINT) AS partial_sum,
           count(obs_value) AS contributing_states,
           list(geo) FILTER (WHERE obs_value IS NOT NULL) AS contributing,
           list(DISTINCT obs_status) FILTER (WHERE obs_value IS NOT NULL AND obs_status IS NOT NULL) AS state_flags
    FROM current_observation GROUP BY ALL),
flagged AS (
    SELECT p.*, m.member_states, m.geos,
           list_concat(coalesce(p.state_flags, []),
                       CASE WHEN p.contributing_states < m.member_states
                            THEN ['{{eu_incomplete_status}}'] ELSE [] END) AS flags
    FROM per_series p CROSS JOIN members m)
SELECT '{{eu_aggregate}}' AS geo, p.time_period, p.indicator, p.sex, p.reporter, p.service,
       CASE WHEN p.contributing_states >= {{eu_minimum_coverage}} THEN p.partial_sum END AS obs_value,
       CASE WHEN p.contributing_states < {{eu_minimum_coverage}} THEN '{{missing_status}}'
            ELSE list_filter(string_split('{{eu_propagated_status}}', ','), lambda s: list_contains(p.flags, s))[1]
       END AS obs_status,
       p.partial_sum,
       p.contributing_states,
       p.member_states,
       p.contributing_states = p.member_states AS coverage_complete,
       list_filter(p.geos, lambda g: NOT list_contains(coalesce(p.contributing, []), g)) AS missing_states
FROM flagged p;
COMMENT ON VIEW eu_aggregate IS 'Grain: year x series. The {{eu_aggregate}} aggregate of current figures as every release shows it: obs_value is the sum over contributing_states of member_states, published from {{eu_minimum_coverage}} contributing states on (else empty, status {{missing_status}}); obs_status is {{eu_incomplete_status}} below full coverage, else the first of {{eu_propagated_status}} that a figure under it carries. partial_sum is the sum at any coverage, missing_states who is not in it. Hidden figures count: disclosure control applies on publication.';
