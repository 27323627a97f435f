package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// queueDay is the day of bookingtest.Thursday, whose queues the tests fill.
var queueDay = booking.DateOf(bookingtest.Thursday)

// walkInTicket is a waiting walk-in ticket of a center's day, issued at at.
func walkInTicket(center string, day booking.Date, at time.Time) booking.Ticket {
	return booking.Ticket{
		Token:  "token-" + center + "-" + day.String() + "-" + nextSuffix(),
		Center: center, Day: day, Kind: booking.WalkInTicket, Service: "general-information",
		Lane: booking.WalkInLane, Priority: at, State: booking.Waiting, IssuedAt: at,
	}
}

var (
	suffixMu sync.Mutex
	suffixN  int
)

// nextSuffix makes tokens unique within a test binary.
func nextSuffix() string {
	suffixMu.Lock()
	defer suffixMu.Unlock()
	suffixN++
	return fmt.Sprint(suffixN)
}

func issue(t *testing.T, s *store.Store, tk booking.Ticket) booking.Ticket {
	t.Helper()
	issued, err := s.IssueTicket(t.Context(), tk, booking.ClientLimit{})
	if err != nil {
		t.Fatalf("IssueTicket: %v", err)
	}
	return issued
}

// Numbers restart per center, day and prefix.
func TestTicketNumbers(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		at := bookingtest.Thursday.Add(5 * time.Minute)
		next := queueDay.AddDays(1)
		b := create(t, s, newBooking("CPH-TICKT1", nine))
		appointment := walkInTicket("aarhus", queueDay, at)
		appointment.Kind, appointment.BookingID, appointment.Lane = booking.AppointmentTicket, b.ID, booking.AppointmentLane
		for _, c := range []struct {
			ticket booking.Ticket
			want   string
		}{
			{walkInTicket("aarhus", queueDay, at), "W-001"},
			{walkInTicket("aarhus", queueDay, at), "W-002"},
			{appointment, "A-001"},
			{walkInTicket("aarhus", queueDay, at), "W-003"},
			{walkInTicket("odense", queueDay, at), "W-001"},
			{walkInTicket("aarhus", next, at.Add(24*time.Hour)), "W-001"},
			{walkInTicket("odense", queueDay, at), "W-002"},
		} {
			if got := issue(t, s, c.ticket); got.Number != c.want {
				t.Errorf("%s on %s: number %s, want %s", c.ticket.Center, c.ticket.Day, got.Number, c.want)
			}
		}

		// Read back as written.
		got, err := s.TicketOfBooking(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != "A-001" || got.Center != "aarhus" || got.Day != queueDay || got.Kind != booking.AppointmentTicket ||
			got.Lane != booking.AppointmentLane || !got.Priority.Equal(at) || got.State != booking.Waiting || got.CalledAt != (time.Time{}) {
			t.Errorf("read back %+v", got)
		}
		if byToken, err := s.TicketByToken(t.Context(), appointment.Token); err != nil || byToken.ID != got.ID {
			t.Errorf("TicketByToken: %+v, %v", byToken, err)
		}
		if _, err := s.TicketByToken(t.Context(), "nope"); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}

		// A booking has one ticket; a failed ticket gives its number back.
		again := appointment
		again.Token = "another-token"
		if _, err := s.IssueTicket(t.Context(), again, booking.ClientLimit{}); !errors.Is(err, booking.ErrDuplicate) {
			t.Errorf("a second ticket for a booking: %v", err)
		}
		b2 := create(t, s, newBooking("CPH-TICKT2", nine))
		second := walkInTicket("aarhus", queueDay, at)
		second.Kind, second.BookingID, second.Lane = booking.AppointmentTicket, b2.ID, booking.AppointmentLane
		if got := issue(t, s, second); got.Number != "A-002" {
			t.Errorf("after a failed ticket: %s, want A-002", got.Number)
		}
		tickets, err := s.Tickets(t.Context(), "aarhus", queueDay)
		if err != nil || len(tickets) != 5 {
			t.Fatalf("Tickets: %d, %v", len(tickets), err)
		}
	})
}

// eachDialectTwoStores runs test once per dialect, each time with two
// stores on one fresh database, as two server processes.
func eachDialectTwoStores(t *testing.T, test func(t *testing.T, stores [2]*store.Store)) {
	t.Helper()
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := storetest.URL(t, dialect)
			test(t, [2]*store.Store{storetest.OpenURL(t, url), storetest.OpenURL(t, url)})
		})
	}
}

// together runs fn(0) to fn(n-1) at once and fails the test with their
// errors.
func together(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// 50 tickets issued at once through two servers get 50 distinct,
// consecutive numbers.
func TestConcurrentTicketNumbers(t *testing.T) {
	eachDialectTwoStores(t, func(t *testing.T, stores [2]*store.Store) {
		const n = 50
		at := bookingtest.Thursday.Add(5 * time.Minute)
		numbers := make([]string, n)
		together(t, n, func(i int) error {
			tk, err := stores[i%2].IssueTicket(context.Background(), walkInTicket("aarhus", queueDay, at), booking.ClientLimit{})
			numbers[i] = tk.Number
			return err
		})
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("W-%03d", i+1); got != want {
				t.Fatalf("numbers %v: want W-001 to W-%03d, each once", numbers, n)
			}
		}
	})
}

