-- Grain: state x year x series (observation_as_of(ts)).
CREATE OR REPLACE MACRO observation_as_of(ts) AS TABLE
SELECT o.* FROM observation o JOIN (
    SELECT * EXCLUDE (rn) FROM (
        SELECT s.*, row_number() OVER (
            PARTITION BY geo, time_period ORDER BY revision DESC, received_at DESC, submission_id DESC) AS rn
        FROM submission s WHERE status = '{{submission_accepted}}' AND received_at <= CAST(ts AS TIMESTAMPTZ))
    WHERE rn = 1) s USING (submission_id);
COMMENT ON MACRO TABLE observation_as_of IS 'observation_as_of(ts): the figures as they stood at timestamp ts (latest accepted revision received at or before ts), same columns as observation.';
