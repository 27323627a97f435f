package site

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/broadcast"
	"github.com/ics-booking/icsbooking/web/render"
)

// The live pages (the waiting-room displays and the tickets' pages) follow
// a center's queue through one broadcast.Hub: its state is computed once
// per change, or per poll, and the same bytes go to every stream of the
// center, so a thousand open displays cost what one does. A change is
// announced on PostgreSQL by the notification every process's change sends
// at commit (QueueChanged, fed by store.Listen), on SQLite by this
// process's own desks; the poll catches what nobody announces
// (Config.LivePoll).

// newLive returns the hub of the displays' streams, which ends with
// cfg.Streams.
func (h *Handler) newLive(cfg Config) *broadcast.Hub {
	hub := broadcast.New(broadcast.Config{
		Compute: func(ctx context.Context, center string) ([]byte, error) {
			q, err := h.queue(ctx, center)
			if err != nil {
				return nil, err
			}
			return json.Marshal(q)
		},
		Poll:         cfg.LivePoll,
		MaxPerClient: cfg.MaxStreamsPerAddress,
		MaxTotal:     cfg.MaxStreams,
		Logger:       cfg.Logger,
	})
	if cfg.Streams != nil {
		context.AfterFunc(cfg.Streams, hub.Close)
	}
	return hub
}

// QueueChanged tells the live pages of a center that its queue changed
// ("" for every center), and drops the shared pages, which show the
// queues; cmd/icsbooking feeds it from store.Listen.
func (h *Handler) QueueChanged(center string) {
	h.live.Changed(center)
	h.pages.drop()
}

// keepAlive is how often an idle stream sends a comment, so that proxies
// keep the connection open.
const keepAlive = 15 * time.Second

// errTooManyStreams refuses a stream past the caps (Config.MaxStreams,
// MaxStreamsPerAddress): one client cannot hold the server's streams.
var errTooManyStreams = &render.HTTPError{Status: http.StatusTooManyRequests, Code: "too_many_streams",
	Detail: "too many live displays are open from your address, or on the server; close one, or try again later"}

// subscribe subscribes the request's client to the center's queue, or
// refuses with 429 past the caps, with a Retry-After of displayReload,
// after which display.js and ticket.js try again. The client is counted
// under its address, or under client if not "".
func (h *Handler) subscribe(c *gin.Context, center, client string) (*broadcast.Subscription, bool) {
	if client == "" {
		client = string(h.cfg.Addresses.Client(c))
	}
	sub, err := h.live.Subscribe(center, client)
	switch {
	case errors.Is(err, broadcast.ErrTooManySubscriptions):
		render.RetryAfter(c, displayReload*time.Second)
		render.FailProblem(c, errTooManyStreams)
		return nil, false
	case errors.Is(err, broadcast.ErrClosed):
		render.FailProblem(c, &render.HTTPError{Status: http.StatusServiceUnavailable, Code: "shutting_down",
			Detail: "the server is shutting down; try again in a moment"})
		return nil, false
	case err != nil:
		render.FailProblem(c, err)
		return nil, false
	}
	return sub, true
}

// stream sends what data makes of each state sub receives as a
// Server-Sent Event named event, and of no state (nil) every recheck if not
// 0, until the client leaves or the server shuts down (Config.Streams).
// Data returning nil sends nothing. A client that leaves is the normal end
// of a stream, not a failure: nothing is logged.
func (h *Handler) stream(c *gin.Context, event string, sub *broadcast.Subscription, recheck time.Duration, data func(state []byte) []byte) {
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
	c.Writer.Flush()

	alive := time.NewTicker(keepAlive)
	defer alive.Stop()
	var again <-chan time.Time
	if recheck > 0 {
		ticker := time.NewTicker(recheck)
		defer ticker.Stop()
		again = ticker.C
	}
	send := func(state []byte) error {
		if d := data(state); d != nil {
			_, err := fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, d)
			return err
		}
		return nil
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-h.streamsDone():
			return
		case state := <-sub.C:
			err = send(state)
		case <-again:
			err = send(nil)
		case <-alive.C:
			_, err = fmt.Fprint(c.Writer, ": still here\n\n")
		}
		if err != nil {
			return
		}
		c.Writer.Flush()
	}
}

// asIs is the data of a stream that sends each state as it is.
func asIs(state []byte) []byte { return state }

// streamsDone is closed when the server shuts down, ending every stream,
// which http.Server.Shutdown would otherwise wait for.
func (h *Handler) streamsDone() <-chan struct{} {
	if h.cfg.Streams == nil {
		return nil
	}
	return h.cfg.Streams.Done()
}
