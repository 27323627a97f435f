-- Closures of part of a day, and the reason a booking was cancelled (a
-- closure, or staff), which its cancellation email tells.

-- +goose Up
-- Minutes from local midnight; both NULL for a closure of the whole day.
ALTER TABLE closures ADD COLUMN from_minute integer;
ALTER TABLE closures ADD COLUMN to_minute integer;
ALTER TABLE bookings ADD COLUMN cancel_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE bookings DROP COLUMN cancel_reason;
ALTER TABLE closures DROP COLUMN to_minute;
ALTER TABLE closures DROP COLUMN from_minute;
