// Package site serves the newcomers' pages: the centers and services, the
// booking flow and a booking's manage page, the waitlist's pages, and the
// walk-in queue's pages (a ticket's page, each center's kiosk and
// waiting-room display). Every page works without JavaScript, in English
// and Danish; every failure is a page.
package site

import (
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/broadcast"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// Scheduler is what the pages need of booking.Scheduler.
type Scheduler interface {
	bookingform.Booker
	Get(ctx context.Context, reference, token string) (booking.Booking, error)
	Cancel(ctx context.Context, reference, token string) (booking.Booking, error)
	Erase(ctx context.Context, reference, token string) error
	Reschedule(ctx context.Context, reference, token string, start time.Time) (booking.Booking, error)
	Opening(ctx context.Context, center string) (booking.Opening, error)
	ClosedDays(ctx context.Context, center string, from, to booking.Date) ([]booking.ClosedDay, error)

	// The waitlist's: joining, an entry's page, and answering its offer.
	JoinWaitlist(ctx context.Context, r booking.WaitRequest) (booking.WaitEntry, string, error)
	WaitEntry(ctx context.Context, reference, token string) (booking.WaitView, error)
	AcceptOffer(ctx context.Context, reference, token string) (b booking.Booking, bookingToken string, moved bool, err error)
	DeclineOffer(ctx context.Context, reference, token string) (booking.WaitView, error)
	LeaveWaitlist(ctx context.Context, reference, token string) (booking.WaitView, error)
}

// WalkIns is what the pages need of booking.Queue, the walk-in queue.
type WalkIns interface {
	IssueTicket(ctx context.Context, center, service string) (booking.TicketStatus, error)
	CheckIn(ctx context.Context, center, reference string) (booking.TicketStatus, bool, error)
	TicketByToken(ctx context.Context, token string) (booking.TicketStatus, error)
	EstimatedWait(ctx context.Context, center string) (booking.Estimate, error)
	QueueState(ctx context.Context, center string) (booking.QueueState, error)
}

// Config holds what the pages need besides the scheduler and the queue,
// from the settings web.Config describes.
type Config struct {
	// BaseURL and MailFrom are written in the invitations to download, as
	// in the emails; the confirmation and the tickets link to BaseURL,
	// and the language cookie is Secure over https.
	BaseURL, MailFrom string
	// InterpreterNoticeDays, HorizonDays and RetentionDays are what the
	// pages say of the interpreters' notice, how far ahead the weeks of
	// times go, and how long personal data is kept.
	InterpreterNoticeDays, HorizonDays, RetentionDays int
	// LivePoll is how often the displays' state is computed again without
	// a change told (QueueChanged); Streams ends the streams.
	LivePoll time.Duration
	Streams  context.Context
	// MaxStreams and MaxStreamsPerAddress cap the displays' streams open
	// in all and from one client address (0: no cap); one more is
	// refused with 429.
	MaxStreams, MaxStreamsPerAddress int
	// Addresses names the clients whose streams are counted.
	Addresses middleware.Addresses
	// MaxBodyBytes limits the forms' bodies.
	MaxBodyBytes int64
	// Limit limits the forms that book, change a booking, take a ticket
	// or check in.
	Limit gin.HandlerFunc
	// Logger gets the failures of the displays' state, computed apart
	// from any request.
	Logger *slog.Logger
	// PageCacheTTL is how long a page that is the same for everyone (the
	// home page, a center's, a service's, the week of times, the questions,
	// the display) is served from memory once rendered; 0: never.
	PageCacheTTL time.Duration
	// Now is the clock.
	Now func() time.Time
}

// Handler serves the pages.
type Handler struct {
	scheduler Scheduler
	walkIns   WalkIns
	cfg       Config
	live      *broadcast.Hub
	pages     *pageCache
}

// New returns the pages' handler. Its displays' streams end with
// cfg.Streams.
func New(scheduler Scheduler, walkIns WalkIns, cfg Config) *Handler {
	if cfg.LivePoll <= 0 {
		cfg.LivePoll = time.Second
	}
	h := &Handler{scheduler: scheduler, walkIns: walkIns, cfg: cfg, pages: newPageCache(cfg.PageCacheTTL, cfg.Now)}
	h.live = h.newLive(cfg)
	return h
}

// today is the date in the centers' time zone.
func (h *Handler) today() booking.Date {
	return booking.DateOf(h.cfg.Now().In(h.scheduler.Location()))
}

// parseForm reads the posted form of a page.
func (h *Handler) parseForm(c *gin.Context) error { return request.Form(c, h.cfg.MaxBodyBytes) }

// pathCenter is the center the request's path names (:center). For a
// center the catalogue does not have, it shows the not-found page and
// returns false.
func (h *Handler) pathCenter(c *gin.Context) (booking.Center, bool) {
	center, err := h.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		render.FailPage(c, err)
		return booking.Center{}, false
	}
	return center, true
}
