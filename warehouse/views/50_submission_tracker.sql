-- Grain: state x reporting year.
CREATE OR REPLACE VIEW submission_tracker AS
WITH deadline AS (
    SELECT time_period, arg_max(deadline, set_at) AS deadline FROM reporting_deadline GROUP BY 1),
first_accepted AS (
    SELECT geo, time_period, min(received_at) AS first_received_at
    FROM submission WHERE status = '{{submission_accepted}}' GROUP BY 1, 2),
anything AS (
    SELECT geo, time_period, count(*) AS submissions FROM submission GROUP BY 1, 2),
due_under AS (  -- the legal bases (of the contract in use) that cover a day of the year
    SELECT d.time_period, string_agg(l.code, ', ' ORDER BY l.valid_from) AS legal_bases
    FROM deadline d JOIN legal_basis l ON l.contract_version = '{{contract_version}}'
        AND l.valid_from <= make_date(d.time_period, 12, 31) AND l.valid_to >= make_date(d.time_period, 1, 1)
    GROUP BY 1)
SELECT g.code AS geo, d.time_period, d.deadline, u.legal_bases,
       f.first_received_at,
       c.submission_id AS current_submission_id,
       c.revision AS current_revision,
       coalesce(a.submissions, 0) AS submissions,
       CASE WHEN f.first_received_at IS NULL AND a.submissions > 0 THEN '{{tracker_rejected}}'
            WHEN f.first_received_at IS NULL AND u.legal_bases IS NULL THEN '{{tracker_not_due}}'
            WHEN f.first_received_at IS NULL AND current_date > d.deadline THEN '{{tracker_missing}}'
            WHEN f.first_received_at IS NULL THEN '{{tracker_not_yet_due}}'
            WHEN CAST(f.first_received_at AS DATE) > d.deadline THEN '{{tracker_late}}'
            ELSE '{{tracker_on_time}}' END AS status
FROM (SELECT DISTINCT code FROM code_list WHERE list = 'geo') g
CROSS JOIN deadline d
LEFT JOIN first_accepted f ON f.geo = g.code AND f.time_period = d.time_period
LEFT JOIN anything a ON a.geo = g.code AND a.time_period = d.time_period
LEFT JOIN current_submission c ON c.geo = g.code AND c.time_period = d.time_period
LEFT JOIN due_under u ON u.time_period = d.time_period;
COMMENT ON VIEW submission_tracker IS 'Grain: state x reporting year. {{tracker_on_time}}, {{tracker_late}}, {{tracker_missing}}, {{tracker_rejected}}, {{tracker_not_yet_due}}, or {{tracker_not_due}} (no legal basis covers any day of the year), against the latest configured deadline of the year; legal_bases: the legal bases it is due under.';
