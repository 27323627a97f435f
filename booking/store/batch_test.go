package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// TestBatchedBookings books at once through two stores on one database (two
// server processes), 20 requests per slot of three seats over ten slots, a
// slot of one seat wanted by 20, and five requests that each send their
// Idempotency-Key twice for a slot of one seat (the retry is a replay, not
// refused as full): every slot gets exactly its seats, the others are
// refused as full without failing anyone else, a key books once, each
// booking has its email, the counters match the bookings, and bookings
// shared commits.
func TestBatchedBookings(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, dialect)
			stores := []*store.Store{storetest.OpenURL(t, url)}
			if dialect == "postgres" {
				stores = append(stores, storetest.OpenURL(t, url))
			}
			type outcome struct {
				slot int
				err  error
			}
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				outcomes []outcome
				ready    = make(chan struct{}) // closed once every request waits: a burst
			)
			book := func(i, slot, capacity int, idem *booking.Idempotency) {
				<-ready
				start := unit(2 * slot) // every other unit: no two slots share one
				b := newBooking(fmt.Sprintf("CPH-B%05d", i), start)
				b.End = start.Add(booking.Unit)
				b.Language = ""
				_, err := stores[i%len(stores)].CreateBooking(t.Context(), b, []booking.Claim{desk(start, capacity)}, idem, booking.EmailConfirmation)
				mu.Lock()
				outcomes = append(outcomes, outcome{slot, err})
				mu.Unlock()
			}
			for i := range 200 {
				wg.Go(func() { book(i, i%10, 3, nil) })
			}
			for i := range 20 {
				wg.Go(func() { book(200+i, 10, 1, nil) })
			}
			for i := range 10 {
				key := &booking.Idempotency{KeyHash: fmt.Appendf(nil, "key %d", i/2), RequestHash: []byte("request")}
				wg.Go(func() { book(300+i, 11+i/2, 1, key) })
			}
			close(ready)
			wg.Wait()

			booked := map[int]int{}
			for _, o := range outcomes {
				switch {
				case o.err == nil:
					booked[o.slot]++
				case errors.Is(o.err, booking.ErrSlotFull) && o.slot <= 10, errors.Is(o.err, booking.ErrDuplicate) && o.slot > 10:
				default:
					t.Errorf("slot %d: %v", o.slot, o.err)
				}
			}
			for slot := range 16 {
				want := map[bool]int{true: 3, false: 1}[slot < 10]
				if booked[slot] != want {
					t.Errorf("slot %d: %d booked, want %d", slot, booked[slot], want)
				}
			}
			sameRowCounts(t, stores[0], map[string]int64{"bookings": 36, "emails": 36, "idempotency_keys": 5})
			if n := count(t, stores[0], "slot_counters c", "c.booked <> (SELECT count(*) FROM bookings b WHERE b.starts_at = c.starts_at)"); n != 0 {
				t.Errorf("%d counters unlike their bookings", n)
			}
			var transactions, requests int64
			for _, s := range stores {
				tx, r := s.Batches()
				transactions += tx
				requests += r
			}
			// How many share one depends on how the requests meet the
			// writers, and a batch that fails as a whole (two stores
			// inserting one Idempotency-Key at once) is written again one
			// booking per transaction: only that some shared is certain.
			if requests < 200 || transactions >= requests {
				t.Errorf("%d requests answered by %d transactions, want at least 200 sharing them", requests, transactions)
			}
			t.Logf("%d requests answered by %d transactions", requests, transactions)
		})
	}
}

// A booking makes the counters of its unit's whole day, and a batch whose
// counters were removed behind the store's back (it knew them made) makes
// those it claims again rather than failing.
func TestBatchMakesDayCounters(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		createEmailing(t, s, newBooking("CPH-DAY001", unit(0)), booking.EmailConfirmation, desk(unit(0), 2), desk(unit(1), 2))
		counters := func() (all, booked int64) {
			t.Helper()
			if err := s.DB().WithContext(ctx).Raw(`SELECT COUNT(*), COALESCE(SUM(booked), 0) FROM slot_counters`).Row().Scan(&all, &booked); err != nil {
				t.Fatal(err)
			}
			return all, booked
		}
		if all, booked := counters(); all != 96 || booked != 2 {
			t.Errorf("after one booking: %d counters with %d seats taken, want the day's 96 with 2", all, booked)
		}
		if err := s.DB().WithContext(ctx).Exec(`DELETE FROM slot_counters WHERE booked = 0`).Error; err != nil {
			t.Fatal(err)
		}
		createEmailing(t, s, newBooking("CPH-DAY002", unit(4)), booking.EmailConfirmation, desk(unit(4), 2), desk(unit(5), 2))
		if all, booked := counters(); all != 4 || booked != 4 {
			t.Errorf("after the counters were removed: %d counters with %d seats taken, want the 4 claimed, taken", all, booked)
		}
	})
}
