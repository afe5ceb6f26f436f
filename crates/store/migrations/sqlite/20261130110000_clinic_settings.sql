-- The clinic's own details for print headers: name, address, contact line and logo (a PNG or
-- JPEG as a data URL, at most 256 KiB before encoding). One row, id 1.
CREATE TABLE clinic_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    contact    TEXT NOT NULL,
    logo       TEXT,
    updated_at BIGINT NOT NULL
);
