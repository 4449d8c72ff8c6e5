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

-- Latest accepted revision per state and year (later receipt breaks a tie).
CREATE VIEW current_submission AS
SELECT * EXCLUDE (rn) FROM (
    SELECT s.*, row_number() OVER (
        PARTITION BY geo, time_period ORDER BY revision DESC, received_at DESC, submission_id DESC) AS rn
    FROM submission s WHERE status = 'accepted')
WHERE rn = 1;

CREATE VIEW current_observation AS
SELECT o.*, s.revision, s.received_at
FROM observation o JOIN current_submission s USING (submission_id);

-- Every submission with its life-cycle status: an accepted one replaced by a later
-- accepted revision is superseded.
CREATE VIEW submission_status AS
SELECT s.* EXCLUDE (status, report),
       CASE WHEN s.status = 'rejected' THEN 'rejected'
            WHEN c.submission_id IS NULL THEN 'superseded'
            ELSE 'accepted' END AS status,
       s.report
FROM submission s LEFT JOIN current_submission c USING (submission_id);

-- The figures as they stood at a point in time (by time of receipt).
CREATE MACRO observation_as_of(ts) AS TABLE
SELECT o.* FROM observation o JOIN (
    SELECT * EXCLUDE (rn) FROM (
        SELECT s.*, row_number() OVER (
            PARTITION BY geo, time_period ORDER BY revision DESC, received_at DESC, submission_id DESC) AS rn
        FROM submission s WHERE status = 'accepted' AND received_at <= CAST(ts AS TIMESTAMPTZ))
    WHERE rn = 1) s USING (submission_id);

-- Submitted, late or missing, against the latest configured deadline of each year.
CREATE VIEW submission_tracker AS
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
