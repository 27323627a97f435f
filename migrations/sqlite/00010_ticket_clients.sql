-- Walk-in tickets counted per client address, center and day, so that one
-- address cannot fill a queue: a row is upserted in the transaction that
-- issues the ticket (INSERT ... ON CONFLICT DO UPDATE SET n = n + 1
-- RETURNING n), so servers sharing the database count together and a
-- refused or failed ticket counts nothing. Rows of past days are deleted
-- now and then.

-- +goose Up
-- client is a keyed hash of the client address, never the address itself;
-- day is YYYY-MM-DD text, as in tickets.
CREATE TABLE ticket_clients (
    center_id  text NOT NULL,
    day        text NOT NULL,
    client     blob NOT NULL,
    n          integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (center_id, day, client)
) WITHOUT ROWID;
CREATE INDEX ticket_clients_day ON ticket_clients (day);

-- +goose Down
DROP TABLE ticket_clients;
