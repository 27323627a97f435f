package site

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// The manage page is where the link in every email leads: it shows the
// booking and lets its holder move or cancel it with plain HTML forms.
// The token comes in the link's query and goes back in a hidden field; the
// cross-origin check every route group runs keeps other sites from posting
// the forms. A GET changes nothing: cancelling and deleting the data ask
// first, each on a page of its own.

type managePage struct {
	render.Page
	Booking booking.Booking
	Center  booking.Center
	// Services names the visit's services, in order, People counts its
	// people, and Bring lists what to bring for all of them, each
	// document once.
	Services    []string
	People      int
	Bring       []string
	When        string
	Interpreter string
	Token       string
	manageNotes
	Changeable bool
	Days       []bookingform.Day
	Path       string // /bookings/{reference}
	// CalendarURL downloads the booking's invitation.
	CalendarURL string
}

// doneMessages are the notices shown after a change, keyed by the done
// query parameter of the redirect.
var doneMessages = map[string]string{
	"moved":     "manage.done_moved",
	"cancelled": "manage.done_cancelled",
}

func (h *Handler) manage(c *gin.Context) {
	b, token, ok := h.heldBooking(c)
	if !ok {
		return
	}
	done := ""
	if id, ok := doneMessages[c.Query("done")]; ok {
		done = render.Locale(c).T(id)
	}
	h.renderManage(c, http.StatusOK, b, token, manageNotes{Done: done})
}

// confirm shows the page tmpl, titled with the message title, which asks
// whether to make a change (cancel, delete the data) with a form that
// makes it.
func (h *Handler) confirm(title, tmpl string) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, token, ok := h.heldBooking(c)
		if !ok {
			return
		}
		p := h.managePage(c, b, token)
		p.Title = p.L.T(title)
		render.Render(c, http.StatusOK, tmpl, p)
	}
}

// manageErase deletes the booking's personal data, cancelling it first if
// it is still to come, and says so. The manage link finds nothing after it,
// so the page is shown at once rather than after a redirect.
func (h *Handler) manageErase(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		h.bookingFailed(c, err)
		return
	}
	token := c.PostForm("token")
	if err := h.scheduler.Erase(c.Request.Context(), c.Param("reference"), token); err != nil {
		h.changeFailed(c, token, err)
		return
	}
	render.Render(c, http.StatusOK, "deleted.html", render.NewPage(c, "delete.done"))
}

func (h *Handler) manageCancel(c *gin.Context) { h.manageChange(c, "cancelled", h.scheduler.Cancel) }

func (h *Handler) manageMove(c *gin.Context) {
	h.manageChange(c, "moved", func(ctx context.Context, reference, token string) (booking.Booking, error) {
		start, err := request.Instant("start", c.PostForm("start"))
		if err != nil {
			return booking.Booking{}, err
		}
		return h.scheduler.Reschedule(ctx, reference, token, start)
	})
}

// manageChange runs op, a change posted by a form of the manage page with
// the token in a hidden field, and shows the page again: after a redirect
// with the done notice, or at once with the reason op failed.
func (h *Handler) manageChange(c *gin.Context, done string, op func(ctx context.Context, reference, token string) (booking.Booking, error)) {
	if err := h.parseForm(c); err != nil {
		h.bookingFailed(c, err)
		return
	}
	token := c.PostForm("token")
	b, err := op(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		h.changeFailed(c, token, err)
		return
	}
	c.Redirect(http.StatusSeeOther, managePath(b.Reference, token, done))
}

// changeFailed shows the page again with the reason next to the forms, or
// an error page if the booking cannot be shown at all.
func (h *Handler) changeFailed(c *gin.Context, token string, err error) {
	b, getErr := h.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if getErr != nil {
		h.bookingFailed(c, getErr)
		return
	}
	p := render.ProblemFor(c, err)
	h.renderManage(c, p.Status, b, token, manageNotes{Error: render.Locale(c).T(bookingform.TimeProblem(err))})
}

