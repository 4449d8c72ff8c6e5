-- Grain: state x year received.
CREATE OR REPLACE VIEW data_quality AS
WITH received AS (
    SELECT geo, time_period, count(*) AS submissions,
           count(*) FILTER (WHERE status = '{{submission_rejected}}') AS rejected_submissions,
           CAST(coalesce(sum(errors) FILTER (WHERE status = '{{submission_rejected}}'), 0) AS BIGINT) AS errors_in_rejected
    FROM submission_status GROUP BY ALL),
current_issues AS (
    SELECT submission_id,
           count(*) FILTER (WHERE severity = 'warning') AS warnings,
           count(*) FILTER (WHERE severity = 'information') AS notes,
           list_sort(list(DISTINCT rule) FILTER (WHERE severity = 'warning')) AS warning_rules
    FROM submission_issue GROUP BY ALL)
SELECT r.geo, r.time_period, c.submission_id AS current_submission_id, c.revision AS current_revision,
       coalesce(i.warnings, 0) AS warnings, coalesce(i.notes, 0) AS notes,
       coalesce(i.warning_rules, []) AS warning_rules,
       r.submissions, r.rejected_submissions, r.errors_in_rejected
FROM received r
LEFT JOIN current_submission c ON c.geo = r.geo AND c.time_period = r.time_period
LEFT JOIN current_issues i ON i.submission_id = c.submission_id;
COMMENT ON VIEW data_quality IS 'Grain: state x year received. Warnings and notes of the current submission (with the rules that warned), and how many submissions were rejected with how many errors. Per state: SELECT geo, sum(warnings) FROM data_quality GROUP BY geo.';
