-- Grain: state x year.
CREATE OR REPLACE VIEW comparability_counting_unit AS
WITH labels AS (
    SELECT code, arg_max(label, contract_version) AS label FROM code_list WHERE list = 'counting_unit' GROUP BY code)
SELECT s.geo, s.time_period, s.metadata->>'$.counting_unit' AS counting_unit, l.label,
       '{{ref_counting_unit}}' AS reference, counting_unit <> reference AS differs
FROM current_submission s LEFT JOIN labels l ON l.code = s.metadata->>'$.counting_unit';
COMMENT ON VIEW comparability_counting_unit IS 'Grain: state x year. The declared counting_unit of the current submission against the contract''s reference definition; differs is true where status d was set on the series it affects, empty where none was declared.';
