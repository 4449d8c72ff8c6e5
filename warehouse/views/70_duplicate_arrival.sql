-- Grain: arrival.
CREATE OR REPLACE VIEW duplicate_arrival AS
SELECT audit_id, logged_at, actor, object AS submission_id, detail ->> 'file' AS file
FROM audit_log WHERE action = '{{action_duplicate}}';
COMMENT ON VIEW duplicate_arrival IS 'Grain: arrival. A file received again (same SHA-256 of data and metadata): the submission it duplicates, the file name, when and by whom. It added nothing else.';
