-- Each case names its one open clock timer (`replan_clock_timer`), so a case's timer is
-- found through the case's own row instead of an index of open jobs by case. That index
-- took a page keyed by a random case id at every report (one in six of the pages intake
-- wrote to SQLite's WAL) and at every job done (docs/performance.md, "Where intake's time
-- goes now"). Keep in step with
-- ../sqlite.
ALTER TABLE cases ADD COLUMN clock_job BIGINT;

-- The open clock timer of each case (replanning keeps at most one open; should there be
-- more, the newest is named and the others fire once, finding nothing due).
UPDATE cases SET clock_job = timers.id
FROM (SELECT case_id, MAX(id) AS id FROM outbox
      WHERE kind = 'wake' AND done_at IS NULL
        AND payload = '{"kind":"wake","reason":{"kind":"clocks"}}'
      GROUP BY case_id) AS timers
WHERE timers.case_id = cases.id;

DROP INDEX outbox_case_open;
