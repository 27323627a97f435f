package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// queueChannel is the PostgreSQL channel told of every change to a center's
// queue, with the center's ID as payload, for live displays. pg_notify in a
// transaction is delivered at commit and never on rollback.
const queueChannel = "icsbooking_queue"

var _ booking.TicketStore = (*Store)(nil)

// ticketRow is a row of tickets. Day is YYYY-MM-DD.
type ticketRow struct {
	ID        int64
	Token     string
	CenterID  string
	Day       string
	Number    string
	Kind      string
	ServiceID string
	BookingID sql.NullInt64
	Lane      int
	Priority  time.Time
	State     string
	Desk      string
	Calls     int
	IssuedAt  time.Time
	CalledAt  sql.NullTime
	DoneAt    sql.NullTime
}

func (ticketRow) TableName() string { return "tickets" }

func toTicketRow(t booking.Ticket) ticketRow {
	return ticketRow{
		ID:        t.ID,
		Token:     t.Token,
		CenterID:  t.Center,
		Day:       t.Day.String(),
		Number:    t.Number,
		Kind:      string(t.Kind),
		ServiceID: t.Service,
		BookingID: sql.NullInt64{Int64: t.BookingID, Valid: t.BookingID != 0},
		Lane:      int(t.Lane),
		Priority:  dbTime(t.Priority),
		State:     string(t.State),
		Desk:      t.Desk,
		Calls:     t.Calls,
		IssuedAt:  dbTime(t.IssuedAt),
		CalledAt:  nullTime(t.CalledAt),
		DoneAt:    nullTime(t.DoneAt),
	}
}

func (r ticketRow) toTicket() (booking.Ticket, error) {
	day, err := booking.ParseDate(r.Day)
	if err != nil {
		return booking.Ticket{}, fmt.Errorf("ticket %d: %w", r.ID, err)
	}
	return booking.Ticket{
		ID:        r.ID,
		Token:     r.Token,
		Center:    r.CenterID,
		Day:       day,
		Number:    r.Number,
		Kind:      booking.TicketKind(r.Kind),
		Service:   r.ServiceID,
		BookingID: r.BookingID.Int64,
		Lane:      booking.Lane(r.Lane),
		Priority:  r.Priority.UTC(),
		State:     booking.TicketState(r.State),
		Desk:      r.Desk,
		Calls:     r.Calls,
		IssuedAt:  r.IssuedAt.UTC(),
		CalledAt:  timeOf(r.CalledAt),
		DoneAt:    timeOf(r.DoneAt),
	}, nil
}

// IssueTicket draws the ticket's number from the counter of its center, day
// and prefix and inserts it, in one transaction: the counter row stays
// locked until the ticket is in, so concurrent tickets get consecutive
// numbers, and a ticket that fails gives its number back. With a
// ClientLimit, the client's count of the center and day is raised first, in
// the same transaction: its row stays locked until the commit, so two
// tickets of one client at once are counted one after the other, and a
// refused or failed ticket leaves the count as it was. Every transaction
// locks the client's row before the counter's, so none waits for another
// in a circle.
func (s *Store) IssueTicket(ctx context.Context, t booking.Ticket, limit booking.ClientLimit) (booking.Ticket, error) {
	var issued ticketRow
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if limit.Caps() {
			var n int
			err := tx.Raw(`INSERT INTO ticket_clients (center_id, day, client, n) VALUES (?, ?, ?, 1)
				ON CONFLICT (center_id, day, client) DO UPDATE SET n = ticket_clients.n + 1
				RETURNING n`, t.Center, t.Day.String(), limit.Client).Row().Scan(&n)
			if err != nil {
				return fmt.Errorf("count the client's tickets: %w", err)
			}
			if n > limit.Max {
				return fmt.Errorf("ticket %d of one client: %w", n, booking.ErrTooManyTickets)
			}
		}
		prefix := t.Kind.Prefix()
		var n int
		err := tx.Raw(`INSERT INTO ticket_counters (center_id, day, prefix, n) VALUES (?, ?, ?, 1)
			ON CONFLICT (center_id, day, prefix) DO UPDATE SET n = ticket_counters.n + 1
			RETURNING n`, t.Center, t.Day.String(), prefix).Row().Scan(&n)
		if err != nil {
			return fmt.Errorf("draw a ticket number: %w", err)
		}
		row := toTicketRow(t)
		row.ID = 0
		row.Number = fmt.Sprintf("%s-%03d", prefix, n)
		if err := tx.Create(&row).Error; err != nil {
			if uniqueViolation(err) {
				return fmt.Errorf("ticket %s: %w", row.Number, booking.ErrDuplicate)
			}
			return fmt.Errorf("insert ticket: %w", err)
		}
		issued = row
		return s.notifyQueue(tx, t.Center)
	})
	if err != nil {
		return booking.Ticket{}, fmt.Errorf("issue ticket at %s: %w", t.Center, err)
	}
	if limit.Caps() && rand.IntN(pruneEvery) == 0 {
		// The counts of past days limit nothing. The ticket is issued
		// whether or not they go: the next try deletes them.
		if err := s.db.WithContext(ctx).Exec(`DELETE FROM ticket_clients WHERE day < ?`, t.Day.String()).Error; err != nil {
			s.logger.WarnContext(ctx, "delete past days' ticket counts", "error", err)
		}
	}
	return issued.toTicket()
}

