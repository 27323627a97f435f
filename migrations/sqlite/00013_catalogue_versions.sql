-- The catalogue's numbered versions: see the PostgreSQL migration of the
-- same number. SQLite has one server process, which knows its own changes.

-- +goose Up
CREATE TABLE catalogue_versions (
    number      integer PRIMARY KEY CHECK (number > 0),
    document    text NOT NULL,
    author      text NOT NULL,
    note        text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL
);

-- +goose Down
DROP TABLE catalogue_versions;
