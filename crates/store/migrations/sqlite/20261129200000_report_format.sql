-- The report's JSON format version as a column, so finding reports of an older format (to
-- recompute at start) is an index lookup instead of reading every report.
ALTER TABLE reports ADD COLUMN report_format INTEGER NOT NULL DEFAULT 1;
UPDATE reports SET report_format = COALESCE(json_extract(report_json, '$.format_version'), 1) WHERE json_valid(report_json);
CREATE INDEX reports_format ON reports (report_format);
