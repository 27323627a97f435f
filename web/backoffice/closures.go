package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/render"
)

// An admin closes a center for a day or part of one, with a reason. New
// bookings are refused for that time at once; the bookings it hits are
// listed and can be cancelled in one action, each newcomer emailed the
// reason and a link to book again. Staff of the center see the closures.

type closuresPage struct {
	staffPage
	Center    booking.Center
	Closures  []closureLine
	Admin     bool
	Notice    string
	Problem   string
	Form      closureForm
	Hit       []hitBooking
	HitDay    string // YYYY-MM-DD of the closure whose bookings are listed
	HitReason string
}

type closureLine struct {
	Day, When, Reason string
}

type closureForm struct {
	Day, From, To, Reason string
}

type hitBooking struct {
	Reference, When, Name, Service string
}

// closuresAhead is how far ahead the page lists closures.
const closuresAhead = 90

func (h *Handler) staffClosures(c *gin.Context) {
	h.renderClosures(c, http.StatusOK, c.Query("done"), "", closureForm{}, nil)
}

// renderClosures shows the closures page, with the bookings a closure
// just entered hits, if any.
func (h *Handler) renderClosures(c *gin.Context, status int, done, problem string, form closureForm, hit *booking.Closure) {
	center := centerOf(c)
	p := closuresPage{staffPage: h.newStaffPage(c, "closures.title", "Center", center.Name), Center: center, Form: form}
	p.Admin = p.Account.IsAdmin()
	switch done {
	case "added":
		p.Notice = p.L.T("closures.added")
	case "removed":
		p.Notice = p.L.T("closures.removed")
	case "cancelled":
		n, _ := strconv.Atoi(c.Query("n"))
		p.Notice = p.L.T("closures.cancelled", "Count", n)
	}
	if problem != "" {
		p.Problem = p.L.T(problem)
	}
	ctx := c.Request.Context()
	today := h.today()
	closures, err := h.scheduler.Closures(ctx, center.ID, today, today.AddDays(closuresAhead))
	if err != nil {
		render.FailPage(c, err)
		return
	}
	for _, cl := range closures {
		when := p.L.T("closures.whole_day")
		if !cl.WholeDay() {
			when = p.L.Span(cl.Part)
		}
		p.Closures = append(p.Closures, closureLine{Day: cl.Day.String(), When: p.L.DayDate(cl.Day) + ", " + when, Reason: cl.Reason})
	}
	if hit != nil {
		bookings, err := h.scheduler.Closing(ctx, *hit)
		if err != nil {
			render.FailPage(c, err)
			return
		}
		p.HitDay, p.HitReason = hit.Day.String(), hit.Reason
		p.Hit = []hitBooking{}
		for _, b := range bookings {
			service, _ := h.scheduler.Catalogue().Service(b.Service)
			p.Hit = append(p.Hit, hitBooking{Reference: b.Reference, Name: b.Name, Service: service.In(p.L.Tag()).Name,
				When: p.L.Clock(b.Start.In(h.scheduler.Location())) + "–" + p.L.Clock(b.End.In(h.scheduler.Location()))})
		}
	}
	render.Render(c, status, "staff-closures.html", p)
}

// closuresPath is a center's closures page, with a notice.
func closuresPath(center, done string) string {
	return "/staff/centers/" + url.PathEscape(center) + "/closures?done=" + done
}

// closuresAdminsOnly refuses a change of the closures to an account that
// is no admin: the closures page, with a message.
func (h *Handler) closuresAdminsOnly(c *gin.Context) {
	h.renderClosures(c, http.StatusForbidden, "", "closures.admins_only", closureForm{}, nil)
}

// staffAddClosure closes the center and lists the bookings it hits.
func (h *Handler) staffAddClosure(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	form := closureForm{Day: c.PostForm("day"), From: c.PostForm("from"), To: c.PostForm("to"), Reason: c.PostForm("reason")}
	closure, ok := parseClosure(centerOf(c).ID, form)
	var hit []booking.Booking
	var err error
	if ok {
		hit, err = h.scheduler.AddClosure(c.Request.Context(), closure)
	}
	if !ok || errors.Is(err, booking.ErrInvalid) {
		h.renderClosures(c, http.StatusUnprocessableEntity, "", "closures.invalid", form, nil)
		return
	}
	if err != nil {
		render.FailPage(c, err)
		return
	}
	h.audit(c, closure.Center, staff.ActionClose, closure.Day.String(), form.From+"-"+form.To+" "+closure.Reason)
	if len(hit) == 0 {
		c.Redirect(http.StatusSeeOther, closuresPath(closure.Center, "added"))
		return
	}
	h.renderClosures(c, http.StatusOK, "added", "", closureForm{}, &closure)
}

// parseClosure reads the closure a form asks for: a day, and the closed
// part as two times of day, or none for the whole day.
func parseClosure(center string, form closureForm) (booking.Closure, bool) {
	day, err := booking.ParseDate(form.Day)
	if err != nil {
		return booking.Closure{}, false
	}
	c := booking.Closure{Center: center, Day: day, Reason: form.Reason}
	if form.From == "" && form.To == "" {
		return c, true
	}
	from, err1 := time.Parse("15:04", form.From)
	to, err2 := time.Parse("15:04", form.To)
	if err1 != nil || err2 != nil {
		return booking.Closure{}, false
	}
	offset := func(t time.Time) time.Duration {
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	c.Part = booking.Span{Open: offset(from), Close: offset(to)}
	return c, true
}

// staffRemoveClosure opens the center again on a day.
func (h *Handler) staffRemoveClosure(c *gin.Context) {
	center := centerOf(c).ID
	day, err := booking.ParseDate(c.Param("day"))
	if err == nil {
		err = h.scheduler.RemoveClosure(c.Request.Context(), center, day)
	}
	if err != nil {
		render.FailPage(c, err)
		return
	}
	h.audit(c, center, staff.ActionReopen, day.String(), "")
	c.Redirect(http.StatusSeeOther, closuresPath(center, "removed"))
}

// staffCancelClosed cancels every booking a closure hits, all or none,
// each newcomer emailed the closure's reason.
func (h *Handler) staffCancelClosed(c *gin.Context) {
	center := centerOf(c).ID
	day, err := booking.ParseDate(c.Param("day"))
	var cancelled []booking.Booking
	if err == nil {
		cancelled, err = h.scheduler.CancelClosed(c.Request.Context(), center, day)
	}
	if err != nil {
		render.FailPage(c, err)
		return
	}
	refs := make([]string, len(cancelled))
	for i, b := range cancelled {
		refs[i] = b.Reference
	}
	h.audit(c, center, staff.ActionClosureCancelBookings, day.String(), strings.Join(refs, " "))
	c.Redirect(http.StatusSeeOther, closuresPath(center, "cancelled")+"&n="+strconv.Itoa(len(cancelled)))
}
