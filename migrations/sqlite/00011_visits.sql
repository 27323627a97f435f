-- A booking is one visit: one or more services in order, for one or more
-- people. service_id stays the visit's first service.

-- +goose Up
-- services lists the visit's service ids in order, separated by spaces
-- (ids are slugs without spaces), service_id first.
ALTER TABLE bookings ADD COLUMN services text NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN people integer NOT NULL DEFAULT 1 CHECK (people > 0);
UPDATE bookings SET services = service_id;

-- +goose Down
ALTER TABLE bookings DROP COLUMN people;
ALTER TABLE bookings DROP COLUMN services;
