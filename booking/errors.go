package booking

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every error the domain returns wraps one of them, so that
// callers can map them with errors.Is; an *Error adds the words a user reads.
var (
	// ErrNotFound: no such center, service or booking (or a wrong token,
	// which must look exactly the same).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request is malformed; an *Error lists the fields.
	ErrInvalid = errors.New("invalid input")
	// ErrNotBookable: the time cannot be booked (closed, outside hours, off
	// the slot grid, too soon, too far ahead, language not offered, ...).
	ErrNotBookable = errors.New("not bookable")
	// ErrSlotFull: the slot has no seat left, enforced by the database.
	ErrSlotFull = errors.New("slot full")
	// ErrConflict: the booking is not in a state that allows the change.
	ErrConflict = errors.New("conflict")
	// ErrStarted: the appointment has started, so the booking can no
	// longer be moved or cancelled. It is an ErrConflict too.
	ErrStarted = fmt.Errorf("appointment started: %w", ErrConflict)
	// ErrDuplicate: a unique value (reference, idempotency key) exists.
	ErrDuplicate = errors.New("duplicate")
	// ErrKeyReused: an Idempotency-Key came back with a different request.
	ErrKeyReused = errors.New("idempotency key reused")
	// ErrQueueClosed: the center takes no walk-in tickets now (closed, or
	// past the cutoff before closing); Error.At says when to come.
	ErrQueueClosed = errors.New("queue closed")
	// ErrCheckIn: the booking cannot be checked in here or now (another
	// center, another day, too early, cancelled).
	ErrCheckIn = errors.New("check-in refused")
	// ErrTooManyTickets: the client has taken as many walk-in tickets at
	// the center today as one client may (QueuePolicy.TicketsPerClient);
	// Error.At is when the limit clears.
	ErrTooManyTickets = errors.New("too many tickets")
	// ErrTooFewCalls: a ticket cannot be marked a no-show before it has
	// been called QueuePolicy.NoShowCalls times; calling again remedies it.
	ErrTooFewCalls = errors.New("too few calls")
)

// FieldError names one invalid field and says what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// Error is a domain error with a message meant for the person who made the
// request. Kind is one of the sentinel errors above.
type Error struct {
	Kind   error
	Detail string
	Fields []FieldError
	// At is when the request could succeed (when to come back), if the
	// error knows; pages say it in their own language.
	At time.Time
}

func (e *Error) Error() string { return e.Detail }

// Unwrap lets errors.Is see the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// invalid returns an ErrInvalid error for the given fields, or nil if there
// are none.
func invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	detail := fields[0].Field + ": " + fields[0].Message
	if len(fields) > 1 {
		detail = fmt.Sprintf("%d fields are invalid", len(fields))
	}
	return &Error{Kind: ErrInvalid, Detail: detail, Fields: fields}
}

func notBookable(format string, args ...any) error {
	return newError(ErrNotBookable, format, args...)
}
