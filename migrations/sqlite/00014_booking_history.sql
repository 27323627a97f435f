-- A booking's story for staff reads the audit trail's entries about one
-- booking and its ticket: by center and subject (a reference, a ticket's
-- number, a closure's day), and for a ticket's number, which is drawn anew
-- each day, by time within the ticket's day. Without this index each such
-- page would read the whole trail, which grows with every call of a desk.

-- +goose Up
CREATE INDEX staff_audit_center_subject_idx ON staff_audit (center_id, subject, at);

-- +goose Down
DROP INDEX staff_audit_center_subject_idx;
