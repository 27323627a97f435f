package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// One booking's whole story, for staff at reception: the booking, its
// emails, its ticket and what happened to it, when and by whom; sending
// its latest email again; and finding a booking by reference or name.
//
// The story is read from what each change already writes in its own
// transaction, not from a log of its own: every change the newcomer is told
// of records an email with the time it was made and the appointment's times
// after it (made, moved, cancelled, sent again), a ticket keeps when it was
// taken, last called and finished, and the audit trail names the staff
// account behind every change staff make. A second record of the same
// changes would cost the hot path of booking an insert for what is there
// already, and would know nothing of the bookings made before it.

// StepKind says what happened to a booking in one step of its story.
type StepKind string

// The steps of a booking's story.
const (
	StepBooked    StepKind = "booked"
	StepMoved     StepKind = "moved"
	StepResent    StepKind = "resent" // its latest email sent again
	StepCancelled StepKind = "cancelled"
	StepCheckedIn StepKind = "checked_in"
	StepCalled    StepKind = "called"  // to a desk, once per call
	StepServing   StepKind = "serving" // came to the desk
	StepServed    StepKind = "served"
	StepNoShow    StepKind = "no_show"
	// StepTicketMoved: a desk moved the ticket to another service's line.
	StepTicketMoved StepKind = "ticket_moved"
)

// Step is one thing that happened to a booking.
type Step struct {
	Kind StepKind
	At   time.Time
	// By is the email of the staff account that did it. It is "" when the
	// newcomer did it (online, by the email's link, or at the kiosk), and
	// when the audit trail does not name the account: ByStaff then says
	// whether staff did it all the same.
	By      string
	ByStaff bool
	// Start and End are the appointment's times after a step that set
	// them (booked, moved); From is where a move started.
	Start, End, From time.Time
	// Ticket is the ticket's number in the steps of the queue; Desk the
	// desk that called it; Service the service a ticket was moved to.
	Ticket  string
	Desk    string
	Service string
	// Email is the kind of email a resent step sent again.
	Email EmailKind
	// Reason is why staff cancelled the booking.
	Reason string
}

// StaffAct is one thing staff did to a booking or its ticket, as the audit
// trail records it, in the words of the story.
type StaffAct struct {
	Kind StepKind
	// By is the staff account's email.
	By string
	At time.Time
	// Detail is the audit entry's: the new time of a move (2006-01-02
	// 15:04 in the centers' time zone), the desk of a call ("desk 2"),
	// the service a ticket was moved to ("to tax-card").
	Detail string
}

// ActsQuery asks the audit trail what staff did to a booking: to the
// booking by its reference, to its day by a closure that cancelled it, and
// to its ticket by its number on the ticket's day, numbers being drawn
// anew each day.
type ActsQuery struct {
	Center    string
	Reference string
	// Day is the booking's day, which a closure's entry names.
	Day Date
	// Ticket is the number of the booking's ticket, "" if it has none;
	// TicketFrom and TicketTo bound the ticket's day.
	Ticket               string
	TicketFrom, TicketTo time.Time
}

// HistoryStore reads what a booking's story needs besides the booking and
// its emails, and the bookings a search by name looks through.
type HistoryStore interface {
	// TicketOfBooking returns the ticket a booking was checked in with;
	// ErrNotFound if it was not.
	TicketOfBooking(ctx context.Context, bookingID int64) (Ticket, error)
	// StaffActs returns what the audit trail records of staff acting on
	// what q names, oldest first.
	StaffActs(ctx context.Context, q ActsQuery) ([]StaffAct, error)
	// NamedBookings returns the bookings of a center starting in [from,
	// to), cancelled ones too, whose personal data is not erased, by
	// start.
	NamedBookings(ctx context.Context, center string, from, to time.Time) ([]Booking, error)
}

// Story is a booking with everything staff may need to know of it.
type Story struct {
	Booking Booking
	// Emails are the booking's emails, oldest first.
	Emails []Email
	// Ticket is the ticket the booking was checked in with; its ID is 0
	// if it was not.
	Ticket Ticket
	// Steps are what happened to the booking, oldest first.
	Steps []Step
}

// Latest is the kind of email Resend would send again: the latest that
// told the booking's state.
func (st Story) Latest() EmailKind { return latestKind(st.Booking, st.Emails) }

