-- Grain: submission x issue.
CREATE OR REPLACE VIEW submission_issue AS
SELECT submission_id, geo, time_period, revision, received_at, status, issue_no,
       issue ->> 'rule' AS rule,
       CAST(issue ->> 'level' AS INTEGER) AS level,
       issue ->> 'severity' AS severity,
       issue ->> 'location' AS location,
       issue ->> 'field' AS field,
       issue ->> 'value' AS value,
       issue ->> 'expected' AS expected,
       issue ->> 'message' AS message
FROM (
    SELECT s.submission_id, s.geo, s.time_period, s.revision, s.received_at, s.status,
           unnest(generate_series(1, len(i.issues))) AS issue_no, unnest(i.issues) AS issue
    FROM submission_status s,
         LATERAL (SELECT json_extract(s.report, '$.issues[*]') AS issues) i
    WHERE len(i.issues) > 0
);
COMMENT ON VIEW submission_issue IS 'Grain: submission x issue. Every validation issue of every submission (rule, ESS level, severity, location, value, message), with the submission''s life-cycle status. Rejected submissions with their errors: WHERE status = ''{{submission_rejected}}'' AND severity = ''error''.';
