package site

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// hub wakes the live pages of a center (the waiting-room display, a
// ticket's page) when its queue changes: on PostgreSQL on the
// notification every process's change sends at commit (QueueChanged, fed
// by store.Listen), on SQLite on this process's own changes and a
// short poll.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// changed wakes the subscribers of a center, or of every center if center
// is "". A subscriber already woken stays woken once.
func (h *hub) changed(center string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c, subs := range h.subs {
		if center != "" && c != center {
			continue
		}
		for ch := range subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// subscribe returns a channel woken on every change of the center's queue
// and the function that ends the subscription.
func (h *hub) subscribe(center string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[string]map[chan struct{}]struct{}{}
	}
	if h.subs[center] == nil {
		h.subs[center] = map[chan struct{}]struct{}{}
	}
	h.subs[center][ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[center], ch)
	}
}

// QueueChanged tells the live pages of a center that its queue changed
// ("" for every center); cmd/icsbooking feeds it from store.Listen.
func (h *Handler) QueueChanged(center string) { h.live.changed(center) }

// keepAlive is how often an idle stream sends a comment, so that proxies
// keep the connection open.
const keepAlive = 15 * time.Second

// stream sends state as Server-Sent Events named event: at once, and again
// whenever the center's queue changes and the state with it, until the
// client leaves or the server shuts down (Config.Streams).
func (h *Handler) stream(c *gin.Context, center, event string, state func(ctx context.Context) (any, error)) {
	ctx := c.Request.Context()
	// A stream outlives the server's WriteTimeout, which would cut it.
	if err := http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{}); err != nil {
		render.Logger(c).Warn("stream without a write deadline", "error", err)
	}
	header := c.Writer.Header()
	header.Set("Content-Type", "text/event-stream")
	header.Set("Cache-Control", "no-store")
	header.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)

	woken, unsubscribe := h.live.subscribe(center)
	defer unsubscribe()
	poll := time.NewTicker(h.cfg.LivePoll)
	defer poll.Stop()
	alive := time.NewTicker(keepAlive)
	defer alive.Stop()

	var last []byte
	send := func() bool {
		v, err := state(ctx)
		if err != nil {
			render.Logger(c).Warn("live state", "error", err)
			return ctx.Err() == nil
		}
		data, err := json.Marshal(v)
		if err != nil || bytes.Equal(data, last) {
			return err == nil
		}
		last = data
		_, err = fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, data)
		c.Writer.Flush()
		return err == nil
	}
	for ok := send(); ok; {
		select {
		case <-ctx.Done():
			return
		case <-h.streamsDone():
			return
		case <-woken:
			ok = send()
		case <-poll.C:
			ok = send()
		case <-alive.C:
			_, err := fmt.Fprint(c.Writer, ": still here\n\n")
			c.Writer.Flush()
			ok = err == nil
		}
	}
}

// streamsDone is closed when the server shuts down, ending every stream,
// which http.Server.Shutdown would otherwise wait for.
func (h *Handler) streamsDone() <-chan struct{} {
	if h.cfg.Streams == nil {
		return nil
	}
	return h.cfg.Streams.Done()
}