// DueToday reports whether the booking is a confirmed appointment of the
// day of now in loc, the centers' time zone: one that may be checked in
// today.
func (b Booking) DueToday(now time.Time, loc *time.Location) bool {
	return b.Status == Confirmed && DateOf(b.Start.In(loc)) == DateOf(now.In(loc))
}

// Resendable reports whether the booking's latest email may be sent again
// at now: its personal data is kept (the email address with it) and its
// appointment has not ended, so that what the email says still matters.
func (b Booking) Resendable(now time.Time) bool {
	return b.ErasedAt.IsZero() && now.Before(b.End)
}

// bookingInCenter returns the booking with the reference, typed as people
// type references, if it is one of the center's. A booking of another
// center is not found, as if there were none: staff of one center learn
// nothing of another's.
func (s *Scheduler) bookingInCenter(ctx context.Context, centerID, reference string) (Booking, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Booking{}, err
	}
	reference = normalizeReference(reference)
	if !referencePattern.MatchString(reference) {
		return Booking{}, newError(ErrNotFound, "no such booking")
	}
	notFound := newError(ErrNotFound, "%s has no booking %s", center.Name, reference)
	b, err := s.store.Booking(ctx, reference)
	switch {
	case errors.Is(err, ErrNotFound):
		return Booking{}, notFound
	case err != nil:
		return Booking{}, fmt.Errorf("booking of %s: %w", center.ID, err)
	case b.Center != center.ID:
		return Booking{}, notFound
	}
	return b, nil
}

// Story returns a booking of the center with its emails, its ticket and
// its story. A booking of another center is not found (ErrNotFound).
func (s *Scheduler) Story(ctx context.Context, centerID, reference string) (Story, error) {
	b, err := s.bookingInCenter(ctx, centerID, reference)
	if err != nil {
		return Story{}, err
	}
	emails, err := s.store.Emails(ctx, b.ID)
	if err != nil {
		return Story{}, fmt.Errorf("story of booking %d: %w", b.ID, err)
	}
	t, err := s.store.TicketOfBooking(ctx, b.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Story{}, fmt.Errorf("story of booking %d: %w", b.ID, err)
	}
	loc := s.policy.Location
	q := ActsQuery{Center: b.Center, Reference: b.Reference, Day: DateOf(b.Start.In(loc))}
	if t.ID != 0 {
		q.Ticket, q.TicketFrom, q.TicketTo = t.Number, t.Day.At(0, loc), t.Day.AddDays(1).At(0, loc)
	}
	acts, err := s.store.StaffActs(ctx, q)
	if err != nil {
		return Story{}, fmt.Errorf("story of booking %d: %w", b.ID, err)
	}
	return Story{Booking: b, Emails: emails, Ticket: t, Steps: steps(b, emails, t, acts, loc)}, nil
}

// steps tells the story of booking b from its emails, its ticket t (ID 0
// for none) and what staff did (acts), oldest first.
//
// Every change the newcomer is told of has its email, written with the
// change: the first confirmation is the booking made, an update that
// changes the times a move, the first cancellation the cancellation, and
// an email that tells again what the one before told (the same kind, the
// same times) a resend. Reminders tell of no change. A change is staff's
// if the audit trail has an entry of its kind made at or after it (the
// entry is written once the change is committed), for a move one naming
// its new time; of several changes of a kind before an entry, the entry
// belongs to the latest. Any other change is the newcomer's. The ticket
// gives the check-in; the calls, the service and the end come from the
// audit trail, or from the ticket itself where the trail has nothing.
func steps(b Booking, emails []Email, t Ticket, acts []StaffAct, loc *time.Location) []Step {
	var story []Step
	var told *Email // the latest email that told of a change
	for i, e := range emails {
		if e.Kind == EmailReminder || e.WaitlistID != 0 {
			continue
		}
		st := Step{At: e.CreatedAt, Start: e.Start, End: e.End}
		switch {
		case told != nil && e.Kind == told.Kind && e.Start.Equal(told.Start) && e.End.Equal(told.End):
			st.Kind, st.Email = StepResent, e.Kind
		case e.Kind == EmailConfirmation && told == nil:
			st.Kind, st.At = StepBooked, b.CreatedAt
		case e.Kind == EmailUpdate && told != nil:
			st.Kind, st.From = StepMoved, told.Start
		case e.Kind == EmailCancellation:
			st.Kind, st.Reason = StepCancelled, b.CancelReason
		default: // an update with nothing before it: the emails were cut short
			st.Kind = StepMoved
		}
		story = append(story, st)
		told = &emails[i]
	}
	// A booking stored without its email (as tests and imports do) was
	// made all the same, and may have been cancelled.
	if !slices.ContainsFunc(story, func(st Step) bool { return st.Kind == StepBooked }) {
		st := Step{Kind: StepBooked, At: b.CreatedAt}
		if b.Sequence == 0 {
			st.Start, st.End = b.Start, b.End
		}
		story = slices.Insert(story, 0, st)
	}
	if b.Status == Cancelled && !slices.ContainsFunc(story, func(st Step) bool { return st.Kind == StepCancelled }) {
		story = append(story, Step{Kind: StepCancelled, At: b.UpdatedAt, Reason: b.CancelReason})
	}
	attribute(story, acts, loc)
	for i := range story {
		// Only staff give a reason or send an email again; the trail
		// may just not say who.
		if (story[i].Kind == StepCancelled && story[i].Reason != "") || story[i].Kind == StepResent {
			story[i].ByStaff = true
		}
	}
	if t.ID != 0 {
		story = append(story, ticketSteps(t, acts)...)
	}
	slices.SortStableFunc(story, func(x, y Step) int { return x.At.Compare(y.At) })
	return story
}

