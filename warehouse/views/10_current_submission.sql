-- Grain: state x year.
CREATE OR REPLACE VIEW current_submission AS
SELECT * EXCLUDE (rn) FROM (
    SELECT s.*, row_number() OVER (
        PARTITION BY geo, time_period ORDER BY revision DESC, received_at DESC, submission_id DESC) AS rn
    FROM submission s WHERE status = '{{submission_accepted}}')
WHERE rn = 1;
COMMENT ON VIEW current_submission IS 'Grain: state x year. The latest accepted revision per state and year (later receipt breaks a tie).';
