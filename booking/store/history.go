package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

// What a booking's story reads besides the booking and its emails (see
// booking/history.go): the audit trail's entries about the booking and its
// ticket, in the story's words, and the bookings a search by name looks
// through. TicketOfBooking is in tickets.go.

// storySteps are the steps of a booking's story that the audit trail's
// actions record; the trail's other actions tell none.
var storySteps = map[string]booking.StepKind{
	staff.ActionBookingCreate:         booking.StepBooked,
	staff.ActionBookingMove:           booking.StepMoved,
	staff.ActionBookingResend:         booking.StepResent,
	staff.ActionBookingCancel:         booking.StepCancelled,
	staff.ActionClosureCancelBookings: booking.StepCancelled,
	staff.ActionBookingCheckIn:        booking.StepCheckedIn,
	staff.ActionTicketCall:            booking.StepCalled,
	staff.ActionTicketRecall:          booking.StepCalled,
	staff.ActionTicketAttend:          booking.StepServing,
	staff.ActionTicketServe:           booking.StepServed,
	staff.ActionTicketNoShow:          booking.StepNoShow,
	staff.ActionTicketMove:            booking.StepTicketMoved,
}

// The actions whose subject is a booking's reference, and those whose
// subject is a ticket's number.
var (
	bookingActions = []string{staff.ActionBookingCreate, staff.ActionBookingMove, staff.ActionBookingResend,
		staff.ActionBookingCancel, staff.ActionBookingCheckIn}
	ticketActions = []string{staff.ActionTicketCall, staff.ActionTicketRecall, staff.ActionTicketAttend,
		staff.ActionTicketServe, staff.ActionTicketNoShow, staff.ActionTicketMove}
)

// staffActsSQL reads the audit trail's entries about a booking, through
// staff_audit_center_subject_idx: those naming its reference, and a
// closure of its day that lists the reference among the bookings it
// cancelled. staffActsOfTicketSQL adds, for a booking with a ticket, those
// naming the ticket's number on the ticket's day: a union rather than one
// condition, so that the index bounds the time too, numbers being drawn
// anew each day. The account may have been deleted since: the entry stays,
// without its email.
const (
	staffActsSelect = `SELECT a.id AS id, a.action, a.detail, a.at AS at, COALESCE(s.email, '') AS email
	FROM staff_audit a LEFT JOIN staff_accounts s ON s.id = a.account_id`
	staffActsSQL = staffActsSelect + `
	WHERE a.center_id = ? AND a.subject IN (?, ?)
		AND ((a.subject = ? AND a.action IN ?) OR (a.subject = ? AND a.action = ? AND ' ' || a.detail || ' ' LIKE ?))`
	staffActsOfTicketSQL = `
	UNION ALL ` + staffActsSelect + `
	WHERE a.center_id = ? AND a.subject = ? AND a.at >= ? AND a.at < ? AND a.action IN ?`
)

// StaffActs returns what the audit trail records of staff acting on the
// booking and ticket q names, oldest first.
func (s *Store) StaffActs(ctx context.Context, q booking.ActsQuery) ([]booking.StaffAct, error) {
	day := q.Day.String()
	query := staffActsSQL
	args := []any{q.Center, q.Reference, day, q.Reference, bookingActions,
		day, staff.ActionClosureCancelBookings, "% " + q.Reference + " %"}
	if q.Ticket != "" {
		query += staffActsOfTicketSQL
		args = append(args, q.Center, q.Ticket, dbTime(q.TicketFrom), dbTime(q.TicketTo), ticketActions)
	}
	query += `
	ORDER BY at, id`
	var rows []struct {
		ID     int64
		Action string
		Detail string
		At     time.Time
		Email  string
	}
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("audit entries of booking %s: %w", q.Reference, err)
	}
	acts := make([]booking.StaffAct, 0, len(rows))
	for _, r := range rows {
		acts = append(acts, booking.StaffAct{Kind: storySteps[r.Action], By: r.Email, At: r.At.UTC(), Detail: r.Detail})
	}
	return acts, nil
}

// namedBookingsSQL reads a center's bookings of a range whose names are
// kept: bookings_center_id_starts_at_idx.
const namedBookingsSQL = `SELECT * FROM bookings
	WHERE center_id = ? AND starts_at >= ? AND starts_at < ? AND erased_at IS NULL
	ORDER BY starts_at, id`

// NamedBookings returns the bookings of a center starting in [from, to),
// cancelled ones too, whose personal data is not erased, by start.
func (s *Store) NamedBookings(ctx context.Context, center string, from, to time.Time) ([]booking.Booking, error) {
	var rows []bookingRow
	if err := s.db.WithContext(ctx).Raw(namedBookingsSQL, center, dbTime(from), dbTime(to)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", center, err)
	}
	bookings := make([]booking.Booking, len(rows))
	for i, r := range rows {
		bookings[i] = r.toBooking()
	}
	return bookings, nil
}