// attribute gives each change of story its staff account from acts: the
// latest change of the act's kind at or before it that has none yet, and
// for a move one to the time the act names.
func attribute(story []Step, acts []StaffAct, loc *time.Location) {
	for _, a := range acts {
		switch a.Kind {
		case StepBooked, StepMoved, StepResent, StepCancelled:
		default:
			continue
		}
		var to time.Time
		if a.Kind == StepMoved {
			to, _ = time.ParseInLocation("2006-01-02 15:04", a.Detail, loc)
		}
		for i := len(story) - 1; i >= 0; i-- {
			st := &story[i]
			if st.Kind != a.Kind || st.ByStaff || st.At.After(a.At) || (!to.IsZero() && !to.Equal(st.Start)) {
				continue
			}
			st.By, st.ByStaff = a.By, true
			break
		}
	}
}

// ticketSteps tells the story of ticket t from acts, the ticket's own
// times standing in for what acts lack.
func ticketSteps(t Ticket, acts []StaffAct) []Step {
	checkIn := Step{Kind: StepCheckedIn, At: t.IssuedAt, Ticket: t.Number}
	if i := slices.IndexFunc(acts, func(a StaffAct) bool { return a.Kind == StepCheckedIn }); i >= 0 {
		checkIn.By, checkIn.ByStaff = acts[i].By, true
	}
	story := []Step{checkIn}
	seen := map[StepKind]bool{}
	for _, a := range acts {
		st := Step{Kind: a.Kind, At: a.At, By: a.By, ByStaff: true, Ticket: t.Number}
		switch a.Kind {
		case StepCalled:
			st.Desk, _ = strings.CutPrefix(a.Detail, "desk ")
		case StepTicketMoved:
			st.Service, _ = strings.CutPrefix(a.Detail, "to ")
		case StepServing, StepServed, StepNoShow:
		default:
			continue
		}
		seen[a.Kind] = true
		story = append(story, st)
	}
	if !seen[StepCalled] && t.Calls > 0 && !t.CalledAt.IsZero() {
		story = append(story, Step{Kind: StepCalled, At: t.CalledAt, ByStaff: true, Ticket: t.Number, Desk: t.Desk})
	}
	end := map[TicketState]StepKind{Done: StepServed, NoShow: StepNoShow}[t.State]
	if end != "" && !seen[end] && !t.DoneAt.IsZero() {
		story = append(story, Step{Kind: end, At: t.DoneAt, ByStaff: true, Ticket: t.Number})
	}
	return story
}

// resendAttempts bounds how often Resend reads the booking again after it
// changed meanwhile.
const resendAttempts = 3

