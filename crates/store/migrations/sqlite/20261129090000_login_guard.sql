-- Failed logins and the places each account logs in from, kept in the database so every server
-- process on it (several on one PostgreSQL) applies the same limits.
-- Keys are 'account:<user id>', 'name:<short hash of an unknown login name>' and
-- 'address:<hash of the client address>'; typed text and raw addresses are never stored.
CREATE TABLE login_failures (
    counter_key     TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    first_failed_at BIGINT NOT NULL,
    last_failed_at  BIGINT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_failed_at);

-- Where an account has logged in successfully before: 'address:<hash>' or 'device:<hash of the
-- device cookie>'. A correct password from one of these is never refused by the limiter.
CREATE TABLE login_origins (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    origin          TEXT NOT NULL,
    last_success_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, origin)
);
CREATE INDEX login_origins_last ON login_origins (last_success_at);
