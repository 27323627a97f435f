-- When a booking's personal data was erased (see booking.Scheduler's
-- EraseExpired and Erase); NULL while it is kept. The partial index serves
-- the hourly look-out for bookings past their retention, so its cost follows
-- the bookings not yet erased, not the years of history; the second finds
-- the erased bookings whose email address waits for a last email.

-- +goose Up
ALTER TABLE bookings ADD COLUMN erased_at timestamptz;
CREATE INDEX bookings_unerased_ends_at_idx ON bookings (ends_at) WHERE erased_at IS NULL;
CREATE INDEX bookings_erasing_idx ON bookings (id) WHERE erased_at IS NOT NULL AND email <> '';

-- +goose Down
DROP INDEX bookings_erasing_idx;
DROP INDEX bookings_unerased_ends_at_idx;
ALTER TABLE bookings DROP COLUMN erased_at;
