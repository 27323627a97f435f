-- The waitlist: newcomers who found no time wait, in the order they
-- joined, for a seat of one visit (services in order and people) at one
-- center. A freed seat is held for the first entry it suits: the hold takes
-- seats on slot_counters exactly as a booking does, so the counters always
-- equal the bookings plus the holds. Emails tell an entry of its place,
-- its offers and its end, through the same emails table and delivery as a
-- booking's.

-- +goose Up
CREATE TABLE waitlist (
    id                bigserial PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    token_hash        bytea NOT NULL,
    token_sealed      bytea,
    center_id         text NOT NULL,
    -- the visit's service ids in order, separated by spaces, as bookings.services
    services          text NOT NULL,
    people            integer NOT NULL DEFAULT 1 CHECK (people > 0),
    language          text NOT NULL DEFAULT '',
    name              text NOT NULL,
    email             text NOT NULL,
    locale            text NOT NULL DEFAULT 'en',
    -- the last day the newcomer would accept, YYYY-MM-DD
    until_day         text NOT NULL,
    -- the booking an earlier time would replace, if any
    booking_id        bigint REFERENCES bookings (id),
    status            text NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'expired', 'left')),
    -- offers made; while offered, the number of the current one
    offers            integer NOT NULL DEFAULT 0,
    -- offers let expire
    missed            integer NOT NULL DEFAULT 0,
    offer_starts_at   timestamptz,
    offer_ends_at     timestamptz,
    offer_expires_at  timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    erased_at         timestamptz,
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL))
);

-- One place per email address, center and visit while it waits.
CREATE UNIQUE INDEX waitlist_one_place_idx ON waitlist (center_id, services, lower(email))
    WHERE status IN ('waiting', 'offered');
-- A center's line, in the order entries joined.
CREATE INDEX waitlist_line_idx ON waitlist (center_id, id) WHERE status IN ('waiting', 'offered');
-- Offers whose hold ran out, for the look-out.
CREATE INDEX waitlist_offer_expires_idx ON waitlist (offer_expires_at) WHERE status = 'offered';
-- Entries whose personal data is still kept, for the erasure.
CREATE INDEX waitlist_kept_idx ON waitlist (until_day) WHERE erased_at IS NULL;

-- What happened to offers, for the statistics: offer, accept, decline, expiry.
CREATE TABLE waitlist_events (
    id          bigserial PRIMARY KEY,
    center_id   text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('offer', 'accept', 'decline', 'expiry')),
    at          timestamptz NOT NULL
);
CREATE INDEX waitlist_events_center_at_idx ON waitlist_events (center_id, at);

-- An email is about a booking or about a waitlist entry.
ALTER TABLE emails ALTER COLUMN booking_id DROP NOT NULL;
ALTER TABLE emails ADD COLUMN waitlist_id bigint REFERENCES waitlist (id);
ALTER TABLE emails ADD CONSTRAINT emails_subject_check CHECK ((booking_id IS NULL) <> (waitlist_id IS NULL));
ALTER TABLE emails DROP CONSTRAINT emails_kind_check;
ALTER TABLE emails ADD CONSTRAINT emails_kind_check CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder',
    'waitlist-joined', 'waitlist-offer', 'waitlist-ended'));
CREATE UNIQUE INDEX emails_waitlist_idx ON emails (waitlist_id, kind, sequence) WHERE waitlist_id IS NOT NULL;

-- +goose Down
DROP INDEX emails_waitlist_idx;
DELETE FROM emails WHERE waitlist_id IS NOT NULL;
ALTER TABLE emails DROP CONSTRAINT emails_kind_check;
ALTER TABLE emails ADD CONSTRAINT emails_kind_check CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder'));
ALTER TABLE emails DROP CONSTRAINT emails_subject_check;
ALTER TABLE emails DROP COLUMN waitlist_id;
ALTER TABLE emails ALTER COLUMN booking_id SET NOT NULL;
DROP TABLE waitlist_events;
DROP TABLE waitlist;
