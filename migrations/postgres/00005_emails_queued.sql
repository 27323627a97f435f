-- The queued emails, which the queue's look-out pages through every few
-- minutes to give any left without a delivery job a new one: a handful of
-- rows in a table that keeps every email ever sent. Queries must spell
-- state = 'queued' as a literal for the index to apply.

-- +goose Up
CREATE INDEX emails_queued_idx ON emails (id) WHERE state = 'queued';

-- +goose Down
DROP INDEX emails_queued_idx;
