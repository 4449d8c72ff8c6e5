-- Migrations hold tables only. The views and the table macro that 001 and 002 created now
-- live in warehouse/views/*.sql (one file per view), re-created by warehouse/db.py on every
-- open: a new or changed view reaches an existing warehouse without a migration.
DROP VIEW IF EXISTS data_quality;
DROP VIEW IF EXISTS children_by_sex;
DROP VIEW IF EXISTS eu_aggregate;
DROP VIEW IF EXISTS state_time_series;
DROP VIEW IF EXISTS duplicate_arrival;
DROP VIEW IF EXISTS submission_issue;
DROP VIEW IF EXISTS submission_tracker;
DROP MACRO TABLE IF EXISTS observation_as_of;
DROP VIEW IF EXISTS submission_status;
DROP VIEW IF EXISTS current_figure_wide;
DROP VIEW IF EXISTS current_observation;
DROP VIEW IF EXISTS current_submission;
