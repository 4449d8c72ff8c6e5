-- Grain: state x year.
CREATE OR REPLACE VIEW comparability_report_date AS
WITH labels AS (
    SELECT code, arg_max(label, contract_version) AS label FROM code_list WHERE list = 'report_date' GROUP BY code)
SELECT s.geo, s.time_period, s.metadata->>'$.report_date' AS report_date, l.label,
       '{{ref_report_date}}' AS reference, report_date <> reference AS differs
FROM current_submission s LEFT JOIN labels l ON l.code = s.metadata->>'$.report_date';
COMMENT ON VIEW comparability_report_date IS 'Grain: state x year. The declared report_date of the current submission against the contract''s reference definition; differs is true where status d was set on the series it affects, empty where none was declared.';
