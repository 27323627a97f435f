package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// TestRotatingReschedules moves 20 bookings into each other's slots at once,
// round after round, while a new booking takes one of those slots. Every
// change locks the seat counters it releases and takes in one order, so
// none waits for another in a cycle: no 500, no deadlock (on PostgreSQL,
// whose deadlock detector would break one after a second and the store
// retry it unseen, the database's count of deadlocks stays as it was), and
// the counters still add up to the bookings. How long the answers take is
// not asserted: that depends on the machine.
func TestRotatingReschedules(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		databaseURL := storetest.URL(t, dialect)
		a := newApp(t, dialect, thursday, withDatabase(databaseURL))
		deadlocksBefore := a.deadlocks()
		// Ten slots a day on two days, half an hour apart: a 45-minute
		// booking shares a unit with each neighbour, so moves contend.
		var positions []string
		for _, day := range []string{"2026-12-03", "2026-12-04"} {
			for i := range 10 {
				positions = append(positions, fmt.Sprintf("%sT%02d:%02d:00+01:00", day, 9+i/2, 30*(i%2)))
			}
		}
		type held struct{ reference, token string }
		bookings := make([]held, len(positions))
		for i, start := range positions {
			body := bookingBody("aarhus", permit, start)
			body["email"] = fmt.Sprintf("p%d@example.com", i)
			bookings[i].reference, bookings[i].token = a.book(body)
		}

		const rounds = 10
		statuses := map[int]int{}
		for round := 1; round <= rounds; round++ {
			var (
				wg sync.WaitGroup
				mu sync.Mutex
			)
			send := func(path, body, token string) {
				defer wg.Done()
				req, err := http.NewRequest("POST", a.srv.URL+path, strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := a.srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				defer mu.Unlock()
				statuses[res.StatusCode]++
			}
			for i, b := range bookings {
				wg.Add(1)
				target := positions[(i+round)%len(positions)]
				go send("/api/v1/bookings/"+b.reference+"/reschedule", `{"start":"`+target+`"}`, b.token)
			}
			wg.Add(1)
			newcomer := fmt.Sprintf(`{"center":"aarhus","service":%q,"start":%q,"name":"New %d","email":"new%d@example.com"}`,
				permit, positions[(3*round)%len(positions)], round, round)
			go send("/api/v1/bookings", newcomer, "")
			wg.Wait()
		}
		t.Logf("statuses %v", statuses)
		for status, n := range statuses {
			if status != http.StatusOK && status != http.StatusCreated && status != http.StatusConflict {
				t.Errorf("%d answers with status %d", n, status)
			}
		}
		if statuses[http.StatusOK] == 0 {
			t.Error("no reschedule succeeded")
		}
		a.countersMatchBookings()
		if dialect == "postgres" {
			if n := a.deadlocksAfterClose(databaseURL); n != deadlocksBefore {
				t.Errorf("PostgreSQL counted %d deadlocks, want none", n-deadlocksBefore)
			}
		}
	})
}

// deadlocks is how many deadlocks PostgreSQL has counted in the app's
// database; 0 on SQLite, whose one connection cannot deadlock.
func (a *app) deadlocks() int64 {
	a.t.Helper()
	var n int64
	if a.store.Dialect() != "postgres" {
		return 0
	}
	if err := a.store.DB().Raw(deadlocksSQL).Scan(&n).Error; err != nil {
		a.t.Fatal(err)
	}
	return n
}

const deadlocksSQL = `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`

