-- The desk page's days: totals a client's browser measured at their desk (no frame, landmark
-- or posture value), one row per client and day, erased with the client.
CREATE TABLE desk_days (
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    sitting_ms      BIGINT NOT NULL,
    longest_bout_ms BIGINT NOT NULL,
    breaks_offered  BIGINT NOT NULL,
    breaks_taken    BIGINT NOT NULL,
    readable_ms     BIGINT NOT NULL,
    within_ms       BIGINT NOT NULL,
    nudges          BIGINT NOT NULL,
    exercises_done  BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (client_id, day)
);