// Resend emails the newcomer of a booking of the center again what its
// latest email told of its state: the confirmation, the change after a
// move, or the cancellation (a reminder tells of no change, and the email
// it repeats comes with the invitation). The booking moves one version on
// (its Sequence) in the transaction that records and queues the new email,
// as every change does, so the email goes out once, through the usual
// queue, with the booking as it is now; it is a message of its own to mail
// servers, which name it by version, and its invitation's SEQUENCE is
// higher, which calendars apply even where they hold the earlier one
// already. A queued reminder of the earlier version is skipped: the email
// sent again says all it would.
//
// A booking of another center is not found (ErrNotFound); one whose
// appointment has ended, or whose personal data is erased, is refused
// (ErrConflict).
func (s *Scheduler) Resend(ctx context.Context, centerID, reference string) (Booking, EmailKind, error) {
	for attempt := 1; ; attempt++ {
		b, err := s.bookingInCenter(ctx, centerID, reference)
		if err != nil {
			return Booking{}, "", err
		}
		now := s.now()
		if !b.Resendable(now) {
			return Booking{}, "", newError(ErrConflict, "booking %s can no longer be emailed: its appointment has ended or its data is erased", b.Reference)
		}
		emails, err := s.store.Emails(ctx, b.ID)
		if err != nil {
			return Booking{}, "", fmt.Errorf("resend booking %d: %w", b.ID, err)
		}
		kind := latestKind(b, emails)
		b.Sequence++
		b.UpdatedAt = now.UTC()
		err = s.store.UpdateBooking(ctx, Update{Booking: b}, kind)
		if err == nil {
			return b, kind, nil
		}
		if !errors.Is(err, ErrConflict) || attempt == resendAttempts {
			return Booking{}, "", s.updateFailed("resend", b, err)
		}
	}
}

// latestKind is the kind of the latest email that told booking b's state:
// the cancellation of a cancelled booking, otherwise the latest of its
// confirmation and updates.
func latestKind(b Booking, emails []Email) EmailKind {
	if b.Status == Cancelled {
		return EmailCancellation
	}
	kind := EmailConfirmation
	for _, e := range emails {
		if e.Kind == EmailConfirmation || e.Kind == EmailUpdate {
			kind = e.Kind
		}
	}
	return kind
}

// SearchLimit is the most bookings a search by name finds.
const SearchLimit = 50

// minSearch is the fewest letters a search by name needs: one letter would
// find most of a center's bookings.
const minSearch = 2

// Found is what a search of a center's bookings found.
type Found struct {
	// Reference is true if the search was for a reference, which finds
	// one booking or none.
	Reference bool
	// Bookings are the bookings found, by start; More says there were
	// more than SearchLimit.
	Bookings []Booking
	More     bool
}

// Search finds a center's bookings for staff. A query that reads as a
// reference (typed as people type them) finds the center's booking with
// it. Any other finds the bookings whose name holds it, whatever the case
// of its letters, among those whose names are kept: from RetentionDays ago
// to the end of the booking horizon. An empty or one-letter query is
// refused (ErrInvalid, the field q).
func (s *Scheduler) Search(ctx context.Context, centerID, query string) (Found, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Found{}, err
	}
	query = strings.Join(strings.Fields(query), " ")
	if msg := checkLine(query, MaxName, true); msg != "" {
		return Found{}, invalid([]FieldError{{"q", msg}})
	}
	if referencePattern.MatchString(normalizeReference(query)) {
		b, err := s.bookingInCenter(ctx, center.ID, query)
		if errors.Is(err, ErrNotFound) {
			return Found{Reference: true}, nil
		}
		if err != nil {
			return Found{}, err
		}
		return Found{Reference: true, Bookings: []Booking{b}}, nil
	}
	if utf8.RuneCountInString(query) < minSearch {
		return Found{}, invalid([]FieldError{{"q", fmt.Sprintf("needs at least %d letters", minSearch)}})
	}
	today := s.today()
	from := today.AddDays(-s.policy.RetentionDays).At(0, s.policy.Location)
	to := today.AddDays(s.policy.HorizonDays+1).At(0, s.policy.Location)
	bookings, err := s.store.NamedBookings(ctx, center.ID, from, to)
	if err != nil {
		return Found{}, fmt.Errorf("search bookings of %s: %w", center.ID, err)
	}
	var found Found
	want := strings.ToLower(query)
	for _, b := range bookings {
		if !strings.Contains(strings.ToLower(strings.Join(strings.Fields(b.Name), " ")), want) {
			continue
		}
		if len(found.Bookings) == SearchLimit {
			found.More = true
			break
		}
		found.Bookings = append(found.Bookings, b)
	}
	return found, nil
}