// One client's tickets taken at once through two servers are counted
// together: exactly Max are issued, the others refused with nothing
// written; another client, center or day counts on its own, and a ticket
// without a limit counts nothing.
func TestConcurrentTicketsPerClient(t *testing.T) {
	eachDialectTwoStores(t, func(t *testing.T, stores [2]*store.Store) {
		const n, max = 12, 3
		at := time.Date(2026, 11, 26, 9, 5, 0, 0, time.UTC)
		ana := booking.ClientLimit{Client: []byte("ana's address key"), Max: max}
		issued := make([]bool, n)
		together(t, n, func(i int) error {
			_, err := stores[i%2].IssueTicket(context.Background(), walkInTicket("aarhus", queueDay, at), ana)
			issued[i] = err == nil
			if errors.Is(err, booking.ErrTooManyTickets) {
				return nil
			}
			return err
		})
		if got := count(t, stores[0], "tickets", "center_id = ?", "aarhus"); got != max {
			t.Errorf("%d tickets issued of %d taken at once (%v), want %d", got, n, issued, max)
		}
		if got := count(t, stores[0], "ticket_clients", "n = ?", max); got != 1 {
			t.Errorf("%d rows count %d tickets, want the one client's: refused tickets count nothing", got, max)
		}
		for _, tt := range []struct {
			name   string
			center string
			day    booking.Date
			limit  booking.ClientLimit
		}{
			{"another client", "aarhus", queueDay, booking.ClientLimit{Client: []byte("bo's address key"), Max: max}},
			{"another center", "odense", queueDay, ana},
			{"another day", "aarhus", queueDay.AddDays(1), ana},
			{"no client", "aarhus", queueDay, booking.ClientLimit{Max: max}},
			{"no limit", "aarhus", queueDay, booking.ClientLimit{Client: ana.Client}},
		} {
			if _, err := stores[0].IssueTicket(t.Context(), walkInTicket(tt.center, tt.day, at), tt.limit); err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		if _, err := stores[1].IssueTicket(t.Context(), walkInTicket("aarhus", queueDay, at), ana); !errors.Is(err, booking.ErrTooManyTickets) {
			t.Errorf("past the limit, after tickets without it: %v", err)
		}
	})
}

// Two desks on two servers calling at once until nobody waits call every
// ticket exactly once.
func TestConcurrentCallNext(t *testing.T) {
	eachDialectTwoStores(t, func(t *testing.T, stores [2]*store.Store) {
		const n = 60
		at := bookingtest.Thursday.Add(5 * time.Minute)
		for i := range n {
			issue(t, stores[0], walkInTicket("aarhus", queueDay, at.Add(time.Duration(i)*time.Second)))
		}
		// One ticket of another center and one of another day are
		// not called.
		other := issue(t, stores[0], walkInTicket("odense", queueDay, at))
		tomorrow := issue(t, stores[0], walkInTicket("aarhus", queueDay.AddDays(1), at))

		now := at.Add(time.Hour)
		called := make([][]booking.Ticket, 4)
		together(t, len(called), func(d int) error {
			for {
				tk, err := stores[d%2].CallNext(context.Background(), "aarhus", queueDay, fmt.Sprintf("desk %d", d), now)
				if errors.Is(err, booking.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				called[d] = append(called[d], tk)
			}
		})
		seen := map[int64]int{}
		for d, tickets := range called {
			for _, tk := range tickets {
				seen[tk.ID]++
				if tk.State != booking.Called || tk.Calls != 1 || tk.Desk != fmt.Sprintf("desk %d", d) || !tk.CalledAt.Equal(now) {
					t.Errorf("called ticket %+v", tk)
				}
			}
		}
		if len(seen) != n {
			t.Errorf("%d tickets called, want %d", len(seen), n)
		}
		for id, times := range seen {
			if times != 1 {
				t.Errorf("ticket %d called %d times", id, times)
			}
			if id == other.ID || id == tomorrow.ID {
				t.Errorf("ticket %d of another center or day called", id)
			}
		}
		if n := count(t, stores[0], "tickets", "state = 'waiting'"); n != 2 {
			t.Errorf("%d tickets still wait, want the other center's and day's", n)
		}
	})
}

// Call next follows booking.QueueOrder: an appointment holder whose time
// has come first, then the longest-waiting walk-in; an early one waits
// while anyone's turn has come, and is called when nobody else waits.
func TestCallNextOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		now := bookingtest.Thursday.Add(time.Hour)
		appointment := func(ref string, start time.Time, lane booking.Lane, priority time.Time) booking.Ticket {
			b := create(t, s, newBooking(ref, start))
			tk := walkInTicket("aarhus", queueDay, now.Add(-time.Hour))
			tk.Kind, tk.BookingID, tk.Lane, tk.Priority = booking.AppointmentTicket, b.ID, lane, priority
			return issue(t, s, tk)
		}
		w1 := issue(t, s, walkInTicket("aarhus", queueDay, now.Add(-50*time.Minute)))
		early := appointment("AAR-EARLY1", now.Add(10*time.Minute), booking.AppointmentLane, now.Add(10*time.Minute))
		late := appointment("AAR-LATE01", now.Add(-time.Hour), booking.WalkInLane, now.Add(-40*time.Minute))
		w2 := issue(t, s, walkInTicket("aarhus", queueDay, now.Add(-30*time.Minute)))
		onTime := appointment("AAR-ONTIM1", now.Add(-5*time.Minute), booking.AppointmentLane, now.Add(-5*time.Minute))
		early2 := appointment("AAR-EARLY2", now.Add(5*time.Minute), booking.AppointmentLane, now.Add(5*time.Minute))

		all, err := s.Tickets(ctx, "aarhus", queueDay)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, tk := range booking.QueueOrder(all, now) {
			want = append(want, tk.ID)
		}
		if !slices.Equal(want, []int64{onTime.ID, w1.ID, late.ID, w2.ID, early2.ID, early.ID}) {
			t.Fatalf("QueueOrder %v", want)
		}
		var got []int64
		for {
			tk, err := s.CallNext(ctx, "aarhus", queueDay, "1", now)
			if errors.Is(err, booking.ErrNotFound) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, tk.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("called %v, want %v", got, want)
		}
	})
}

