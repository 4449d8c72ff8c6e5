-- Grain: state x reporting year.
CREATE OR REPLACE VIEW submission_tracker AS
WITH deadline AS (
    SELECT time_period, arg_max(deadline, set_at) AS deadline FROM reporting_deadline GROUP BY 1),
first_accepted AS (
    SELECT geo, time_period, min(received_at) AS first_received_at
    FROM submission WHERE status = 'accepted' GROUP BY 1, 2),
anything AS (
    SELECT geo, time_period, count(*) AS submissions FROM submission GROUP BY 1, 2)
SELECT g.code AS geo, d.time_period, d.deadline,
       f.first_received_at,
       c.submission_id AS current_submission_id,
       c.revision AS current_revision,
       coalesce(a.submissions, 0) AS submissions,
       CASE WHEN f.first_received_at IS NULL AND a.submissions > 0 THEN 'rejected'
            WHEN f.first_received_at IS NULL AND current_date > d.deadline THEN 'missing'
            WHEN f.first_received_at IS NULL THEN 'not yet due'
            WHEN CAST(f.first_received_at AS DATE) > d.deadline THEN 'late'
            ELSE 'on time' END AS status
FROM (SELECT DISTINCT code FROM code_list WHERE list = 'geo') g
CROSS JOIN deadline d
LEFT JOIN first_accepted f ON f.geo = g.code AND f.time_period = d.time_period
LEFT JOIN anything a ON a.geo = g.code AND a.time_period = d.time_period
LEFT JOIN current_submission c ON c.geo = g.code AND c.time_period = d.time_period;
COMMENT ON VIEW submission_tracker IS 'Grain: state x reporting year. on time, late, missing, rejected or not yet due, against the latest configured deadline of the year.';
