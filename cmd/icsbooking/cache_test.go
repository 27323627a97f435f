package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/internal/servertest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// TestTwoServersListSeatsAlike runs two real server processes on one
// PostgreSQL database, each listing slots from its memory (the cache lives
// an hour here, so only the database's announcements can bring a change
// made by the other process), and books on both while both list: no slot is
// overbooked, and once the bookings are answered both servers list every
// slot as full; a cancellation on one is then listed as a free seat by the
// other.
func TestTwoServersListSeatsAlike(t *testing.T) {
	vars := settings(t, storetest.URL(t, "postgres"), smtptest.Start(t).URL())
	vars["ICS_SLOT_CACHE_TTL"] = "1h"
	servers := []*servertest.Process{startProcess(t, vars), startProcess(t, vars)}

	// Ten slots of 3 desks, every other one so that no two share a quarter
	// hour, on the first day from the day after tomorrow on that has them
	// (public holidays have none): both servers have listed them before
	// the burst.
	var day string
	var slots []string
	for d := 2; len(slots) < 10; d++ {
		if d > 14 {
			t.Fatalf("no day in the next two weeks has 20 slots")
		}
		day = time.Now().AddDate(0, 0, d).Format(time.DateOnly)
		slots = everyOther(slotsOf(t, servers[0].URL, day, day).starts, 10)
	}
	for _, s := range servers {
		for _, start := range slots {
			if n := slotsOf(t, s.URL, day, day).available[start]; n != 3 {
				t.Fatalf("before the burst %s lists %d seats at %s, want 3", s.URL, n, start)
			}
		}
	}

	// 60 bookings, half on each server, while both list all the time.
	var listing sync.WaitGroup
	stop := make(chan struct{})
	for _, s := range servers {
		listing.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					slotsOf(t, s.URL, day, day)
				}
			}
		})
	}
	counted, made := burst(servers, slots)
	close(stop)
	listing.Wait()
	if counted[http.StatusCreated] != 30 || counted[http.StatusConflict] != 30 {
		t.Fatalf("burst: %v, want 30 booked and 30 full (no slot overbooked)", counted)
	}

	// converge waits until every server lists want seats at every start,
	// far sooner than the hour the cache lives.
	converge := func(what string, want map[string]int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for _, s := range servers {
			for {
				got := slotsOf(t, s.URL, day, day).available
				wrong := ""
				for start, n := range want {
					if got[start] != n {
						wrong = fmt.Sprintf("%d seats at %s, want %d", got[start], start, n)
						break
					}
				}
				if wrong == "" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s still lists %s", what, s.URL, wrong)
				}
				time.Sleep(20 * time.Millisecond) // polling a listing, not synchronising
			}
		}
	}
	full := map[string]int{}
	for _, start := range slots {
		full[start] = 0
	}
	converge("after the burst", full)

	// A cancellation on one server frees a seat on the other.
	first := made[slots[0]][0]
	if status, data := post(servers[0].URL, "/api/v1/bookings/"+first.reference+"/cancel", "", "Authorization", "Bearer "+first.token); status != http.StatusOK {
		t.Fatalf("cancel: %d %s", status, data)
	}
	full[slots[0]] = 1
	converge("after a cancellation", full)
}
