-- Grain: state x year.
CREATE OR REPLACE VIEW comparability_conviction_stage AS
WITH labels AS (
    SELECT code, arg_max(label, contract_version) AS label FROM code_list WHERE list = 'conviction_stage' GROUP BY code)
SELECT s.geo, s.time_period, s.metadata->>'$.conviction_stage' AS conviction_stage, l.label,
       '{{ref_conviction_stage}}' AS reference, conviction_stage <> reference AS differs
FROM current_submission s LEFT JOIN labels l ON l.code = s.metadata->>'$.conviction_stage';
COMMENT ON VIEW comparability_conviction_stage IS 'Grain: state x year. The declared conviction_stage of the current submission against the contract''s reference definition; differs is true where status d was set on the series it affects, empty where none was declared.';
