-- The catalogue of centers and services, kept as numbered versions so that
-- admins change it in the browser without a restart: the latest version is
-- the one in use, every server process loads it at startup and again when
-- a new one is announced (NOTIFY icsbooking_catalogue, with its number).
-- A version is never changed or deleted; a revert is a new version with
-- an old one's content. The number is the key: two admins who change the
-- same version race for the next number, and the second is told the
-- catalogue moved.

-- +goose Up
-- document is the YAML of booking/catalogue in its canonical form; author
-- is the staff account's email, or what loaded it ("import", "seed");
-- note says how it came about (a revert names the version it restores).
CREATE TABLE catalogue_versions (
    number      integer PRIMARY KEY CHECK (number > 0),
    document    text NOT NULL,
    author      text NOT NULL,
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE catalogue_versions;
