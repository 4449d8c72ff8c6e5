-- The digest of the view statements the views were last created from: a writer re-creates the
-- views only when it differs (a view file or a contract code changed), not on every open.
CREATE TABLE view_digest (sha256 VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL);
COMMENT ON TABLE view_digest IS 'One row: the SHA-256 of the SQL of every view (warehouse/views/*.sql filled from the contract) as last created.';
