// Package api serves the JSON API under /api/v1 and its OpenAPI document:
// the catalogue, slots, bookings held by their token, and the walk-in
// queue's tickets and check-ins. Every failure is a problem document. The
// back office's API (/api/v1/staff) is package backoffice's.
package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// Scheduler is what the API needs of booking.Scheduler.
type Scheduler interface {
	Catalogue() booking.Catalogue
	Location() *time.Location
	Slots(ctx context.Context, q booking.SlotQuery) ([]booking.Slot, error)
	Book(ctx context.Context, r booking.Request) (booking.Booking, string, error)
	Get(ctx context.Context, reference, token string) (booking.Booking, error)
	Cancel(ctx context.Context, reference, token string) (booking.Booking, error)
	Reschedule(ctx context.Context, reference, token string, start time.Time) (booking.Booking, error)

	JoinWaitlist(ctx context.Context, r booking.WaitRequest) (booking.WaitEntry, string, error)
	WaitEntry(ctx context.Context, reference, token string) (booking.WaitView, error)
	AcceptOffer(ctx context.Context, reference, token string) (booking.Booking, string, bool, error)
	DeclineOffer(ctx context.Context, reference, token string) (booking.WaitView, error)
	LeaveWaitlist(ctx context.Context, reference, token string) (booking.WaitView, error)
}

// WalkIns is what the API needs of booking.Queue, the walk-in queue.
type WalkIns interface {
	IssueTicketFor(ctx context.Context, client []byte, center, service string) (booking.TicketStatus, error)
	CheckIn(ctx context.Context, center, reference string) (booking.TicketStatus, bool, error)
	EstimatedWait(ctx context.Context, center string) (booking.Estimate, error)
	QueueState(ctx context.Context, center string) (booking.QueueState, error)
}

// Config holds what the API needs besides the scheduler and the queue.
type Config struct {
	// BaseURL is where newcomers reach the server, for the links in
	// answers.
	BaseURL string
	// Limit limits the requests that book, change a booking, take a
	// ticket or check in.
	Limit gin.HandlerFunc
	// Addresses names the clients whose walk-in tickets are counted.
	Addresses middleware.Addresses
	// QueueChanged tells the live pages that a ticket was taken or an
	// appointment checked in, as the desks do: a single SQLite server has
	// no other announcement.
	QueueChanged func(center string)
	// Now is the clock.
	Now func() time.Time
}

// Handler serves the API.
type Handler struct {
	scheduler Scheduler
	walkIns   WalkIns
	cfg       Config
}

// New returns the API's handler.
func New(scheduler Scheduler, walkIns WalkIns, cfg Config) *Handler {
	return &Handler{scheduler: scheduler, walkIns: walkIns, cfg: cfg}
}

// timestamp formats an instant as the API writes times.
func (h *Handler) timestamp(t time.Time) string { return render.Timestamp(t, h.scheduler.Location()) }