// managePage describes a booking in the request's language.
func (h *Handler) managePage(c *gin.Context, b booking.Booking, token string) managePage {
	p := managePage{Page: render.NewPage(c, "manage.title"), Booking: b, Token: token}
	cat := h.scheduler.Catalogue()
	p.Center, _ = cat.Center(b.Center) // the catalogue keeps what bookings use (checked at startup)
	services := make([]booking.Service, len(b.Services))
	for i, id := range b.Services {
		services[i], _ = cat.Service(id)
		p.Services = append(p.Services, services[i].In(p.L.Tag()).Name)
	}
	p.People = b.People
	p.Bring = booking.Bring(services, p.L.Tag())
	p.When = bookingform.When(p.L, h.scheduler.Location(), b.Start, b.End)
	p.Interpreter = p.L.LanguageName(b.Language)
	p.Path = "/bookings/" + url.PathEscape(b.Reference)
	p.CalendarURL = p.Path + "/invitation.ics?token=" + url.QueryEscape(token)
	return p
}

// manageNotes are what the manage page says besides the booking: the
// notice of a change made (Done), or why a change failed, next to the form
// that asked it (Error, moving; WaitError, waiting for an earlier time).
type manageNotes struct {
	Done, Error, WaitError string
}

func (h *Handler) renderManage(c *gin.Context, status int, b booking.Booking, token string, notes manageNotes) {
	p := h.managePage(c, b, token)
	p.manageNotes = notes
	// The page also answers forms posted to other addresses: the
	// languages link to the booking's own.
	for i, lang := range p.Languages {
		p.Languages[i].URL = p.Path + "?" + url.Values{"token": {token}, "lang": {lang.Tag}}.Encode()
	}
	p.Changeable = b.Changeable(h.cfg.Now())
	if p.Changeable {
		today := h.today()
		slots, err := h.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
			Center: b.Center, Services: b.Services, People: b.People, Language: b.Language, From: today, To: today.AddDays(13),
		})
		if err != nil {
			// The service or language may no longer be offered: the
			// holder can still see and cancel the booking.
			render.Logger(c).Warn("no times to move to", "error", err)
		}
		p.Days = bookingform.Days(p.L, h.scheduler.Location(), slots, b.Start, "")
	}
	render.Render(c, status, "manage.html", p)
}

func managePath(reference, token, done string) string {
	return "/bookings/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token) + "&done=" + done
}

// heldBooking is the booking the request's address names, read with the
// token in its query, and that token for the page's links. If the booking
// cannot be shown, it shows why and returns false.
func (h *Handler) heldBooking(c *gin.Context) (booking.Booking, string, bool) {
	token := c.Query("token")
	b, err := h.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		h.bookingFailed(c, err)
		return booking.Booking{}, "", false
	}
	return b, token, true
}

// bookingFailed shows a failure of a booking's pages; a booking not found
// (an unknown reference and a wrong token look the same) says whom to ask
// instead.
func (h *Handler) bookingFailed(c *gin.Context, err error) {
	notFoundPage(c, err, "error.booking_not_found", "error.booking_not_found_text", h.centersOfReference(c.Param("reference")))
}

// notFoundPage shows err as a page, which says the messages title and
// text, and the centers to ask instead, if err is booking.ErrNotFound.
func notFoundPage(c *gin.Context, err error, title, text string, centers []booking.Center) {
	if !errors.Is(err, booking.ErrNotFound) {
		render.FailPage(c, err)
		return
	}
	p, status := render.NewErrorPage(c, err)
	p.Title, p.Message, p.Centers = p.L.T(title), p.L.T(text), centers
	render.Render(c, status, "error.html", p)
}

// centersOfReference returns the center a reference's prefix names, or all
// centers if it names none.
func (h *Handler) centersOfReference(reference string) []booking.Center {
	centers := h.scheduler.Catalogue().Centers
	code, _, _ := strings.Cut(strings.ToUpper(reference), "-")
	for _, ce := range centers {
		if ce.Code == code {
			return []booking.Center{ce}
		}
	}
	return centers
}
