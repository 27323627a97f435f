package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// The manage page is where the link in every email leads: it shows the
// booking and lets its holder move or cancel it with plain HTML forms.
// The token comes in the link's query and goes back in a hidden field; the
// cross-origin check in New keeps other sites from posting the forms.

type managePage struct {
	Booking      booking.Booking
	Center       booking.Center
	Service      booking.Service
	When         string
	Token        string
	Done         string
	Error        string
	Changeable   bool
	Days         []slotDay
	MoveAction   string
	CancelAction string
}

type slotDay struct {
	Label string
	Slots []slotChoice
}

type slotChoice struct {
	Value string // RFC 3339
	Label string // 09:30
}

// doneMessages are the notices shown after a change, keyed by the done
// query parameter of the redirect.
var doneMessages = map[string]string{
	"moved":     "Your appointment has been moved. We have emailed you the new time.",
	"cancelled": "Your appointment has been cancelled. We have emailed you a confirmation.",
}

func (s *Server) manage(c *gin.Context) {
	token := c.Query("token")
	b, err := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	s.renderManage(c, http.StatusOK, b, token, doneMessages[c.Query("done")], "")
}

func (s *Server) manageCancel(c *gin.Context) { s.manageChange(c, "cancelled", s.scheduler.Cancel) }

func (s *Server) manageMove(c *gin.Context) {
	s.manageChange(c, "moved", func(ctx context.Context, reference, token string) (booking.Booking, error) {
		start, err := parseInstant("start", c.PostForm("start"))
		if err != nil {
			return booking.Booking{}, err
		}
		return s.scheduler.Reschedule(ctx, reference, token, start)
	})
}

// manageChange runs op, a change posted by a form of the manage page with
// the token in a hidden field, and shows the page again: after a redirect
// with the done notice, or at once with the reason op failed.
func (s *Server) manageChange(c *gin.Context, done string, op func(ctx context.Context, reference, token string) (booking.Booking, error)) {
	if err := s.parseForm(c); err != nil {
		s.errorPage(c, err)
		return
	}
	token := c.PostForm("token")
	b, err := op(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		s.changeFailed(c, token, err)
		return
	}
	c.Redirect(http.StatusSeeOther, managePath(b.Reference, token, done))
}

// changeFailed shows the page again with the reason next to the forms, or
// an error page if the booking cannot be shown at all.
func (s *Server) changeFailed(c *gin.Context, token string, err error) {
	b, getErr := s.scheduler.Get(c.Request.Context(), c.Param("reference"), token)
	if getErr != nil {
		s.errorPage(c, getErr)
		return
	}
	p := problemFor(c, err)
	msg := p.Detail
	if len(p.Errors) > 0 && p.Errors[0].Field == "start" {
		msg = "Please choose one of the free times."
	}
	s.renderManage(c, p.Status, b, token, "", msg)
}

func (s *Server) renderManage(c *gin.Context, status int, b booking.Booking, token, done, errMsg string) {
	cat := s.scheduler.Catalogue()
	center, err := cat.Center(b.Center)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	service, err := cat.Service(b.Service)
	if err != nil {
		s.errorPage(c, err)
		return
	}
	loc := s.scheduler.Location()
	start, end := b.Start.In(loc), b.End.In(loc)
	page := managePage{
		Booking:      b,
		Center:       center,
		Service:      service,
		When:         start.Format("Monday 2 January 2006, 15:04") + "–" + end.Format("15:04") + " Copenhagen time (" + start.Format("MST") + ")",
		Token:        token,
		Done:         done,
		Error:        errMsg,
		Changeable:   b.Status == booking.Confirmed && s.cfg.Now().Before(b.Start),
		MoveAction:   "/bookings/" + url.PathEscape(b.Reference) + "/reschedule",
		CancelAction: "/bookings/" + url.PathEscape(b.Reference) + "/cancel",
	}
	if page.Changeable {
		today := booking.DateOf(s.cfg.Now().In(loc))
		slots, err := s.scheduler.Slots(c.Request.Context(), booking.SlotQuery{
			Center: b.Center, Service: b.Service, Language: b.Language, From: today, To: today.AddDays(13),
		})
		if err != nil {
			// The service or language may no longer be offered: the
			// holder can still see and cancel the booking.
			slogFrom(c).Warn("no times to move to", "error", err)
		}
		page.Days = groupByDay(slots, b.Start, loc)
	}
	s.render(c, status, "manage.html", page)
}

// groupByDay lists the free slots other than the booking's own, by day.
func groupByDay(slots []booking.Slot, current time.Time, loc *time.Location) []slotDay {
	var days []slotDay
	for _, sl := range slots {
		if sl.Available == 0 || sl.Start.Equal(current) {
			continue
		}
		local := sl.Start.In(loc)
		label := local.Format("Monday 2 January")
		if len(days) == 0 || days[len(days)-1].Label != label {
			days = append(days, slotDay{Label: label})
		}
		d := &days[len(days)-1]
		d.Slots = append(d.Slots, slotChoice{Value: local.Format(time.RFC3339), Label: local.Format("15:04")})
	}
	return days
}

func managePath(reference, token, done string) string {
	return "/bookings/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token) + "&done=" + done
}

type errorPage struct {
	Title   string
	Message string
}

// errorPages are the pages for problems with a request itself rather than
// with a booking, by problem code.
var errorPages = map[string]errorPage{
	"cross_origin": {"Request refused",
		"This form was sent from another website, so nothing was changed. Please open the link from your email and use the page it shows."},
	"too_large":            {"Form too large", "The form you sent is larger than we accept. Please go back and try again."},
	"request_timeout":      {"Form too slow", "Your form took too long to arrive. Please go back and try again."},
	"unsupported_encoding": {"Request refused", "Your browser sent the form compressed, which we do not accept. Please try again with another browser."},
}

// errorPage shows an error as a page; an unknown booking and a wrong token
// look the same.
func (s *Server) errorPage(c *gin.Context, err error) {
	p := problemFor(c, err)
	page, ok := errorPages[p.Code]
	switch {
	case errors.Is(err, booking.ErrNotFound):
		page = errorPage{Title: "Booking not found", Message: "We could not find this booking. Please use the whole link from your email."}
	case !ok:
		page = errorPage{Title: "Something went wrong", Message: p.Detail}
	}
	s.render(c, p.Status, "error.html", page)
}

func (s *Server) render(c *gin.Context, status int, name string, data any) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := templates.ExecuteTemplate(c.Writer, name, data); err != nil {
		slogFrom(c).Error("render page", "template", name, "error", err)
	}
}
