package web

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

func (s *Server) staffClosures(c *gin.Context) {
	s.renderClosures(c, http.StatusOK, c.Query("done"), "", closureForm{}, nil)
}

// renderClosures shows the closures page, with the bookings a closure
// just entered hits, if any.
func (s *Server) renderClosures(c *gin.Context, status int, done, problem string, form closureForm, hit *booking.Closure) {
	centerID := c.Param("center")
	if !s.allowCenter(c, centerID) {
		return
	}
	center, _ := s.scheduler.Catalogue().Center(centerID)
	p := closuresPage{staffPage: s.newStaffPage(c, "closures.title", "Center", center.Name), Center: center, Form: form}
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
	today := s.localToday()
	closures, err := s.scheduler.Closures(ctx, center.ID, today, today.AddDays(closuresAhead))
	if err != nil {
		s.staffFail(c, err)
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
		bookings, err := s.scheduler.Closing(ctx, *hit)
		if err != nil {
			s.staffFail(c, err)
			return
		}
		p.HitDay, p.HitReason = hit.Day.String(), hit.Reason
		p.Hit = []hitBooking{}
		for _, b := range bookings {
			service, _ := s.scheduler.Catalogue().Service(b.Service)
			p.Hit = append(p.Hit, hitBooking{Reference: b.Reference, Name: b.Name, Service: service.In(p.L.Tag()).Name,
				When: p.L.Clock(b.Start.In(s.scheduler.Location())) + "–" + p.L.Clock(b.End.In(s.scheduler.Location()))})
		}
	}
	s.render(c, status, "staff-closures.html", p)
}

// closuresPath is a center's closures page, with a notice.
func closuresPath(center, done string) string {
	return "/staff/centers/" + url.PathEscape(center) + "/closures?done=" + done
}

// requireAdmin lets admins through and shows others the closures page with
// a message; it reports whether it let through.
func (s *Server) requireAdmin(c *gin.Context) bool {
	if !s.allowCenter(c, c.Param("center")) {
		return false
	}
	if !staffAccount(c).IsAdmin() {
		s.renderClosures(c, http.StatusForbidden, "", "closures.admins_only", closureForm{}, nil)
		return false
	}
	return true
}

// staffAddClosure closes the center and lists the bookings it hits.
func (s *Server) staffAddClosure(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	if err := s.parseForm(c); err != nil {
		s.staffFail(c, err)
		return
	}
	form := closureForm{Day: c.PostForm("day"), From: c.PostForm("from"), To: c.PostForm("to"), Reason: c.PostForm("reason")}
	closure, ok := parseClosure(c.Param("center"), form)
	var hit []booking.Booking
	var err error
	if ok {
		hit, err = s.scheduler.AddClosure(c.Request.Context(), closure)
	}
	if !ok || errors.Is(err, booking.ErrInvalid) {
		s.renderClosures(c, http.StatusUnprocessableEntity, "", "closures.invalid", form, nil)
		return
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.audit(c, closure.Center, staff.ActionClose, closure.Day.String(), form.From+"-"+form.To+" "+closure.Reason)
	if len(hit) == 0 {
		c.Redirect(http.StatusSeeOther, closuresPath(closure.Center, "added"))
		return
	}
	s.renderClosures(c, http.StatusOK, "added", "", closureForm{}, &closure)
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
func (s *Server) staffRemoveClosure(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	day, err := booking.ParseDate(c.Param("day"))
	if err == nil {
		err = s.scheduler.RemoveClosure(c.Request.Context(), c.Param("center"), day)
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.audit(c, c.Param("center"), staff.ActionReopen, day.String(), "")
	c.Redirect(http.StatusSeeOther, closuresPath(c.Param("center"), "removed"))
}

// staffCancelClosed cancels every booking a closure hits, all or none,
// each newcomer emailed the closure's reason.
func (s *Server) staffCancelClosed(c *gin.Context) {
	if !s.requireAdmin(c) {
		return
	}
	center := c.Param("center")
	day, err := booking.ParseDate(c.Param("day"))
	var cancelled []booking.Booking
	if err == nil {
		cancelled, err = s.scheduler.CancelClosed(c.Request.Context(), center, day)
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	refs := make([]string, len(cancelled))
	for i, b := range cancelled {
		refs[i] = b.Reference
	}
	s.audit(c, center, staff.ActionClosureCancelBookings, day.String(), strings.Join(refs, " "))
	c.Redirect(http.StatusSeeOther, closuresPath(center, "cancelled")+"&n="+strconv.Itoa(len(cancelled)))
}
