package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/broadcast"
)

// state is what a test's Compute returns: the version of each key, and
// how often each key was computed.
type state struct {
	mu       sync.Mutex
	version  map[string]int
	computed map[string]int
	fail     atomic.Bool
	// gate, if set, holds every computation until it is closed.
	gate chan struct{}
	// done, if set, is told of every computation that ended.
	done chan struct{}
}

func newState() *state { return &state{version: map[string]int{}, computed: map[string]int{}} }

func (s *state) compute(ctx context.Context, key string) ([]byte, error) {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.computed[key]++
	if s.done != nil {
		s.done <- struct{}{}
	}
	if s.fail.Load() {
		return nil, errors.New("the database is away")
	}
	return []byte(key + " v" + strconv.Itoa(s.version[key])), nil
}

func (s *state) set(key string, version int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version[key] = version
}

func (s *state) computations(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.computed[key]
}

func newHub(t *testing.T, s *state, cfg broadcast.Config) *broadcast.Hub {
	t.Helper()
	cfg.Compute = s.compute
	h := broadcast.New(cfg)
	t.Cleanup(h.Close)
	return h
}

func subscribe(t *testing.T, h *broadcast.Hub, key, client string) *broadcast.Subscription {
	t.Helper()
	sub, err := h.Subscribe(key, client)
	if err != nil {
		t.Fatalf("Subscribe(%s, %s): %v", key, client, err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// receive waits for the subscription's next state, with a deadline.
func receive(t *testing.T, sub *broadcast.Subscription) string {
	t.Helper()
	select {
	case b := <-sub.C:
		return string(b)
	case <-time.After(10 * time.Second):
		t.Fatal("no state within 10 s")
		return ""
	}
}

// nothingWaiting checks that the subscription holds no state.
func nothingWaiting(t *testing.T, sub *broadcast.Subscription) {
	t.Helper()
	select {
	case b := <-sub.C:
		t.Errorf("unexpected state %q", b)
	default:
	}
}

// Every subscriber of a key gets the same state, computed once per change
// however many subscribe; another key is computed apart.
func TestOneComputationPerChange(t *testing.T) {
	s := newState()
	h := newHub(t, s, broadcast.Config{})
	subs := make([]*broadcast.Subscription, 500)
	for i := range subs {
		subs[i] = subscribe(t, h, "aarhus", fmt.Sprint("client ", i))
	}
	odense := subscribe(t, h, "odense", "client 0")
	for _, sub := range subs {
		if got := receive(t, sub); got != "aarhus v0" {
			t.Fatalf("first state %q", got)
		}
	}
	receive(t, odense)
	for v := 1; v <= 3; v++ {
		s.set("aarhus", v)
		h.Changed("aarhus")
		for _, sub := range subs {
			if got, want := receive(t, sub), fmt.Sprint("aarhus v", v); got != want {
				t.Fatalf("state %q, want %q", got, want)
			}
		}
	}
	if n := s.computations("aarhus"); n != 4 {
		t.Errorf("aarhus computed %d times for 500 subscribers and 3 changes, want 4", n)
	}
	if n := s.computations("odense"); n != 1 {
		t.Errorf("odense computed %d times, want once: aarhus' changes are not its", n)
	}
	nothingWaiting(t, odense)

	// A change of every key ("") reaches odense too.
	s.set("odense", 1)
	h.Changed("")
	if got := receive(t, odense); got != "odense v1" {
		t.Errorf("after a change of every key: %q", got)
	}
}

// Changes announced while a computation runs cost one more computation,
// not one each.
func TestChangesCoalesce(t *testing.T) {
	s := newState()
	s.gate = make(chan struct{})
	h := newHub(t, s, broadcast.Config{})
	sub := subscribe(t, h, "aarhus", "a")
	for range 100 {
		h.Changed("aarhus")
	}
	close(s.gate)
	receive(t, sub)
	s.set("aarhus", 1)
	h.Changed("aarhus")
	for receive(t, sub) != "aarhus v1" {
	}
	if n := s.computations("aarhus"); n > 3 {
		t.Errorf("%d computations for 101 changes announced during the first, want at most 3", n)
	}
}

// A subscriber that does not read gets the newest state when it does,
// and only that.
func TestSlowSubscriberGetsTheNewest(t *testing.T) {
	s := newState()
	h := newHub(t, s, broadcast.Config{})
	slow := subscribe(t, h, "aarhus", "slow")
	quick := subscribe(t, h, "aarhus", "quick")
	receive(t, quick)
	for v := 1; v <= 5; v++ {
		s.set("aarhus", v)
		h.Changed("aarhus")
		for receive(t, quick) != fmt.Sprint("aarhus v", v) {
		}
	}
	// Both got each state in one pass: the slow one holds the newest.
	if got := receive(t, slow); got != "aarhus v5" {
		t.Errorf("slow subscriber got %q, want aarhus v5", got)
	}
	nothingWaiting(t, slow)

	// One subscribing later gets the current state at once.
	late := subscribe(t, h, "aarhus", "late")
	if got := receive(t, late); got != "aarhus v5" {
		t.Errorf("late subscriber got %q", got)
	}
}

// One client gets at most MaxPerClient subscriptions, and all clients
// together MaxTotal; a closed subscription makes room.
func TestCaps(t *testing.T) {
	s := newState()
	h := newHub(t, s, broadcast.Config{MaxPerClient: 10, MaxTotal: 15})
	var mine []*broadcast.Subscription
	for i := range 1000 {
		sub, err := h.Subscribe("aarhus", "192.0.2.1")
		switch {
		case i < 10 && err != nil:
			t.Fatalf("subscription %d: %v", i+1, err)
		case i >= 10 && !errors.Is(err, broadcast.ErrTooManySubscriptions):
			t.Fatalf("subscription %d of one client: %v, want ErrTooManySubscriptions", i+1, err)
		case err == nil:
			mine = append(mine, sub)
			t.Cleanup(sub.Close)
		}
	}
	for i := range 5 {
		subscribe(t, h, "odense", fmt.Sprint("192.0.2.", 100+i))
	}
	if _, err := h.Subscribe("odense", "198.51.100.1"); !errors.Is(err, broadcast.ErrTooManySubscriptions) {
		t.Errorf("past the total: %v, want ErrTooManySubscriptions", err)
	}
	mine[0].Close()
	mine[0].Close() // a second Close gives nothing back
	subscribe(t, h, "odense", "198.51.100.1")
	if _, err := h.Subscribe("odense", "198.51.100.2"); !errors.Is(err, broadcast.ErrTooManySubscriptions) {
		t.Errorf("a second Close made room: %v", err)
	}
}

// A key whose subscribers all left stops being computed; subscribed
// again, it is computed afresh rather than served its old state.
func TestLastSubscriberLeaves(t *testing.T) {
	s := newState()
	h := newHub(t, s, broadcast.Config{})
	sub := subscribe(t, h, "aarhus", "a")
	receive(t, sub)
	sub.Close()
	s.set("aarhus", 7)
	h.Changed("aarhus")
	again := subscribe(t, h, "aarhus", "a")
	if got := receive(t, again); got != "aarhus v7" {
		t.Errorf("subscribed again: %q, want the current state", got)
	}
}

// A computation that fails sends nothing; the next change is computed
// and sent as usual.
func TestComputeFails(t *testing.T) {
	s := newState()
	s.fail.Store(true)
	s.done = make(chan struct{}, 10)
	h := newHub(t, s, broadcast.Config{})
	sub := subscribe(t, h, "aarhus", "a")
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no computation within 10 s")
	}
	nothingWaiting(t, sub)
	s.fail.Store(false)
	h.Changed("aarhus")
	if got := receive(t, sub); got != "aarhus v0" {
		t.Errorf("after the failures: %q", got)
	}
}

// With Poll, a change nobody announces is seen anyway.
func TestPoll(t *testing.T) {
	s := newState()
	h := newHub(t, s, broadcast.Config{Poll: time.Millisecond})
	sub := subscribe(t, h, "aarhus", "a")
	receive(t, sub)
	s.set("aarhus", 1)
	if got := receive(t, sub); got != "aarhus v1" {
		t.Errorf("polled: %q", got)
	}
}

// Close ends the computations, even one under way, and refuses new
// subscriptions.
func TestClose(t *testing.T) {
	s := newState()
	s.gate = make(chan struct{}) // never opened: the computation waits for Close
	h := broadcast.New(broadcast.Config{Compute: s.compute})
	sub, err := h.Subscribe("aarhus", "a")
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	sub.Close()
	if _, err := h.Subscribe("aarhus", "a"); !errors.Is(err, broadcast.ErrClosed) {
		t.Errorf("subscribing to a closed hub: %v, want ErrClosed", err)
	}
}

// A Subscribe at the moment the Hub closes is either refused with
// ErrClosed or made before Close, which then waits for the computation it
// started. Each round lets a Subscribe of a new key and Close go at once,
// while another key's computation makes Close wait; a Subscribe that
// passed the closed check and started its computation once Close waited
// is a data race on the Hub's wait group, which -race reports within a
// few hundred rounds.
func TestSubscribeWhileClosing(t *testing.T) {
	for range 2000 {
		h := broadcast.New(broadcast.Config{Compute: func(context.Context, string) ([]byte, error) {
			return []byte("state"), nil
		}})
		held, err := h.Subscribe("aarhus", "a")
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var racers sync.WaitGroup
		racers.Go(func() {
			<-start
			sub, err := h.Subscribe("odense", "b")
			switch {
			case err == nil:
				sub.Close()
			case !errors.Is(err, broadcast.ErrClosed):
				t.Errorf("Subscribe while closing: %v", err)
			}
		})
		racers.Go(func() {
			<-start
			h.Close()
		})
		close(start)
		racers.Wait()
		held.Close()
	}
}
