// Package broadcast sends one state, computed once, to every subscriber of a
// key: the queue of a center, computed once per change and sent as the same
// bytes to every waiting-room display that shows it. It caps the
// subscriptions per client and in total, so that one client opening
// thousands of streams gets only a few, and thousands of streams cost one
// computation per change, not one each.
//
// It knows nothing of HTTP or of the queue: the caller gives the function
// that computes a key's bytes, announces changes (Changed) and writes what
// a Subscription receives.
package broadcast

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

var (
	// ErrTooManySubscriptions: a client, or all of them together, already
	// hold as many subscriptions as the Hub allows; the error says which.
	ErrTooManySubscriptions = errors.New("too many subscriptions")
	// ErrClosed: the Hub is closed (its server is shutting down).
	ErrClosed = errors.New("broadcast: hub closed")
)

// Config is what a Hub computes, how often, and its caps.
type Config struct {
	// Compute returns the state every subscriber of key gets. It runs
	// once per change of the key, whatever the number of subscribers,
	// never twice at once for one key, and with the Hub's context (not a
	// subscriber's: one leaving cancels nothing).
	Compute func(ctx context.Context, key string) ([]byte, error)
	// Poll is how often a key with subscribers is computed again without
	// a change announced, for changes nobody announces (another process
	// on SQLite); 0 for never.
	Poll time.Duration
	// MaxPerClient caps the subscriptions of one client; 0 for no cap.
	MaxPerClient int
	// MaxTotal caps the subscriptions of all clients together; 0 for no
	// cap.
	MaxTotal int
	// Logger gets the errors of Compute, as warnings; nil discards them.
	Logger *slog.Logger
}

// Hub holds the subscriptions of every key. Its methods are safe for
// concurrent use.
type Hub struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	topics  map[string]*topic
	clients map[string]int // subscriptions by client
	total   int
}

// topic is a key with subscribers, and the goroutine that computes its
// state while it has any.
type topic struct {
	key  string
	subs map[*Subscription]struct{}
	// wake asks the goroutine for a computation; one pending request
	// stands for any number of changes.
	wake chan struct{}
	// stop is closed when the last subscriber leaves.
	stop chan struct{}
	// last is the state sent last; nil before the first computation.
	last []byte
}

// New returns a Hub computing with cfg.Compute until Close.
func New(cfg Config) *Hub {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{cfg: cfg, ctx: ctx, cancel: cancel, topics: map[string]*topic{}, clients: map[string]int{}}
}

// Subscription receives the states of one key.
type Subscription struct {
	// C holds the newest state not yet received: a subscriber that reads
	// slowly skips the states that came in between, never the last one.
	C <-chan []byte

	c      chan []byte
	hub    *Hub
	topic  *topic
	client string
	once   sync.Once
}

// Subscribe subscribes client (any name for who subscribes, such as a
// keyed hash of an address) to key. C receives the key's state at once, or
// as soon as it is first computed, and then each state that differs from
// the one before. ErrTooManySubscriptions if the client or all clients
// hold the most subscriptions allowed; ErrClosed once the Hub is closed.
func (h *Hub) Subscribe(key, client string) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.ctx.Err() != nil:
		return nil, ErrClosed
	case h.cfg.MaxPerClient > 0 && h.clients[client] >= h.cfg.MaxPerClient:
		return nil, fmt.Errorf("%w: %d from one client", ErrTooManySubscriptions, h.cfg.MaxPerClient)
	case h.cfg.MaxTotal > 0 && h.total >= h.cfg.MaxTotal:
		return nil, fmt.Errorf("%w: %d in all", ErrTooManySubscriptions, h.cfg.MaxTotal)
	}
	t := h.topics[key]
	if t == nil {
		t = &topic{key: key, subs: map[*Subscription]struct{}{}, wake: make(chan struct{}, 1), stop: make(chan struct{})}
		t.wake <- struct{}{} // the first computation
		h.topics[key] = t
		h.wg.Go(func() { h.run(t) })
	}
	c := make(chan []byte, 1)
	if t.last != nil {
		c <- t.last
	}
	s := &Subscription{C: c, c: c, hub: h, topic: t, client: client}
	t.subs[s] = struct{}{}
	h.clients[client]++
	h.total++
	return s, nil
}

// Close ends the subscription; calling it again does nothing.
func (s *Subscription) Close() {
	s.once.Do(func() {
		h := s.hub
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(s.topic.subs, s)
		h.total--
		if h.clients[s.client]--; h.clients[s.client] == 0 {
			delete(h.clients, s.client)
		}
		if len(s.topic.subs) == 0 {
			delete(h.topics, s.topic.key)
			close(s.topic.stop)
		}
	})
}

// Changed announces that key's state changed, or every key's if key is "":
// its state is computed again, once however often it is announced while
// a computation is pending.
func (h *Hub) Changed(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, t := range h.topics {
		if key != "" && k != key {
			continue
		}
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// Close stops every computation and waits for them to end. Subscriptions
// receive nothing more; their holders should end them. It cancels under
// h.mu, as Subscribe checks, so that a Subscribe either sees the Hub
// closed or has started its key's computation before Close waits.
func (h *Hub) Close() {
	h.mu.Lock()
	h.cancel()
	h.mu.Unlock()
	h.wg.Wait()
}

// run computes t's state when woken or polled, until t has no subscriber
// left or the Hub closes, and sends each state that differs from the last
// to every subscriber.
func (h *Hub) run(t *topic) {
	var poll <-chan time.Time
	if h.cfg.Poll > 0 {
		ticker := time.NewTicker(h.cfg.Poll)
		defer ticker.Stop()
		poll = ticker.C
	}
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.stop:
			return
		case <-t.wake:
		case <-poll:
		}
		state, err := h.cfg.Compute(h.ctx, t.key)
		if err != nil {
			if h.ctx.Err() == nil {
				h.cfg.Logger.Warn("broadcast: compute state", "key", t.key, "error", err)
			}
			continue
		}
		h.send(t, state)
	}
}

// send gives state to every subscriber of t, unless it is the state they
// got last. A subscriber's channel holds one state: a newer one replaces
// one not yet received. Every send happens under h.mu, so the channel has
// room once emptied.
func (h *Hub) send(t *topic, state []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.last != nil && bytes.Equal(state, t.last) {
		return
	}
	t.last = state
	for s := range t.subs {
		select {
		case s.c <- state:
		default:
			select {
			case <-s.c:
			default:
			}
			s.c <- state
		}
	}
}