// notifyQueue tells the listeners of queueChannel (PostgreSQL only) that the
// center's queue changed, when tx commits.
func (s *Store) notifyQueue(tx *gorm.DB, center string) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_notify(?, ?)", queueChannel, center).Error; err != nil {
		return fmt.Errorf("notify %s: %w", queueChannel, err)
	}
	return nil
}

// Ticket returns a ticket by ID.
func (s *Store) Ticket(ctx context.Context, id int64) (booking.Ticket, error) {
	return s.findTicket(ctx, fmt.Sprintf("no ticket %d", id), "id = ?", id)
}

// TicketByToken returns the ticket whose page token is token.
func (s *Store) TicketByToken(ctx context.Context, token string) (booking.Ticket, error) {
	return s.findTicket(ctx, "no such ticket", "token = ?", token)
}

// TicketOfBooking returns the ticket a booking was checked in with.
func (s *Store) TicketOfBooking(ctx context.Context, bookingID int64) (booking.Ticket, error) {
	return s.findTicket(ctx, fmt.Sprintf("booking %d has no ticket", bookingID), "booking_id = ?", bookingID)
}

// findTicket returns the one ticket that where (on unique columns) picks,
// or a not-found error saying missing.
func (s *Store) findTicket(ctx context.Context, missing, where string, args ...any) (booking.Ticket, error) {
	row, err := findRow[ticketRow](ctx, s, missing, where, args...)
	if err != nil {
		return booking.Ticket{}, err
	}
	return row.toTicket()
}

// Tickets returns a center's tickets of a day, by ID.
func (s *Store) Tickets(ctx context.Context, center string, day booking.Date) ([]booking.Ticket, error) {
	return s.TicketsBetween(ctx, center, day, day)
}

// TicketsBetween returns every ticket of a center on the days from from to
// to, both included, by ID.
func (s *Store) TicketsBetween(ctx context.Context, center string, from, to booking.Date) ([]booking.Ticket, error) {
	var rows []ticketRow
	if err := s.db.WithContext(ctx).Raw(ticketsOfDaysSQL, center, from.String(), to.String()).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("tickets of %s from %s to %s: %w", center, from, to, err)
	}
	tickets := make([]booking.Ticket, len(rows))
	for i, r := range rows {
		t, err := r.toTicket()
		if err != nil {
			return nil, err
		}
		tickets[i] = t
	}
	return tickets, nil
}

// CallNext takes the next ticket of a center's day at now (see
// booking.NextTicket) and gives it to desk, in one transaction. On PostgreSQL the ticket's row is locked with
// FOR UPDATE SKIP LOCKED: a desk calling at the same moment skips it and
// takes the next, without waiting. SQLite's transactions take the write
// lock when they begin (_txlock=immediate), so they run one at a time.
func (s *Store) CallNext(ctx context.Context, center string, day booking.Date, desk string, now time.Time) (booking.Ticket, error) {
	query := nextTicketSQL
	if s.dialect == dialectPostgres {
		query += " FOR UPDATE SKIP LOCKED"
	}
	var called ticketRow
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Raw(query, center, day.String(), dbTime(now)).Scan(&ids).Error; err != nil {
			return fmt.Errorf("find the next ticket: %w", err)
		}
		if len(ids) == 0 {
			return notFound("nobody waits at %s", center)
		}
		res := tx.Exec(`UPDATE tickets SET state = 'called', desk = ?, calls = 1, called_at = ?
			WHERE id = ? AND state = 'waiting'`, desk, dbTime(now), ids[0])
		if res.Error != nil {
			return fmt.Errorf("call ticket %d: %w", ids[0], res.Error)
		}
		if res.RowsAffected != 1 {
			// The lock or the single writer rules this out.
			return fmt.Errorf("ticket %d was called meanwhile: %w", ids[0], booking.ErrConflict)
		}
		if err := tx.Where("id = ?", ids[0]).Take(&called).Error; err != nil {
			return fmt.Errorf("read ticket %d: %w", ids[0], err)
		}
		return s.notifyQueue(tx, center)
	})
	if err != nil {
		return booking.Ticket{}, fmt.Errorf("call next at %s: %w", center, err)
	}
	return called.toTicket()
}

// UpdateTicket stores t's service, state, desk, calls and times in place of
// the ticket with t.ID, if that is still in state from with calls calls.
func (s *Store) UpdateTicket(ctx context.Context, t booking.Ticket, from booking.TicketState, calls int) error {
	row := toTicketRow(t)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE tickets SET service_id = ?, state = ?, desk = ?, calls = ?, called_at = ?, done_at = ?
			WHERE id = ? AND state = ? AND calls = ?`,
			row.ServiceID, row.State, row.Desk, row.Calls, row.CalledAt, row.DoneAt, row.ID, string(from), calls)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return missingOrChanged(tx, &ticketRow{}, t.ID, fmt.Sprintf("no ticket %d", t.ID),
				fmt.Sprintf("ticket %d is no longer %s with %d calls", t.ID, from, calls))
		}
		return s.notifyQueue(tx, t.Center)
	})
	if err != nil {
		return fmt.Errorf("update ticket %d: %w", t.ID, err)
	}
	return nil
}
