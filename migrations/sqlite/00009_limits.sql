-- Abuse limits: requests counted per client address and minute, shared by
-- every server on the database, and an index for counting the active
-- bookings of an email address.

-- +goose Up
-- bucket is a keyed hash of the client address, never the address itself.
CREATE TABLE rate_hits (
    bucket       blob NOT NULL,
    window_start timestamp NOT NULL,
    n            integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_hits_window ON rate_hits (window_start);
CREATE INDEX bookings_email_starts ON bookings (lower(email), starts_at);

-- +goose Down
DROP INDEX bookings_email_starts;
DROP TABLE rate_hits;
