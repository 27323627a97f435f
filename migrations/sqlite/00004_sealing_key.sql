-- The check value of the key that seals manage tokens (ICS_SECRET_KEY_FILE):
-- an HMAC-SHA256 of a fixed label under the key, never the key itself. One
-- row, written by the first server to start; every later server must have
-- the same key, or the tokens sealed for queued emails could not be opened.

-- +goose Up
CREATE TABLE sealing_key (
    id           integer PRIMARY KEY CHECK (id = 1),
    check_value  blob NOT NULL,
    created_at   timestamp NOT NULL
);

-- +goose Down
DROP TABLE sealing_key;
