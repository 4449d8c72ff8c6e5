-- The warehouse keeps everything: raw files, every submission with its validation report,
-- append-only observations, and an audit log. "Current" and "as of" are views over it.

CREATE TABLE raw_file (
    sha256         VARCHAR PRIMARY KEY,
    original_name  VARCHAR NOT NULL,
    byte_size      BIGINT NOT NULL,
    archive_path   VARCHAR NOT NULL,
    first_received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE submission (
    submission_id        VARCHAR PRIMARY KEY,
    geo                  VARCHAR,
    time_period          SMALLINT,
    revision             INTEGER,
    received_at          TIMESTAMPTZ NOT NULL,
    format               VARCHAR NOT NULL,
    sha256               VARCHAR NOT NULL REFERENCES raw_file (sha256),
    metadata_sha256      VARCHAR,
    contract_version     VARCHAR NOT NULL,
    status               VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected')),
    errors               INTEGER NOT NULL,
    warnings             INTEGER NOT NULL,
    report               JSON NOT NULL,
    ref_period_start     DATE,
    ref_period_end       DATE,
    legal_basis          VARCHAR,
    reporting_authority  VARCHAR,
    contact              VARCHAR,
    national_definitions VARCHAR
);

-- Columns after submission_id follow the contract's observation table
-- (tests/test_contract.py checks them against the DDL derived from the contract).
CREATE TABLE observation (
    submission_id VARCHAR NOT NULL REFERENCES submission (submission_id),
    geo           VARCHAR NOT NULL,
    time_period   SMALLINT NOT NULL,
    indicator     VARCHAR NOT NULL,
    sex           VARCHAR NOT NULL,
    reporter      VARCHAR NOT NULL,
    service       VARCHAR NOT NULL,
    obs_value     BIGINT,
    obs_status    VARCHAR,
    conf_status   VARCHAR,
    comment       VARCHAR,
    PRIMARY KEY (submission_id, indicator, sex, reporter, service)
);

-- Legal deadline per reporting year, appended whenever the configured one changes.
CREATE TABLE reporting_deadline (
    time_period SMALLINT NOT NULL,
    deadline    DATE NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE code_list (
    list  VARCHAR NOT NULL,
    code  VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    contract_version VARCHAR NOT NULL,
    PRIMARY KEY (list, code, contract_version)
);

CREATE SEQUENCE audit_seq;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMPTZ NOT NULL,
    actor    VARCHAR NOT NULL,
    action   VARCHAR NOT NULL,   -- ingest, duplicate, accept, reject, release, approve, ...
    object   VARCHAR NOT NULL,
    detail   JSON
);
