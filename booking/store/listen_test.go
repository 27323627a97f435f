package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// TestListen hears on one server process the changes another commits: a
// queue change, as the waiting-room display of one process must hear the
// call a desk made on the other, and a booking's seats, as its slot
// listings must. A process is not told of its own seat changes: it knew.
func TestListen(t *testing.T) {
	url := storetest.URL(t, "postgres")
	listener, other := storetest.OpenURL(t, url), storetest.OpenURL(t, url)

	type change struct {
		center   string
		from, to time.Time
	}
	ctx, cancel := context.WithCancel(t.Context())
	queues := make(chan string, 100)
	seats := make(chan change, 100)
	done := make(chan error, 1)
	go func() {
		done <- listener.Listen(ctx, store.Listeners{
			Queue: func(center string) { queues <- center },
			Seats: func(center string, from, to time.Time) { seats <- change{center, from, to} },
		})
	}()

	// LISTEN starts at some moment after the goroutine: announce until
	// heard, within a deadline.
	deadline := time.After(10 * time.Second)
	for got := ""; got != "aarhus"; {
		if err := other.NotifyQueue(t.Context(), "aarhus"); err != nil {
			t.Fatal(err)
		}
		select {
		case got = <-queues:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("the change was never heard")
		}
	}

	// Once listening, the listener was told that anything may have
	// changed before.
	select {
	case got := <-seats:
		if got.center != "" || !got.from.IsZero() {
			t.Errorf("first heard %+v, want anything of any center", got)
		}
	case <-deadline:
		t.Fatal("not told that anything may have changed")
	}

	// The listener's own booking first, then the other's: only the other's
	// is heard, and it names the units it took.
	mine := newBooking("CPH-OWN", unit(0))
	create(t, listener, mine, desk(unit(0), 2), desk(unit(1), 2))
	theirs := newBooking("CPH-THEIRS", unit(4))
	create(t, other, theirs, desk(unit(4), 2), desk(unit(5), 2))
	select {
	case got := <-seats:
		if got.center != "cph" || !got.from.Equal(unit(4)) || !got.to.Equal(unit(6)) {
			t.Errorf("heard %+v, want cph from %v to %v", got, unit(4), unit(6))
		}
	case <-deadline:
		t.Fatal("the booking was never heard")
	}
	// A closure names the center and no time: any of its days may change.
	if err := other.AddClosure(t.Context(), booking.Closure{Center: "cph", Day: booking.DateOf(unit(0))}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-seats:
		if got.center != "cph" || !got.from.IsZero() || !got.to.IsZero() {
			t.Errorf("heard %+v after a closure, want cph at any time", got)
		}
	case <-deadline:
		t.Fatal("the closure was never heard")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Listen: %v", err)
	}
	// SQLite has no notifications: Listen returns at once.
	if err := storetest.Open(t, "sqlite").Listen(t.Context(), store.Listeners{}); err != nil {
		t.Error(err)
	}
}

// TestReady: a migrated database is ready; one that lacks migrations says
// so.
func TestReady(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			if err := storetest.Open(t, dialect).Ready(t.Context()); err != nil {
				t.Errorf("migrated: %v", err)
			}
		})
	}
	empty, err := store.Open(t.Context(), "sqlite:"+t.TempDir()+"/empty.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if err := empty.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), "icsbooking migrate") {
		t.Errorf("not migrated: %v", err)
	}
}
