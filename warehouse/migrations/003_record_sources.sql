-- Data minimisation: of record-level sources (case exports, child-identification registers,
-- conviction records) the national warehouse keeps only this manifest - which file, its
-- SHA-256 and row count, and the aggregate submission counted from it - never a record.
-- Appended on every aggregation; deletions by the retention job are in audit_log.
CREATE TABLE record_source (
    aggregated_at    TIMESTAMPTZ NOT NULL,
    geo              VARCHAR NOT NULL,
    time_period      SMALLINT NOT NULL,
    output_file      VARCHAR NOT NULL,   -- the aggregate submission file written from the records
    record_table     VARCHAR NOT NULL,   -- report | child | conviction (records contract)
    file_name        VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    row_count        BIGINT NOT NULL,
    byte_size        BIGINT NOT NULL,
    contract_version VARCHAR NOT NULL    -- version of contracts/records.odcs.yaml
);
