package booking

import "time"

// EmailKind says which change an email tells the newcomer about.
type EmailKind string

// The emails a booking gets.
const (
	EmailConfirmation EmailKind = "confirmation" // booked
	EmailUpdate       EmailKind = "update"       // rescheduled
	EmailCancellation EmailKind = "cancellation" // cancelled
	EmailReminder     EmailKind = "reminder"     // the working day before
)

// EmailState is where an email is on its way out.
type EmailState string

// The states of an email.
const (
	EmailQueued  EmailState = "queued" // waiting for its first or next attempt
	EmailSent    EmailState = "sent"
	EmailFailed  EmailState = "failed"  // given up; staff can see why
	EmailSkipped EmailState = "skipped" // no longer true when its turn came (a reminder of a moved or cancelled booking)
)

// BookingWithEmails is a booking and the emails it got, for staff.
type BookingWithEmails struct {
	Booking
	Emails []Email
}

// Email is one message to a newcomer about one change of a booking. It is
// written in the same transaction as the change, with the times as they were
// after it, so that each change is told once even if later ones follow
// before delivery.
type Email struct {
	ID        int64
	BookingID int64 // 0 for an email to a waitlist entry
	// WaitlistID is the waitlist entry the email is to; 0 for an email
	// about a booking.
	WaitlistID int64
	Kind       EmailKind
	Sequence   int // the booking's Sequence after the change
	Start      time.Time
	End        time.Time
	State      EmailState
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	SentAt     time.Time // zero until sent
}

// Delivery is an email with what delivering it reads besides: the booking
// it tells of, and the latest earlier email about the same booking or to
// the same waitlist entry that is still queued, which must go out first.
type Delivery struct {
	Email Email
	// Booking is the booking the email tells of; zero for an email to a
	// waitlist entry, or if the booking is not found.
	Booking Booking
	// EarlierQueued is the ID of that earlier email, 0 if there is none.
	EarlierQueued int64
}
