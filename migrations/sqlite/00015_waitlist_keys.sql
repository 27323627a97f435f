-- A join of the waitlist sent again with the same Idempotency-Key (an API
-- client's retry, a join form sent twice, to any server process) gets the
-- entry the first made, as a booking does (idempotency_keys). The key and
-- the request are stored hashed; a key goes when its entry is erased.

-- +goose Up
CREATE TABLE waitlist_keys (
    key_hash      blob PRIMARY KEY,
    request_hash  blob NOT NULL,
    waitlist_id   integer NOT NULL REFERENCES waitlist (id),
    created_at    timestamp NOT NULL
);

-- +goose Down
DROP TABLE waitlist_keys;
