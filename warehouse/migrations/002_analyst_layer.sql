-- The analyst layer: documented views over the stored tables, plus the contract's series.
-- Views only read; nothing here changes what 001 stores. `current_figure_wide` is not here:
-- its columns are the contract's series, so warehouse/db.py derives it from the contract.

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
COMMENT ON VIEW current_submission IS 'Grain: state x year. The latest accepted revision per state and year (later receipt breaks a tie).';
COMMENT ON VIEW current_observation IS 'Grain: state x year x series. The current figures: observations of current_submission, with its revision and received_at.';
COMMENT ON VIEW submission_status IS 'Grain: submission. Every submission with its life-cycle status: accepted (current), superseded (replaced by a later accepted revision) or rejected.';
COMMENT ON VIEW submission_tracker IS 'Grain: state x reporting year. on time, late, missing, rejected or not yet due, against the latest configured deadline of the year.';
COMMENT ON MACRO TABLE observation_as_of IS 'observation_as_of(ts): the figures as they stood at timestamp ts (latest accepted revision received at or before ts), same columns as observation.';

-- One row per validation issue of every submission (from the stored JSON report).
CREATE VIEW submission_issue AS
SELECT submission_id, geo, time_period, revision, received_at, status, issue_no,
       issue ->> 'rule' AS rule,
       CAST(issue ->> 'level' AS INTEGER) AS level,
       issue ->> 'severity' AS severity,
       issue ->> 'location' AS location,
       issue ->> 'field' AS field,
       issue ->> 'value' AS value,
       issue ->> 'expected' AS expected,
       issue ->> 'message' AS message
FROM (
    SELECT s.submission_id, s.geo, s.time_period, s.revision, s.received_at, s.status,
           unnest(generate_series(1, len(i.issues))) AS issue_no, unnest(i.issues) AS issue
    FROM submission_status s,
         LATERAL (SELECT json_extract(s.report, '$.issues[*]') AS issues) i
    WHERE len(i.issues) > 0
);
COMMENT ON VIEW submission_issue IS 'Grain: submission x issue. Every validation issue of every submission (rule, ESS level, severity, location, value, message), with the submission''s life-cycle status. Rejected submissions with their errors: WHERE status = ''rejected'' AND severity = ''error''.';

-- Files received again: recognised by checksum, logged, never a second submission.
CREATE VIEW duplicate_arrival AS
SELECT audit_id, logged_at, actor, object AS submission_id, detail ->> 'file' AS file
FROM audit_log WHERE action = 'duplicate';
COMMENT ON VIEW duplicate_arrival IS 'Grain: arrival. A file received again (same SHA-256 of data and metadata): the submission it duplicates, the file name, when and by whom. It added nothing else.';

-- A state's figures over the years, with the change against the year before.
CREATE VIEW state_time_series AS
SELECT o.geo, o.indicator, o.sex, o.reporter, o.service, o.time_period, o.obs_value, o.obs_status,
       o.revision, s.ref_period_start, s.ref_period_end,
       CASE WHEN lag(o.time_period) OVER w = o.time_period - 1 THEN lag(o.obs_value) OVER w END
           AS previous_value,
       o.obs_value - previous_value AS change,
       round((o.obs_value - previous_value) / nullif(previous_value, 0), 4) AS relative_change
FROM current_observation o JOIN current_submission s USING (submission_id)
WINDOW w AS (PARTITION BY o.geo, o.indicator, o.sex, o.reporter, o.service ORDER BY o.time_period);
COMMENT ON VIEW state_time_series IS 'Grain: state x series x year. Current figures as a time series with the value of the year before, the change and the relative change; the reference period shows partial years (2021 starts in August).';

-- The EU aggregate: a sum over the states that gave the figure, never a bare total.
CREATE VIEW eu_aggregate AS
WITH members AS (
    SELECT list_sort(list(DISTINCT code)) AS geos, count(DISTINCT code) AS member_states
    FROM code_list WHERE list = 'geo'),
per_series AS (
    SELECT time_period, indicator, sex, reporter, service,
           CAST(sum(obs_value) AS BIGINT) AS partial_sum,
           count(obs_value) AS contributing_states,
           list(geo) FILTER (WHERE obs_value IS NOT NULL) AS contributing
    FROM current_observation GROUP BY ALL)
SELECT 'EU27_2020' AS geo, p.time_period, p.indicator, p.sex, p.reporter, p.service,
       CASE WHEN p.contributing_states = m.member_states THEN p.partial_sum END AS eu_total,
       p.partial_sum,
       p.contributing_states,
       m.member_states,
       p.contributing_states = m.member_states AS coverage_complete,
       list_filter(m.geos, lambda g: NOT list_contains(coalesce(p.contributing, []), g)) AS missing_states
FROM per_series p CROSS JOIN members m;
COMMENT ON VIEW eu_aggregate IS 'Grain: year x series. The EU27_2020 aggregate of current figures with its coverage: contributing_states of member_states (the geo code list). eu_total is filled only when coverage_complete; otherwise read partial_sum with missing_states: it is not an EU total.';

-- Article 8(b): children identified by sex, with each sex's share of the total.
CREATE VIEW children_by_sex AS
WITH labels AS (SELECT code, arg_max(label, contract_version) AS label FROM code_list
                WHERE list = 'sex' GROUP BY code)
SELECT p.geo, p.time_period, p.sex, l.label AS sex_label,
       p.obs_value AS children, t.obs_value AS children_total,
       round(p.obs_value / nullif(t.obs_value, 0), 4) AS share,
       p.obs_status, p.comment, p.revision
FROM current_observation p
JOIN current_observation t
  ON t.submission_id = p.submission_id AND t.indicator = p.indicator AND t.sex = 'T'
LEFT JOIN labels l ON l.code = p.sex
WHERE p.indicator = 'CHILD_IDN' AND p.sex <> 'T';
COMMENT ON VIEW children_by_sex IS 'Grain: state x year x sex (F, M, U). Children identified (Art. 8(b)) per sex with the total and the share; empty with obs_status m where a state has no breakdown by sex.';

-- Data quality: what validation said about each state and year.
CREATE VIEW data_quality AS
WITH received AS (
    SELECT geo, time_period, count(*) AS submissions,
           count(*) FILTER (WHERE status = 'rejected') AS rejected_submissions,
           CAST(coalesce(sum(errors) FILTER (WHERE status = 'rejected'), 0) AS BIGINT) AS errors_in_rejected
    FROM submission_status GROUP BY ALL),
current_issues AS (
    SELECT submission_id,
           count(*) FILTER (WHERE severity = 'warning') AS warnings,
           count(*) FILTER (WHERE severity = 'information') AS notes,
           list_sort(list(DISTINCT rule) FILTER (WHERE severity = 'warning')) AS warning_rules
    FROM submission_issue GROUP BY ALL)
SELECT r.geo, r.time_period, c.submission_id AS current_submission_id, c.revision AS current_revision,
       coalesce(i.warnings, 0) AS warnings, coalesce(i.notes, 0) AS notes,
       coalesce(i.warning_rules, []) AS warning_rules,
       r.submissions, r.rejected_submissions, r.errors_in_rejected
FROM received r
LEFT JOIN current_submission c ON c.geo = r.geo AND c.time_period = r.time_period
LEFT JOIN current_issues i ON i.submission_id = c.submission_id;
COMMENT ON VIEW data_quality IS 'Grain: state x year received. Warnings and notes of the current submission (with the rules that warned), and how many submissions were rejected with how many errors. Per state: SELECT geo, sum(warnings) FROM data_quality GROUP BY geo.';
