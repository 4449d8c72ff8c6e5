-- Parts and total of the contract's additivity group by sex (names in double braces are filled from the contract).
-- Grain: state x year x sex ({{sex_parts}}).
CREATE OR REPLACE VIEW children_by_sex AS
WITH labels AS (SELECT code, arg_max(label, contract_version) AS label FROM code_list
                WHERE list = 'sex' GROUP BY code)
SELECT p.geo, p.time_period, p.sex, l.label AS sex_label,
       p.obs_value AS children, t.obs_value AS children_total,
       round(p.obs_value / nullif(t.obs_value, 0), 4) AS share,
       p.obs_status, p.comment, p.revision
FROM current_observation p
JOIN current_observation t
  ON t.submission_id = p.submission_id AND t.indicator = p.indicator AND t.sex = '{{sex_total}}'
LEFT JOIN labels l ON l.code = p.sex
WHERE p.indicator = '{{sex_indicator}}' AND p.sex <> '{{sex_total}}';
COMMENT ON VIEW children_by_sex IS 'Grain: state x year x sex ({{sex_parts}}). Children identified (Art. 8(b)) per sex with the total and the share; empty with obs_status {{missing_status}} where a state has no breakdown by sex.';
