package booking

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

// seatStore is an in-memory Store of seats and closures that counts its
// reads; the other methods are not used here.
type seatStore struct {
	Store
	mu       sync.Mutex
	taken    map[int64]int // desk seats by unit start, Unix seconds
	closures []Closure
	reads    int
	nextID   int64
}

func (s *seatStore) Usage(_ context.Context, center string, from, to time.Time) ([]Usage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	var us []Usage
	for sec, n := range s.taken {
		if t := time.Unix(sec, 0); !t.Before(from) && t.Before(to) && n > 0 {
			us = append(us, Usage{Resource: deskResource, Start: t, Booked: n})
		}
	}
	return us, nil
}

func (s *seatStore) Closures(_ context.Context, center string, from, to Date) ([]Closure, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cs []Closure
	for _, c := range s.closures {
		if !c.Day.Before(from) && !c.Day.After(to) {
			cs = append(cs, c)
		}
	}
	return cs, nil
}

func (s *seatStore) AddClosure(_ context.Context, c Closure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closures = append(s.closures, c)
	return nil
}

func (s *seatStore) Appointments(context.Context, string, time.Time, time.Time) ([]Booking, error) {
	return nil, nil
}

func (s *seatStore) CreateBooking(_ context.Context, b Booking, claims []Claim, _ *Idempotency, _ EmailKind) (Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range claims {
		if s.taken[c.Start.Unix()] >= c.Capacity {
			return Booking{}, ErrSlotFull
		}
	}
	for _, c := range claims {
		s.taken[c.Start.Unix()]++
	}
	s.nextID++
	b.ID = s.nextID
	return b, nil
}

// take changes the seats behind the scheduler's back, as another server
// process would.
func (s *seatStore) take(start time.Time, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taken[start.Unix()] += n
}

func (s *seatStore) readCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// TestSeatCache: listings are served from memory until this scheduler
// changes a day, another process announces a change (Changed), or the
// entries outlive the TTL; a closure is seen at once.
func TestSeatCache(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	monday := Date{Year: 2026, Month: time.November, Day: 30}
	now := monday.AddDays(-3).At(12*time.Hour, loc)
	center := Center{ID: "aarhus", Code: "AAR", Name: "Aarhus", Desks: 2, SlotStep: 30 * time.Minute,
		Hours: map[time.Weekday]Span{time.Monday: {Open: 9 * time.Hour, Close: 12 * time.Hour}}}
	service := Service{ID: "permit", Name: "Permit", Mode: Appointment, Duration: 30 * time.Minute}
	store := &seatStore{taken: map[int64]int{}}
	sealer, err := NewSealer(bytes.Repeat([]byte{1}, TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := NewScheduler(Catalogue{Centers: []Center{center}, Services: []Service{service}}, store, sealer,
		Policy{Location: loc, HorizonDays: 60, MaxSlotDays: 31, SeatCacheTTL: time.Hour}, func() time.Time { return now })
	var clock time.Time // the cache's, for its time to live
	s.seatCache.now = func() time.Time { return clock }
	clock = time.Now()

	nine := monday.At(9*time.Hour, loc)
	free := func(start time.Time) int {
		t.Helper()
		slots, err := s.Slots(t.Context(), SlotQuery{Center: "aarhus", Service: "permit", From: monday, To: monday})
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range slots {
			if sl.Start.Equal(start) {
				return sl.Available
			}
		}
		return -1
	}
	if n := free(nine); n != 2 {
		t.Fatalf("09:00 has %d seats, want 2", n)
	}
	reads := store.readCount()
	if free(nine) != 2 || free(nine) != 2 || store.readCount() != reads {
		t.Errorf("listing again read the store (%d reads, then %d)", reads, store.readCount())
	}

	// Another process books: not seen until it is announced...
	store.take(nine, 1)
	store.take(nine.Add(Unit), 1)
	if n := free(nine); n != 2 {
		t.Errorf("09:00 has %d seats before the announcement, want the cached 2", n)
	}
	s.Changed("aarhus", nine, nine.Add(30*time.Minute))
	if n := free(nine); n != 1 {
		t.Errorf("09:00 has %d seats after the announcement, want 1", n)
	}
	// ... and an announcement of another center changes nothing.
	store.take(nine, 1)
	store.take(nine.Add(Unit), 1)
	s.Changed("odense", time.Time{}, time.Time{})
	if n := free(nine); n != 1 {
		t.Errorf("09:00 has %d seats after another center's announcement, want the cached 1", n)
	}

	// A lost announcement: the entry lives no longer than the TTL.
	clock = clock.Add(time.Hour)
	if n := free(nine); n != 0 {
		t.Errorf("09:00 has %d seats after the TTL, want 0", n)
	}

	// This scheduler's own booking drops its day at once.
	ten := monday.At(10*time.Hour, loc)
	if n := free(ten); n != 2 {
		t.Fatalf("10:00 has %d seats, want 2", n)
	}
	if _, _, err := s.Book(t.Context(), Request{Center: "aarhus", Service: "permit", Start: ten, Name: "Ana Silva", Email: "ana@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n := free(ten); n != 1 {
		t.Errorf("10:00 has %d seats after booking it, want 1", n)
	}
	// A booking refused as full drops the day too, so that the listing
	// stops offering what the database refused.
	store.take(ten, 1)
	store.take(ten.Add(Unit), 1)
	if _, _, err := s.Book(t.Context(), Request{Center: "aarhus", Service: "permit", Start: ten, Name: "Bo Berg", Email: "bo@example.com"}); err == nil {
		t.Fatal("booked a full slot")
	}
	if n := free(ten); n != 0 {
		t.Errorf("10:00 has %d seats after a refusal, want 0", n)
	}

	// A closure through the scheduler is seen at once.
	if _, err := s.AddClosure(t.Context(), Closure{Center: "aarhus", Day: monday, Reason: "Moving"}); err != nil {
		t.Fatal(err)
	}
	if n := free(ten); n != -1 {
		t.Errorf("10:00 is listed with %d seats on a closed day", n)
	}
}
