-- The waitlist: see the PostgreSQL migration of the same number. SQLite
-- cannot drop a NOT NULL or change a CHECK, so emails is built again.

-- +goose Up
CREATE TABLE waitlist (
    id                integer PRIMARY KEY AUTOINCREMENT,
    reference         text NOT NULL UNIQUE,
    token_hash        blob NOT NULL,
    token_sealed      blob,
    center_id         text NOT NULL,
    services          text NOT NULL,
    people            integer NOT NULL DEFAULT 1 CHECK (people > 0),
    language          text NOT NULL DEFAULT '',
    name              text NOT NULL,
    email             text NOT NULL,
    locale            text NOT NULL DEFAULT 'en',
    until_day         text NOT NULL,
    booking_id        integer REFERENCES bookings (id),
    status            text NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'expired', 'left')),
    offers            integer NOT NULL DEFAULT 0,
    missed            integer NOT NULL DEFAULT 0,
    offer_starts_at   timestamp,
    offer_ends_at     timestamp,
    offer_expires_at  timestamp,
    created_at        timestamp NOT NULL,
    updated_at        timestamp NOT NULL,
    erased_at         timestamp,
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL))
);

CREATE UNIQUE INDEX waitlist_one_place_idx ON waitlist (center_id, services, lower(email))
    WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_line_idx ON waitlist (center_id, id) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_offer_expires_idx ON waitlist (offer_expires_at) WHERE status = 'offered';
CREATE INDEX waitlist_kept_idx ON waitlist (until_day) WHERE erased_at IS NULL;

CREATE TABLE waitlist_events (
    id          integer PRIMARY KEY AUTOINCREMENT,
    center_id   text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('offer', 'accept', 'decline', 'expiry')),
    at          timestamp NOT NULL
);
CREATE INDEX waitlist_events_center_at_idx ON waitlist_events (center_id, at);

CREATE TABLE emails_new (
    id          integer PRIMARY KEY AUTOINCREMENT,
    booking_id  integer REFERENCES bookings (id),
    waitlist_id integer REFERENCES waitlist (id),
    kind        text NOT NULL CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder',
                    'waitlist-joined', 'waitlist-offer', 'waitlist-ended')),
    sequence    integer NOT NULL,
    starts_at   timestamp NOT NULL,
    ends_at     timestamp NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL,
    sent_at     timestamp,
    UNIQUE (booking_id, kind, sequence),
    CHECK ((booking_id IS NULL) <> (waitlist_id IS NULL))
);
INSERT INTO emails_new (id, booking_id, kind, sequence, starts_at, ends_at, state, attempts, last_error, created_at, updated_at, sent_at)
    SELECT id, booking_id, kind, sequence, starts_at, ends_at, state, attempts, last_error, created_at, updated_at, sent_at FROM emails;
DROP TABLE emails;
ALTER TABLE emails_new RENAME TO emails;
CREATE INDEX emails_queued_idx ON emails (id) WHERE state = 'queued';
CREATE UNIQUE INDEX emails_waitlist_idx ON emails (waitlist_id, kind, sequence) WHERE waitlist_id IS NOT NULL;

-- +goose Down
CREATE TABLE emails_old (
    id          integer PRIMARY KEY AUTOINCREMENT,
    booking_id  integer NOT NULL REFERENCES bookings (id),
    kind        text NOT NULL CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder')),
    sequence    integer NOT NULL,
    starts_at   timestamp NOT NULL,
    ends_at     timestamp NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL,
    sent_at     timestamp,
    UNIQUE (booking_id, kind, sequence)
);
INSERT INTO emails_old SELECT id, booking_id, kind, sequence, starts_at, ends_at, state, attempts, last_error, created_at, updated_at, sent_at
    FROM emails WHERE booking_id IS NOT NULL;
DROP TABLE emails;
ALTER TABLE emails_old RENAME TO emails;
CREATE INDEX emails_queued_idx ON emails (id) WHERE state = 'queued';
DROP TABLE waitlist_events;
DROP TABLE waitlist;
