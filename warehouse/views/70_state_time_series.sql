-- Grain: state x series x year.
CREATE OR REPLACE VIEW state_time_series AS
SELECT o.geo, o.indicator, o.sex, o.reporter, o.service, o.time_period, o.obs_value, o.obs_status,
       o.revision, s.ref_period_start, s.ref_period_end,
       CASE WHEN lag(o.time_period) OVER w = o.time_period - 1 THEN lag(o.obs_value) OVER w END
           AS previous_value,
       o.obs_value - previous_value AS change,
       round((o.obs_value - previous_value) / nullif(previous_value, 0), 4) AS relative_change
FROM current_observation o JOIN current_submission s USING (submission_id)
WINDOW w AS (PARTITION BY o.geo, o.indicator, o.sex, o.reporter, o.service ORDER BY o.time_period);
COMMENT ON VIEW state_time_series IS 'Grain: state x series x year. Current figures as a time series with the value of the year before, the change and the relative change; the reference period shows partial years (2021 starts in August).';
