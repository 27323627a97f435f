package booking

import "time"

// Status is the state of a booking.
type Status string

// The states a booking can be in.
const (
	Confirmed Status = "confirmed"
	Cancelled Status = "cancelled"
)

// Booking is an appointment a newcomer has booked: one visit to a center,
// for one or more services in order and one or more people. Start and End
// are instants, End the end of the whole visit; they are shown in the
// center's time zone.
type Booking struct {
	ID        int64
	Reference string // short, readable, not sequential: CPH-7K3M9Q
	TokenHash []byte // SHA-256 of the manage token, which authorizes
	// TokenSealed is the token encrypted with the server's key (see Sealer),
	// for the manage link in emails sent later.
	TokenSealed []byte
	Center      string
	Service     string   // the first of Services
	Services    []string // the visit's services, in order: one or more
	People      int      // how many people come: one or more
	Start       time.Time
	End         time.Time
	Language    string // interpreter language, or "" when none is needed
	Name        string
	Email       string
	Phone       string
	Notes       string
	Locale      string // language of the emails: en or da
	Status      Status
	// Sequence goes up by one on every change (reschedule, cancel); it is
	// the iCalendar SEQUENCE and guards concurrent changes.
	Sequence int
	// CancelReason is why staff cancelled the booking (a closure, say),
	// for the cancellation email; empty when the newcomer cancelled.
	CancelReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// ErasedAt is when the personal data was erased (name, phone, notes,
	// and email and sealed token once no email needs them); zero while
	// it is kept. An erased booking stays for the statistics.
	ErasedAt time.Time
}

// Changeable reports whether the booking may still be moved or cancelled
// at now: it is confirmed and its appointment has not started.
func (b Booking) Changeable(now time.Time) bool {
	return b.Status == Confirmed && now.Before(b.Start)
}

// Resource names of seat counters: every center has one for its desks and
// one per interpreter language.
const deskResource = "desk"

func interpreterResource(language string) string { return "interpreter:" + language }

// Claim is one seat of one resource in one Unit starting at Start. The store
// takes or releases it under a database-enforced guard: Booked never exceeds
// Capacity.
type Claim struct {
	Center   string
	Resource string
	Start    time.Time
	Capacity int
}

// Usage is how many seats of a resource are taken in the Unit at Start.
type Usage struct {
	Resource string
	Start    time.Time
	Booked   int
}

// Closure is a day, or part of one, a center is closed, entered by staff.
type Closure struct {
	Center string
	Day    Date
	Reason string
	// Part is the closed part of the day, as offsets from local midnight;
	// zero for the whole day.
	Part Span
}

// WholeDay reports whether the closure lasts the whole day.
func (c Closure) WholeDay() bool { return c.Part == (Span{}) }

// Idempotency records which booking a client's Idempotency-Key created, so a
// retried request gets the same booking (and token). The key and the request
// are stored hashed.
type Idempotency struct {
	KeyHash     []byte
	RequestHash []byte
	BookingID   int64
	CreatedAt   time.Time
}
