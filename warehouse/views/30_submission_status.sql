-- Grain: submission.
CREATE OR REPLACE VIEW submission_status AS
SELECT s.* EXCLUDE (status, report),
       CASE WHEN s.status = '{{submission_rejected}}' THEN '{{submission_rejected}}'
            WHEN c.submission_id IS NULL THEN '{{submission_superseded}}'
            ELSE '{{submission_accepted}}' END AS status,
       s.report
FROM submission s LEFT JOIN current_submission c USING (submission_id);
COMMENT ON VIEW submission_status IS 'Grain: submission. Every submission with its life-cycle status: {{submission_accepted}} (current), {{submission_superseded}} (replaced by a later accepted revision) or {{submission_rejected}}.';
