// Package staff is the back office's people: staff accounts and their roles,
// which centers an account may see, password hashing and policy, slowing
// down repeated failed logins, and the audit trail of what staff do. It knows
// nothing of HTTP or SQL; a Store keeps its data.
package staff

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Role is what an account may do.
type Role string

// The roles: staff see and change their own center; admins see every center
// and the audit trail.
const (
	RoleStaff Role = "staff"
	RoleAdmin Role = "admin"
)

// Account is a person who logs in to the back office.
type Account struct {
	ID    int64
	Email string // lower case
	// Center is the ID of the account's center. Admins may have one too
	// (their home center), but see every center anyway.
	Center    string
	Role      Role
	Disabled  bool
	CreatedAt time.Time
}

// IsAdmin reports whether the account is an admin's.
func (a Account) IsAdmin() bool { return a.Role == RoleAdmin }

// CanSee reports whether the account may see and change the center: admins
// every center, staff only their own.
func (a Account) CanSee(center string) bool {
	return a.IsAdmin() || (a.Center != "" && a.Center == center)
}

// Entry is one line of the audit trail: who did what, where and when.
type Entry struct {
	ID        int64
	AccountID int64
	// Email is the account's, filled in when entries are read.
	Email string
	// Center is the center acted on, "" for actions of no center (a login).
	Center string
	// Action names what was done: one of the Action constants.
	Action string
	// Subject is what it was done to, such as a booking's reference.
	Subject string
	Detail  string
	At      time.Time
}

// The actions of the audit trail, as Entry.Action records them, with what
// an entry of each holds as subject and detail. Actions are named
// thing.verb (booking.cancel); the single words of the first actions
// (close, call) stay as they are, because the trail keeps every name once
// written: renamed, one action would show under two names.
const (
	// ActionLogin and ActionLogout: an account's session began or ended;
	// no center, subject or detail.
	ActionLogin  = "login"
	ActionLogout = "logout"
	// ActionBookingCreate: staff booked for a newcomer; the subject is the
	// booking's reference.
	ActionBookingCreate = "booking.create"
	// ActionBookingCancel: staff cancelled a booking; the subject is its
	// reference, the detail the reason the newcomer is emailed.
	ActionBookingCancel = "booking.cancel"
	// ActionBookingMove: staff moved a booking to another time for the
	// newcomer; the subject is its reference, the detail the new start
	// (2006-01-02 15:04, the centers' time).
	ActionBookingMove = "booking.move"
	// ActionBookingCheckIn: staff checked a newcomer in for a booking; the
	// subject is its reference, the detail the ticket's number.
	ActionBookingCheckIn = "booking.check-in"
	// ActionBookingResend: staff had a booking's latest email sent again;
	// the subject is its reference, the detail the email's kind.
	ActionBookingResend = "booking.resend"
	// ActionClose: an admin closed the center; the subject is the day, the
	// detail the closed part (empty for the whole day) and the reason.
	ActionClose = "close"
	// ActionReopen: an admin removed a closure; the subject is the day.
	ActionReopen = "reopen"
	// ActionWaitlistOffer: a time offered by hand to the waitlist; the
	// subject is the entry's reference, the detail the time offered.
	ActionWaitlistOffer = "waitlist.offer"
	// ActionClosureCancelBookings: an admin cancelled, in one action, the
	// bookings a closure hits; the subject is the day, the detail the
	// references of the bookings cancelled.
	ActionClosureCancelBookings = "closure.cancel-bookings"
	// The desk's actions on a ticket; the subject is its number. The
	// detail names the desk of a call or recall, and the service a ticket
	// was moved to.
	ActionTicketCall   = "call"
	ActionTicketRecall = "recall"
	ActionTicketAttend = "attend"
	ActionTicketServe  = "serve"
	ActionTicketNoShow = "no-show"
	ActionTicketMove   = "move"
	// ActionCatalogueChange: an admin applied a new version of the
	// catalogue of centers and services (an edit, an API change or a
	// revert); the subject is "version N", the detail what changed and the
	// references of the bookings it cancelled. The center is the one the
	// edit was of, "" for the whole catalogue.
	ActionCatalogueChange = "catalogue.change"
)

// Failures counts the failed logins of one key (an email and client
// address together, an email, or a client address; see Throttle) and when
// the last one was.
type Failures struct {
	Count int
	Last  time.Time
}

// Store keeps accounts, the audit trail and failed logins. Lookups of
// something missing return an error wrapping ErrNotFound.
type Store interface {
	// CreateAccount stores a new account with the password's hash and
	// returns it with its ID; ErrDuplicate if the email is taken.
	CreateAccount(ctx context.Context, a Account, passwordHash string) (Account, error)
	// AccountByEmail returns the account with the email (lower case) and
	// its password hash.
	AccountByEmail(ctx context.Context, email string) (Account, string, error)
	Account(ctx context.Context, id int64) (Account, error)
	// Accounts lists every account by email.
	Accounts(ctx context.Context) ([]Account, error)
	// DisableAccount marks the account with the email disabled.
	DisableAccount(ctx context.Context, email string) error
	RecordEntry(ctx context.Context, e Entry) error
	// Entries returns the newest entries of the audit trail, newest first.
	Entries(ctx context.Context, limit int) ([]Entry, error)
	// LoginFailures returns the failures counted for each of the keys
	// that has any.
	LoginFailures(ctx context.Context, keys []string) (map[string]Failures, error)
	// RecordLoginFailure counts a failure of the key at the time given,
	// starting again from one if the last was before forgetBefore.
	RecordLoginFailure(ctx context.Context, key string, at, forgetBefore time.Time) error
	// ClearLoginFailures forgets the failures of the key.
	ClearLoginFailures(ctx context.Context, key string) error
}

// Sentinel errors; every error of the package wraps one of them.
var (
	// ErrNotFound: no such account.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: an account with the email exists.
	ErrDuplicate = errors.New("an account with this email exists")
	// ErrInvalid: an email, role, center or password that is not
	// acceptable; the error says which.
	ErrInvalid = errors.New("invalid")
	// ErrBadCredentials: a login with a wrong password, an unknown email or
	// a disabled account; the three look the same.
	ErrBadCredentials = errors.New("wrong email or password")
	// ErrThrottled: too many failed logins lately; try again later.
	ErrThrottled = errors.New("too many failed logins")
)

// NormalizeEmail returns the email in lower case without surrounding space,
// or an ErrInvalid error if it is not a plain address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", fmt.Errorf("%w: %q is not an email address", ErrInvalid, email)
	}
	return email, nil
}

// ParseRole returns the role named, or an ErrInvalid error.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleStaff, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("%w: role %q is neither staff nor admin", ErrInvalid, s)
}
