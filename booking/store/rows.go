package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// dbTime is t as the store writes it: in UTC, so that SQLite's text
// compares in time order and PostgreSQL sessions in any time zone agree, and
// cut to microseconds, PostgreSQL's precision, so that both dialects read
// back what they were given.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime is t as the store writes it, NULL for the zero time.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: dbTime(t), Valid: true}
}

// timeOf is the time read from a column that may be NULL, the zero time
// for NULL.
func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// bookingRow is a row of the bookings table. GORM maps the fields to columns
// by name (CenterID to center_id).
type bookingRow struct {
	ID           int64
	Reference    string
	TokenHash    []byte
	TokenSealed  []byte
	CenterID     string
	ServiceID    string // the first of Services
	Services     string // the visit's service ids in order, separated by spaces
	People       int
	StartsAt     time.Time
	EndsAt       time.Time
	Language     string
	Name         string
	Email        string
	Phone        string
	Notes        string
	Locale       string
	Status       string
	Sequence     int
	CancelReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ErasedAt     sql.NullTime // NULL while the personal data is kept
}

func (bookingRow) TableName() string { return "bookings" }

func toBookingRow(b booking.Booking) bookingRow {
	return bookingRow{
		ID:           b.ID,
		Reference:    b.Reference,
		TokenHash:    b.TokenHash,
		TokenSealed:  b.TokenSealed,
		CenterID:     b.Center,
		ServiceID:    b.Service,
		Services:     strings.Join(visitServices(b), " "),
		People:       max(b.People, 1),
		StartsAt:     dbTime(b.Start),
		EndsAt:       dbTime(b.End),
		Language:     b.Language,
		Name:         b.Name,
		Email:        b.Email,
		Phone:        b.Phone,
		Notes:        b.Notes,
		Locale:       b.Locale,
		Status:       string(b.Status),
		Sequence:     b.Sequence,
		CancelReason: b.CancelReason,
		CreatedAt:    dbTime(b.CreatedAt),
		UpdatedAt:    dbTime(b.UpdatedAt),
		ErasedAt:     nullTime(b.ErasedAt),
	}
}

// visitServices is b's services, or its one Service if it lists none.
func visitServices(b booking.Booking) []string {
	if len(b.Services) == 0 {
		return []string{b.Service}
	}
	return b.Services
}

func (r bookingRow) toBooking() booking.Booking {
	return booking.Booking{
		ID:           r.ID,
		Reference:    r.Reference,
		TokenHash:    r.TokenHash,
		TokenSealed:  r.TokenSealed,
		Center:       r.CenterID,
		Service:      r.ServiceID,
		Services:     strings.Fields(r.Services),
		People:       r.People,
		Start:        r.StartsAt.UTC(),
		End:          r.EndsAt.UTC(),
		Language:     r.Language,
		Name:         r.Name,
		Email:        r.Email,
		Phone:        r.Phone,
		Notes:        r.Notes,
		Locale:       r.Locale,
		Status:       booking.Status(r.Status),
		Sequence:     r.Sequence,
		CancelReason: r.CancelReason,
		CreatedAt:    r.CreatedAt.UTC(),
		UpdatedAt:    r.UpdatedAt.UTC(),
		ErasedAt:     timeOf(r.ErasedAt),
	}
}

// closureRow is a row of closures. Day is YYYY-MM-DD.
// FromMinute and ToMinute are minutes from local midnight, nil for a
// closure of the whole day.
type closureRow struct {
	CenterID   string
	Day        string
	Reason     string
	FromMinute *int
	ToMinute   *int
	CreatedAt  time.Time
}

func (closureRow) TableName() string { return "closures" }

func toClosureRow(c booking.Closure, now time.Time) closureRow {
	r := closureRow{CenterID: c.Center, Day: c.Day.String(), Reason: c.Reason, CreatedAt: dbTime(now)}
	if !c.WholeDay() {
		from, to := int(c.Part.Open/time.Minute), int(c.Part.Close/time.Minute)
		r.FromMinute, r.ToMinute = &from, &to
	}
	return r
}

func (r closureRow) toClosure() (booking.Closure, error) {
	day, err := booking.ParseDate(r.Day)
	if err != nil {
		return booking.Closure{}, fmt.Errorf("closure of %s: %w", r.CenterID, err)
	}
	c := booking.Closure{Center: r.CenterID, Day: day, Reason: r.Reason}
	if r.FromMinute != nil && r.ToMinute != nil {
		c.Part = booking.Span{Open: time.Duration(*r.FromMinute) * time.Minute, Close: time.Duration(*r.ToMinute) * time.Minute}
	}
	return c, nil
}

// idempotencyRow is a row of idempotency_keys.
type idempotencyRow struct {
	KeyHash     []byte
	RequestHash []byte
	BookingID   int64
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func toIdempotencyRow(i booking.Idempotency) idempotencyRow {
	return idempotencyRow{
		KeyHash:     i.KeyHash,
		RequestHash: i.RequestHash,
		BookingID:   i.BookingID,
		CreatedAt:   dbTime(i.CreatedAt),
	}
}

func (r idempotencyRow) toIdempotency() booking.Idempotency {
	return booking.Idempotency{
		KeyHash:     r.KeyHash,
		RequestHash: r.RequestHash,
		BookingID:   r.BookingID,
		CreatedAt:   r.CreatedAt.UTC(),
	}
}

// emailRow is a row of emails. SentAt is NULL until the email is sent.
type emailRow struct {
	ID         int64
	BookingID  sql.NullInt64 // NULL for an email to a waitlist entry
	WaitlistID sql.NullInt64 // NULL for an email about a booking
	Kind       string
	Sequence   int
	StartsAt   time.Time
	EndsAt     time.Time
	State      string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SentAt     sql.NullTime
}

func (emailRow) TableName() string { return "emails" }

// newEmailRow is a queued email of the given kind about b as it is after
// the change the email tells of.
func newEmailRow(kind booking.EmailKind, b bookingRow, now time.Time) emailRow {
	return emailRow{
		BookingID: sql.NullInt64{Int64: b.ID, Valid: true},
		Kind:      string(kind),
		Sequence:  b.Sequence,
		StartsAt:  b.StartsAt,
		EndsAt:    b.EndsAt,
		State:     string(booking.EmailQueued),
		CreatedAt: dbTime(now),
		UpdatedAt: dbTime(now),
	}
}

func (r emailRow) toEmail() booking.Email {
	return booking.Email{
		ID:         r.ID,
		BookingID:  r.BookingID.Int64,
		WaitlistID: r.WaitlistID.Int64,
		Kind:       booking.EmailKind(r.Kind),
		Sequence:   r.Sequence,
		Start:      r.StartsAt.UTC(),
		End:        r.EndsAt.UTC(),
		State:      booking.EmailState(r.State),
		Attempts:   r.Attempts,
		LastError:  r.LastError,
		CreatedAt:  r.CreatedAt.UTC(),
		SentAt:     timeOf(r.SentAt),
	}
}
