-- The first Tonus schema for PostgreSQL: accounts, clients and their clinical record, access tokens and the audit log.
-- Timestamps are Unix milliseconds (UTC); identifiers are UUIDv7 text; JSON documents are text.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'practitioner', 'client')),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE clients (
    id                 TEXT PRIMARY KEY NOT NULL,
    owner_id           TEXT NOT NULL REFERENCES users (id),
    display_name       TEXT NOT NULL,
    reference          TEXT,
    shared_with_clinic BOOLEAN NOT NULL DEFAULT FALSE,
    user_id            TEXT UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX clients_owner ON clients (owner_id);

CREATE TABLE assessments (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'complete')),
    form_json    TEXT NOT NULL,
    intake_json  TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX assessments_client ON assessments (client_id, created_at);

CREATE TABLE photos (
    id            TEXT PRIMARY KEY NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    content_hash  TEXT NOT NULL,
    rel_path      TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    view          TEXT NOT NULL,
    byte_len      BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX photos_assessment ON photos (assessment_id);
CREATE INDEX photos_hash ON photos (content_hash);

CREATE TABLE landmark_sets (
    id                TEXT PRIMARY KEY NOT NULL,
    assessment_id     TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    photo_id          TEXT REFERENCES photos (id) ON DELETE SET NULL,
    view              TEXT NOT NULL,
    landmarks_json    TEXT NOT NULL,
    model             TEXT NOT NULL,
    model_version     TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('automatic', 'manual')),
    moved_points_json TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX landmark_sets_assessment ON landmark_sets (assessment_id);

CREATE TABLE reports (
    id             TEXT PRIMARY KEY NOT NULL,
    assessment_id  TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    report_json    TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX reports_assessment ON reports (assessment_id, created_at);

CREATE TABLE plans (
    id               TEXT PRIMARY KEY NOT NULL,
    assessment_id    TEXT NOT NULL UNIQUE REFERENCES assessments (id) ON DELETE CASCADE,
    engine_plan_json TEXT NOT NULL,
    edited_plan_json TEXT,
    edited_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
    edited_at        BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE TABLE notes (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    assessment_id TEXT REFERENCES assessments (id) ON DELETE CASCADE,
    author_id     TEXT NOT NULL REFERENCES users (id),
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX notes_client ON notes (client_id, created_at);

CREATE TABLE share_links (
    id         TEXT PRIMARY KEY NOT NULL,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX share_links_client ON share_links (client_id);

-- The audit log deliberately has no foreign keys: it outlives the records and accounts it names,
-- and holds identifiers only, never names or clinical content.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY NOT NULL,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_id, at);
CREATE INDEX audit_log_at ON audit_log (at);
