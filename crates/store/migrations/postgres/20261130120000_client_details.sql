-- A client's details beyond the name: date of birth, contact, and the consent they gave (which
-- version of the clinic's consent statement, which parts, on which day). One row per client,
-- erased with the client.
CREATE TABLE client_details (
    client_id       TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    date_of_birth   TEXT,
    phone           TEXT NOT NULL,
    email           TEXT NOT NULL,
    consent_version TEXT,
    consent_items   TEXT NOT NULL,
    consent_on      TEXT,
    updated_at      BIGINT NOT NULL
);
