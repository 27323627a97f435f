package booking

import (
	"context"
	"time"
)

// Store persists bookings, seat counters and closures. Implementations must
// enforce the seat guard in the database: a Claim succeeds only while the
// counter's booked seats are below its capacity, checked and incremented in
// one statement, never by reading first and writing after.
type Store interface {
	WaitStore
	HistoryStore

	// Usage returns the taken seats of every resource of a center for the
	// units starting in [from, to). Units with no seats taken may be
	// missing.
	Usage(ctx context.Context, center string, from, to time.Time) ([]Usage, error)

	// Closures returns the closures of a center on days in [from, to].
	Closures(ctx context.Context, center string, from, to Date) ([]Closure, error)
	// AddClosure records a closure; adding one for a day that has one
	// replaces that day's closure, its reason and hours.
	AddClosure(ctx context.Context, c Closure) error
	// RemoveClosure deletes a closure and, in the same transaction, takes
	// the holds it can of those that offer the day's times to the
	// waitlist; ErrNotFound if there is none.
	RemoveClosure(ctx context.Context, center string, day Date, holds []Hold) error

	// CreateBooking takes every claim and inserts the booking (and the
	// idempotency record, if any) in one transaction, and returns the
	// booking with its ID. ErrDuplicate if the reference or the idempotency
	// key exists, even when the slot is full too (a replayed request must be
	// recognised as such); otherwise ErrSlotFull if a claim cannot be taken.
	// On error nothing is written. Times come back in UTC, to the
	// microsecond.
	//
	// The email of the given kind (none if "") is recorded and queued in
	// the same transaction, so it is sent if and only if the booking is.
	CreateBooking(ctx context.Context, b Booking, claims []Claim, idem *Idempotency, email EmailKind) (Booking, error)
	// ActiveBookings returns how many confirmed bookings starting after now
	// the email address has, whatever the case of its letters.
	ActiveBookings(ctx context.Context, email string, now time.Time) (int, error)
	// Booking returns the booking with the given reference.
	Booking(ctx context.Context, reference string) (Booking, error)
	// BookingByID returns the booking with the given ID.
	BookingByID(ctx context.Context, id int64) (Booking, error)
	// BookingInCenter returns the booking with the given ID if it is one
	// of the center's; ErrNotFound if it is not, as if there were none.
	BookingInCenter(ctx context.Context, center string, id int64) (Booking, error)
	// Idempotency returns the record for a key hash; ErrNotFound if none.
	Idempotency(ctx context.Context, keyHash []byte) (Idempotency, error)
	// UpdateBooking stores u.Booking in place of the booking with its ID
	// whose sequence is still one less, releasing u.Release and taking
	// u.Claims in the same transaction, releasing first (so a booking may
	// move onto units it holds), then taking the holds of u.Holds it can. ErrNotFound if there is no such booking, ErrConflict if it
	// changed meanwhile, ErrSlotFull if a claim cannot be taken. On error
	// nothing is written.
	// The email of the given kind is recorded and queued in the same
	// transaction.
	UpdateBooking(ctx context.Context, u Update, email EmailKind) error
	// UpdateBookings stores every update as UpdateBooking does, each with
	// the email of the given kind, all in one transaction: if one of them
	// fails, nothing is written. The error names the booking that failed.
	UpdateBookings(ctx context.Context, updates []Update, email EmailKind) error

	// QueueReminders records and queues a reminder for every confirmed
	// booking starting in [from, to) that was last made or changed before
	// changedBefore and has no reminder for its current Sequence yet, and
	// returns how many.
	QueueReminders(ctx context.Context, from, to, changedBefore time.Time) (int, error)
	// Email returns an email record.
	Email(ctx context.Context, id int64) (Email, error)
	// Emails returns the emails of a booking, oldest first.
	Emails(ctx context.Context, bookingID int64) ([]Email, error)
	// RecordEmailAttempt records a delivery attempt: sent if sendErr is
	// nil, otherwise queued for a retry or, if final, failed. An email
	// already sent stays sent.
	RecordEmailAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool, at time.Time) error
	// RecordEmailSkipped marks a queued email as not to be sent, saying why.
	RecordEmailSkipped(ctx context.Context, id int64, reason string, at time.Time) error
	// Appointments returns the confirmed bookings of a center starting in
	// [from, to), by start.
	Appointments(ctx context.Context, center string, from, to time.Time) ([]Booking, error)
	// DayBookings returns every booking of a center starting in [from,
	// to), cancelled ones too, by start, with the emails of each, oldest
	// first: a day's agenda.
	DayBookings(ctx context.Context, center string, from, to time.Time) ([]BookingWithEmails, error)

	// EraseBookingsBefore erases the personal data of every booking that
	// ended before cutoff and is not erased yet (name, email, phone,
	// notes, sealed token), skips their queued emails, deletes their
	// idempotency records, marks them erased at now and returns how many.
	// It also finishes the erasures that waited for an email. The rows
	// stay, for the statistics.
	EraseBookingsBefore(ctx context.Context, cutoff, now time.Time) (int, error)
	// EraseBooking erases one booking's personal data and idempotency
	// records, but keeps its email address and sealed token while an
	// email of it is queued; they go once it is sent or given up.
	// ErrNotFound if there is no such booking.
	EraseBooking(ctx context.Context, id int64, now time.Time) error
}

// Update is a change to a stored booking: the booking as it is to be
// stored, and the seats it gives back and takes (see UpdateBooking).
type Update struct {
	Booking Booking
	Release []Claim
	Claims  []Claim
	// Holds offer the seats the change frees to the waitlist, in line
	// order; the store takes those it can in the change's transaction
	// (see Hold).
	Holds []Hold
}
