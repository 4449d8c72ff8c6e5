-- Grain: state x year x series.
CREATE OR REPLACE VIEW current_observation AS
SELECT o.*, s.revision, s.received_at
FROM observation o JOIN current_submission s USING (submission_id);
COMMENT ON VIEW current_observation IS 'Grain: state x year x series. The current figures: observations of current_submission, with its revision and received_at.';
