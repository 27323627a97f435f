-- The emails a booking gets: one row per change told to the newcomer,
-- written in the same transaction as the change, with the times as they
-- were after it. The unique key is what makes delivery safe to repeat: a
-- change is recorded once, and a booking gets one reminder per version.

-- +goose Up
CREATE TABLE emails (
    id          integer PRIMARY KEY AUTOINCREMENT,
    booking_id  integer NOT NULL REFERENCES bookings (id),
    kind        text NOT NULL CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder')),
    sequence    integer NOT NULL,
    starts_at   timestamp NOT NULL,
    ends_at     timestamp NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL,
    sent_at     timestamp,
    -- Its index, which leads with booking_id, also serves listing the
    -- emails of a booking.
    UNIQUE (booking_id, kind, sequence)
);

-- Reminders look for the confirmed bookings starting in a window, across
-- centers. Partial rather than on (status, starts_at): smaller, and SQLite,
-- which has no statistics unless ANALYZE runs, would otherwise prefer it to
-- bookings_center_id_starts_at_idx for a center's appointments too. Queries
-- must spell status = 'confirmed' as a literal for it to apply.
CREATE INDEX bookings_confirmed_starts_at_idx ON bookings (starts_at) WHERE status = 'confirmed';

-- +goose Down
DROP INDEX bookings_confirmed_starts_at_idx;
DROP TABLE emails;