// deadlocksAfterClose closes the app's store and then reads, on a
// connection of its own to databaseURL, how many deadlocks PostgreSQL has
// counted in the database. A backend reports its counts when it exits, so
// the count is read once every other connection to the database has gone.
func (a *app) deadlocksAfterClose(databaseURL string) int64 {
	a.t.Helper()
	if err := a.store.Close(); err != nil {
		a.t.Fatal(err)
	}
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for deadline := time.Now().Add(waitLimit); ; {
		var others int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others)
		if err != nil {
			a.t.Fatal(err)
		}
		if others == 0 {
			break
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%d connections to the database are still open after the store closed", others)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
	var n int64
	if err := db.QueryRow(deadlocksSQL).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// countersMatchBookings checks that every seat counter holds exactly the
// desks the confirmed bookings occupy in its unit.
func (a *app) countersMatchBookings() {
	a.t.Helper()
	db := a.store.DB().WithContext(context.Background())
	var want []struct {
		Start  time.Time
		Booked int
	}
	// A unit is taken by every confirmed booking that covers it.
	err := db.Raw(`SELECT c.starts_at AS start, COUNT(b.id) AS booked
		FROM slot_counters c LEFT JOIN bookings b
		ON b.center_id = c.center_id AND b.status = 'confirmed' AND b.starts_at <= c.starts_at AND b.ends_at > c.starts_at
		WHERE c.resource = 'desk'
		GROUP BY c.starts_at ORDER BY c.starts_at`).Scan(&want).Error
	if err != nil {
		a.t.Fatal(err)
	}
	var got []struct {
		Start  time.Time
		Booked int
	}
	if err := db.Raw(`SELECT starts_at AS start, booked FROM slot_counters WHERE resource = 'desk' ORDER BY starts_at`).Scan(&got).Error; err != nil {
		a.t.Fatal(err)
	}
	if len(got) != len(want) {
		a.t.Fatalf("%d counters, %d expected", len(got), len(want))
	}
	for i := range got {
		if got[i].Booked != want[i].Booked {
			a.t.Errorf("unit %s: counter %d, bookings %d", got[i].Start.UTC(), got[i].Booked, want[i].Booked)
		}
	}
}

// TestSameRequestTwice sends two cancels of one booking at the same moment:
// both answer 200 with the cancelled booking, and the newcomer gets one
// cancellation. Moving a booking to the slot it has changes nothing.
func TestSameRequestTwice(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		for i := range 10 {
			start := fmt.Sprintf("2026-12-03T%02d:00:00+01:00", 9+i%5)
			ref, token := a.book(bookingBody("aarhus", permit, start))

			var wg sync.WaitGroup
			answers := make([]response, 2)
			for j := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[j] = a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Authorization", "Bearer "+token)
				}()
			}
			wg.Wait()
			for _, r := range answers {
				if r.status != http.StatusOK || r.json(t)["status"] != "cancelled" {
					t.Fatalf("concurrent cancel: %d %s", r.status, r.body)
				}
			}
			if n := a.emails(ref, "cancellation"); n != 1 {
				t.Errorf("%d cancellation emails, want 1", n)
			}
		}

		ref, token := a.book(bookingBody("aarhus", permit, "2026-12-04T10:00:00+01:00"))
		r := a.do("POST", "/api/v1/bookings/"+ref+"/reschedule", map[string]any{"start": "2026-12-04T10:00:00+01:00"},
			"Authorization", "Bearer "+token)
		if r.status != http.StatusOK || r.json(t)["start"] != "2026-12-04T10:00:00+01:00" {
			t.Fatalf("reschedule to the same slot: %d %s", r.status, r.body)
		}
		if n := a.emails(ref, "update"); n != 0 {
			t.Errorf("%d update emails for a move to the same slot, want none", n)
		}
		if got := a.slots("aarhus", "service="+permit+"&from=2026-12-04&to=2026-12-04")["2026-12-04T10:00:00+01:00"]; got != 2 {
			t.Errorf("%d seats left at 10:00, want 2", got)
		}
	})
}

// emails counts the emails of a kind recorded for a booking.
func (a *app) emails(reference, kind string) int {
	a.t.Helper()
	var n int64
	err := a.store.DB().WithContext(context.Background()).Table("emails").
		Joins("JOIN bookings ON bookings.id = emails.booking_id").
		Where("bookings.reference = ? AND emails.kind = ?", reference, kind).Count(&n).Error
	if err != nil {
		a.t.Fatal(err)
	}
	return int(n)
}
