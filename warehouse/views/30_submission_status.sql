-- Grain: submission.
CREATE OR REPLACE VIEW submission_status AS
SELECT s.* EXCLUDE (status, report),
       CASE WHEN s.status = 'rejected' THEN 'rejected'
            WHEN c.submission_id IS NULL THEN 'superseded'
            ELSE 'accepted' END AS status,
       s.report
FROM submission s LEFT JOIN current_submission c USING (submission_id);
COMMENT ON VIEW submission_status IS 'Grain: submission. Every submission with its life-cycle status: accepted (current), superseded (replaced by a later accepted revision) or rejected.';
