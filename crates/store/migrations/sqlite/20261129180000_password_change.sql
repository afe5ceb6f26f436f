-- An account whose password someone else chose (an administrator creating or resetting it, a
-- therapist creating a client's login) must change it at its first login.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
