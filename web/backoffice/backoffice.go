// Package backoffice serves the back office of the centers' staff: the
// pages under /staff (the day's agenda, one booking's page and finding a
// booking, booking for a newcomer, closures, statistics, the audit trail
// and each desk's page), the API under /api/v1/staff that a desk's client
// calls, and each center's calendar feed. Every route but the login and the feed needs a logged-in account,
// and every route of a center an account that may see it. Pages fail with
// a page, or a redirect to the login without an account; the API with a
// problem document.
package backoffice

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/request"
)

// Scheduler is what the back office needs of booking.Scheduler.
type Scheduler interface {
	bookingform.Booker
	CatalogueEditor
	Appointments(ctx context.Context, center string) ([]booking.Booking, error)
	Agenda(ctx context.Context, center string, day booking.Date) ([]booking.BookingWithEmails, error)
	CancelByStaff(ctx context.Context, center string, id int64, reason string) (booking.Booking, bool, error)
	Story(ctx context.Context, center, reference string) (booking.Story, error)
	RescheduleByStaff(ctx context.Context, center, reference string, start time.Time) (booking.Booking, error)
	Resend(ctx context.Context, center, reference string) (booking.Booking, booking.EmailKind, error)
	Search(ctx context.Context, center, query string) (booking.Found, error)
	CancelClosed(ctx context.Context, center string, day booking.Date) ([]booking.Booking, error)
	Closures(ctx context.Context, center string, from, to booking.Date) ([]booking.Closure, error)
	AddClosure(ctx context.Context, c booking.Closure) ([]booking.Booking, error)
	RemoveClosure(ctx context.Context, center string, day booking.Date) error
	Closing(ctx context.Context, c booking.Closure) ([]booking.Booking, error)
	Waitlist(ctx context.Context, center string) ([]booking.WaitView, error)
	OfferTime(ctx context.Context, center string, start time.Time) (booking.WaitEntry, error)
	WaitStats(ctx context.Context, center string, from, to time.Time) (map[booking.WaitEvent]int, error)
}

// WalkIns is what the back office needs of booking.Queue, the walk-in
// queue: checking in at reception, the desks' work and the statistics.
type WalkIns interface {
	CheckIn(ctx context.Context, center, reference string) (booking.TicketStatus, bool, error)
	QueueState(ctx context.Context, center string) (booking.QueueState, error)
	Policy() booking.QueuePolicy
	CallNext(ctx context.Context, center, desk string) (booking.Ticket, bool, error)
	Recall(ctx context.Context, center string, id int64, desk string) (booking.Ticket, error)
	Attend(ctx context.Context, center string, id int64) (booking.Ticket, error)
	Serve(ctx context.Context, center string, id int64) (booking.Ticket, error)
	NoShow(ctx context.Context, center string, id int64) (booking.Ticket, error)
	MoveTicket(ctx context.Context, center string, id int64, service string) (booking.Ticket, error)
	Tickets(ctx context.Context, center string, day booking.Date) ([]booking.Ticket, error)
	Visit(ctx context.Context, t booking.Ticket) (booking.TicketVisit, error)
	Statistics(ctx context.Context, center string, from, to booking.Date) ([]booking.Stats, booking.Stats, error)
}

// Directory is what the back office needs of staff.Directory.
type Directory interface {
	Login(ctx context.Context, email, password, address string) (staff.Account, error)
	Account(ctx context.Context, id int64) (staff.Account, error)
	Record(ctx context.Context, e staff.Entry) error
	Entries(ctx context.Context, limit int) ([]staff.Entry, error)
}

// Config holds what the back office needs besides the scheduler, the
// queue and the staff directory.
type Config struct {
	// BaseURL is where the site is reached, for the feeds' links and the
	// cookies, which are Secure over https.
	BaseURL string
	// MaxBodyBytes limits the forms' bodies.
	MaxBodyBytes int64
	// FeedTokens holds each center's token for its calendar feed; a
	// center without one has no feed.
	FeedTokens map[string]string
	// Sessions stores the sessions (nil: in memory).
	Sessions scs.Store
	// QueueChanged tells the live pages that a desk changed a center's
	// queue.
	QueueChanged func(center string)
	Logger       *slog.Logger
	// Now is the clock.
	Now func() time.Time
}

// The back office's sessions: a working day at most, an hour idle.
const (
	sessionLifetime = 12 * time.Hour
	sessionIdle     = time.Hour
	sessionCookie   = "ics_staff"
)

// Handler serves the back office.
type Handler struct {
	scheduler Scheduler
	walkIns   WalkIns
	staff     Directory
	sessions  *middleware.Sessions
	cfg       Config
}

// New returns the back office's handler.
func New(scheduler Scheduler, walkIns WalkIns, directory Directory, cfg Config) *Handler {
	sessions := middleware.NewSessions(cfg.Sessions, middleware.SessionCookie{
		Name: sessionCookie, Lifetime: sessionLifetime, Idle: sessionIdle, Secure: secure(cfg.BaseURL),
	}, cfg.Logger)
	return &Handler{scheduler: scheduler, walkIns: walkIns, staff: directory, sessions: sessions, cfg: cfg}
}

// secure reports whether the site is served over https, where cookies
// must be Secure.
func secure(baseURL string) bool { return strings.HasPrefix(baseURL, "https://") }

// today is the date in the centers' time zone.
func (h *Handler) today() booking.Date {
	return booking.DateOf(h.cfg.Now().In(h.scheduler.Location()))
}

// serviceName is the name in lang of the catalogue's service id, or id
// itself for a service the catalogue no longer has: tickets and their
// statistics outlive a service taken out of the configuration.
func serviceName(cat booking.Catalogue, id, lang string) string {
	if sv, err := cat.Service(id); err == nil {
		return sv.In(lang).Name
	}
	return id
}

// serviceNames names services in a language, in order.
func serviceNames(cat booking.Catalogue, ids []string, tag string) []string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = serviceName(cat, id, tag)
	}
	return names
}

// parseForm reads the posted form of a page.
func (h *Handler) parseForm(c *gin.Context) error { return request.Form(c, h.cfg.MaxBodyBytes) }
