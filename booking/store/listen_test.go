package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// TestListenQueue hears on one server process a queue change announced by
// another, as the waiting-room display of one process must hear the call a
// desk made on the other.
func TestListenQueue(t *testing.T) {
	url := storetest.URL(t, "postgres")
	listener, err := store.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	other, err := store.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	ctx, cancel := context.WithCancel(t.Context())
	heard := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- listener.ListenQueue(ctx, func(center string) { heard <- center }) }()

	// LISTEN starts at some moment after the goroutine: announce until
	// heard, within a deadline.
	deadline := time.After(10 * time.Second)
	for got := ""; got != "aarhus"; {
		if err := other.NotifyQueue(t.Context(), "aarhus"); err != nil {
			t.Fatal(err)
		}
		select {
		case got = <-heard:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("the change was never heard")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenQueue: %v", err)
	}
	// SQLite has no notifications: ListenQueue returns at once.
	if err := storetest.Open(t, "sqlite").ListenQueue(t.Context(), func(string) {}); err != nil {
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
