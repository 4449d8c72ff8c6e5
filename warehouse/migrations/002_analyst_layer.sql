-- The analyst layer's table: the contract's series, plus the documentation of 001's tables.
-- The views live in warehouse/views/*.sql (this file created them until contract 1.3.0).

-- The contract's series keys, registered from the contract by warehouse/db.py (like code_list).
CREATE TABLE series (
    series_code      VARCHAR NOT NULL,
    indicator        VARCHAR NOT NULL,
    sex              VARCHAR NOT NULL,
    reporter         VARCHAR NOT NULL,
    service          VARCHAR NOT NULL,
    point            VARCHAR NOT NULL,
    label            VARCHAR NOT NULL,
    contract_version VARCHAR NOT NULL,
    PRIMARY KEY (indicator, sex, reporter, service, contract_version)
);

COMMENT ON TABLE raw_file IS 'The raw archive: one row per distinct received file (SHA-256), stored byte for byte at archive_path before parsing. Written in the same transaction as its first submission.';
COMMENT ON TABLE submission IS 'The submission registry: one row per received submission (accepted or rejected) with its metadata, checksum, contract version and JSON validation report. Never updated; see submission_status for superseded.';
COMMENT ON TABLE observation IS 'Append-only figures, one row per series key of an accepted submission. A revision adds rows; nothing is deleted or updated.';
COMMENT ON TABLE reporting_deadline IS 'The configured legal deadline of each reporting year, appended whenever it changes (the latest set_at counts).';
COMMENT ON TABLE code_list IS 'Code lists with labels, registered from the contract, per contract version.';
COMMENT ON TABLE series IS 'The series keys of the contract, per contract version; series_code is the column name in current_figure_wide.';
COMMENT ON TABLE audit_log IS 'Who did what when: ingest, duplicate (the same file arriving again), accept, reject, release, approve. object is a submission id or a release (GEO-YEAR-vN); detail is JSON.';
COMMENT ON TABLE schema_version IS 'Migrations applied to this file, in order, with the SHA-256 of each migration file.';
COMMENT ON COLUMN submission.received_at IS 'When the file landed (its modification time at landing); the basis of late and of as_of.';
COMMENT ON COLUMN submission.sha256 IS 'SHA-256 of the received file (raw_file.sha256).';
COMMENT ON COLUMN submission.metadata_sha256 IS 'SHA-256 of the metadata side file (CSV, SDMX-CSV), if any.';
COMMENT ON COLUMN submission.format IS 'Format the file was read as: xlsx, csv, json or sdmx-csv.';
COMMENT ON COLUMN submission.contract_version IS 'Version of the contract the submission was validated against.';
COMMENT ON COLUMN submission.status IS 'accepted or rejected on receipt (never changed; superseded is derived in submission_status).';
COMMENT ON COLUMN submission.errors IS 'Number of validation errors (any error rejects).';
COMMENT ON COLUMN submission.warnings IS 'Number of validation warnings.';
COMMENT ON COLUMN submission.report IS 'The full validation report (JSON): every issue with rule, level, severity, location, value.';
COMMENT ON COLUMN observation.submission_id IS 'The submission the figure came from.';
COMMENT ON COLUMN audit_log.action IS 'ingest, duplicate, accept, reject, release, approve.';
