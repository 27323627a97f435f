-- Staff accounts of the back office, their sessions (the table scs's
-- postgresstore reads and writes), the audit trail of what staff do, and the
-- failed logins that slow down guessing, counted here so that every server
-- process sees the same counts.

-- +goose Up
CREATE TABLE staff_accounts (
    id             bigserial PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email)),
    center_id      text NOT NULL DEFAULT '',
    role           text NOT NULL CHECK (role IN ('staff', 'admin')),
    password_hash  text NOT NULL,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL
);

CREATE UNIQUE INDEX staff_accounts_email_idx ON staff_accounts (lower(email));

CREATE TABLE sessions (
    token   text PRIMARY KEY,
    data    bytea NOT NULL,
    expiry  timestamptz NOT NULL
);

CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE staff_audit (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES staff_accounts (id),
    center_id   text NOT NULL DEFAULT '',
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL
);

CREATE INDEX staff_audit_at_idx ON staff_audit (at DESC, id DESC);

-- key is a SHA-256 of what is counted (an email as typed, or a client
-- address), so that mistyped emails are not kept.
CREATE TABLE staff_login_failures (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failed_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE staff_login_failures;
DROP TABLE staff_audit;
DROP TABLE sessions;
DROP TABLE staff_accounts;