// A ticket whose turn has come goes before an appointment holder who is
// early, however soon its time, until that time comes.
func TestCallNextEarlyAtItsTime(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		now := bookingtest.Thursday.Add(time.Hour)
		b := create(t, s, newBooking("AAR-EARLY3", now.Add(time.Minute)))
		tk := walkInTicket("aarhus", queueDay, now.Add(-10*time.Minute))
		tk.Kind, tk.BookingID, tk.Lane, tk.Priority = booking.AppointmentTicket, b.ID, booking.AppointmentLane, b.Start
		early := issue(t, s, tk)
		w1 := issue(t, s, walkInTicket("aarhus", queueDay, now.Add(-time.Second)))
		w2 := issue(t, s, walkInTicket("aarhus", queueDay, now))
		for i, want := range []struct {
			at time.Time
			id int64
		}{{now, w1.ID}, {now.Add(time.Minute), early.ID}, {now.Add(time.Minute), w2.ID}} {
			got, err := s.CallNext(ctx, "aarhus", queueDay, "1", want.at)
			if err != nil || got.ID != want.id {
				t.Errorf("call %d: %+v, %v; want ticket %d", i+1, got, err, want.id)
			}
		}
	})
}

// UpdateTicket is a compare-and-swap on state and calls.
func TestUpdateTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		at := bookingtest.Thursday
		issue(t, s, walkInTicket("aarhus", queueDay, at))
		tk, err := s.CallNext(ctx, "aarhus", queueDay, "2", at)
		if err != nil {
			t.Fatal(err)
		}
		recalled := tk
		recalled.Calls, recalled.CalledAt = 2, at.Add(time.Minute)
		if err := s.UpdateTicket(ctx, recalled, booking.Called, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateTicket(ctx, recalled, booking.Called, 1); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("a stale update: %v, want a conflict", err)
		}
		done := recalled
		done.State, done.DoneAt, done.Service = booking.Done, at.Add(9*time.Minute), "tax-card"
		if err := s.UpdateTicket(ctx, done, booking.Called, 2); err != nil {
			t.Fatal(err)
		}
		got, err := s.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != booking.Done || got.Calls != 2 || got.Service != "tax-card" || !got.DoneAt.Equal(done.DoneAt) || !got.CalledAt.Equal(recalled.CalledAt) {
			t.Errorf("stored %+v", got)
		}
		missing := done
		missing.ID = 1 << 40
		if err := s.UpdateTicket(ctx, missing, booking.Done, 2); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("an unknown ticket: %v", err)
		}
	})
}

// Every queue change is told on PostgreSQL's icsbooking_queue channel when
// it commits, with the center as payload.
func TestQueueNotifications(t *testing.T) {
	url := storetest.URL(t, "postgres")
	s := storetest.OpenURL(t, url)
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "LISTEN icsbooking_queue"); err != nil {
		t.Fatal(err)
	}
	wait := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("%s: no notification: %v", what, err)
		}
		if n.Payload != "odense" {
			t.Errorf("%s: payload %q, want odense", what, n.Payload)
		}
	}
	at := bookingtest.Thursday
	issue(t, s, walkInTicket("odense", queueDay, at))
	wait("issue")
	tk, err := s.CallNext(t.Context(), "odense", queueDay, "1", at)
	if err != nil {
		t.Fatal(err)
	}
	wait("call next")
	tk.State = booking.Done
	if err := s.UpdateTicket(t.Context(), tk, booking.Called, 1); err != nil {
		t.Fatal(err)
	}
	wait("update")
}
