-- Grain: state x year.
CREATE OR REPLACE VIEW comparability_child_upper_age AS
SELECT s.geo, s.time_period, TRY_CAST(s.metadata->>'$.child_upper_age' AS INTEGER) AS child_upper_age,
       {{ref_child_upper_age}} AS reference, child_upper_age <> reference AS differs
FROM current_submission s;
COMMENT ON VIEW comparability_child_upper_age IS 'Grain: state x year. The declared upper age of a child (a child is a person under it) against the contract''s reference definition; differs is true where status d was set on CHILD_IDN.';
