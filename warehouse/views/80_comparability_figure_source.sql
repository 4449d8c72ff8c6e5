-- Grain: state x year x Article 8 point.
CREATE OR REPLACE VIEW comparability_figure_source AS
WITH labels AS (
    SELECT code, arg_max(label, contract_version) AS label FROM code_list WHERE list = 'figure_source' GROUP BY code),
sources AS (
    SELECT geo, time_period, '8(a)' AS point, metadata->>'$.source_reports' AS source FROM current_submission
    UNION ALL SELECT geo, time_period, '8(b)', metadata->>'$.source_children' FROM current_submission
    UNION ALL SELECT geo, time_period, '8(c)', metadata->>'$.source_convictions' FROM current_submission)
SELECT s.geo, s.time_period, s.point, s.source, l.label
FROM sources s LEFT JOIN labels l ON l.code = s.source;
COMMENT ON VIEW comparability_figure_source IS 'Grain: state x year x Article 8 point. The declared source of the figures of each point (no reference definition: shown, never flagged).';
