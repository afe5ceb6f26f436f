-- The client list reads clients in name order, case-insensitively, a page at a time: an index
-- in that order lets it stop after the page instead of sorting every client on each visit.
CREATE INDEX clients_name_order ON clients (lower(display_name), id);
