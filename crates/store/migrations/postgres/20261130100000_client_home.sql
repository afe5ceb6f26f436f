-- The client's home page: the exercises they ticked as done, one row per client, day and
-- exercise (a tick taken back deletes its row), and their weekly pain check-in (NPRS 0-10),
-- one row per client and week (the week's Monday), the latest answer kept. Erased with the
-- client.
CREATE TABLE exercise_ticks (
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, day, exercise_id)
);

CREATE TABLE pain_checkins (
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    week       TEXT NOT NULL,
    nprs       BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, week)
);
