-- The report's JSON format version as a column, so finding reports of an older format (to
-- recompute at start) is an index lookup instead of reading every report.
ALTER TABLE reports ADD COLUMN report_format INTEGER NOT NULL DEFAULT 1;
UPDATE reports SET report_format = COALESCE((report_json::jsonb ->> 'format_version')::integer, 1);
CREATE INDEX reports_format ON reports (report_format);
