-- Indexes that keep the hot queries' cost flat as history grows: each
-- reads the rows it returns, not a center's or the service's whole past.
-- booking/store/queries.go names the query each one serves.

-- +goose Up
-- A week of a center's seat counters, whatever the resource. The primary key
-- (center_id, resource, starts_at) would walk each resource's whole history.
CREATE INDEX slot_counters_center_id_starts_at_idx ON slot_counters (center_id, starts_at);

-- The emails still to deliver: few at any time among millions sent, paged
-- through by ID. Queries must spell state = 'queued' as a literal for it to
-- apply.
CREATE INDEX emails_queued_idx ON emails (id) WHERE state = 'queued';

-- The bookings whose manage links still work, checked against the catalogue
-- at startup.
CREATE INDEX bookings_ends_at_idx ON bookings (ends_at);

-- +goose Down
DROP INDEX bookings_ends_at_idx;
DROP INDEX emails_queued_idx;
DROP INDEX slot_counters_center_id_starts_at_idx;
