package backoffice

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/bookingform"
	"github.com/ics-booking/icsbooking/web/render"
)

// A center's waitlist as its staff see it: the line in the order its
// entries joined, each with its place among those waiting for the same
// visit, what it waits for, until when, and how to reach the newcomer
// (staff help them on the phone); and a form to offer a time by hand,
// which the domain gives, in line order, to the first entry whose visit
// fits there and whose seats are free, exactly as a freed seat is offered.

type waitlistPage struct {
	staffPage
	Center booking.Center
	// Heading is the page's title; Title says more after an error.
	Heading string
	// The summary: entries waiting for an offer, offers out, and the
	// seats those offers hold (a desk each, and an interpreter for those
	// that need one).
	Waiting, Offered            int
	DeskSeats, InterpreterSeats int
	// MaxMissed is how many offers an entry may let expire.
	MaxMissed int
	Rows      []waitlistRow
	Notice    string
	// Problem says why the last offer failed; the field's error says
	// more.
	Problem string
	Form    offerForm
	Times   []bookingform.Option
	Today   string // YYYY-MM-DD, the day field's minimum
	Action  string
}

// waitlistRow is one entry of the line, in the page's language.
type waitlistRow struct {
	ID        int64
	Reference string
	// Position is the entry's place among those waiting for its visit.
	Position              int
	JoinedAt              string // RFC 3339, for <time datetime>
	JoinedDay, JoinedTime string
	Name, Email           string
	Services              []string
	People                int
	Interpreter           string
	Until                 string
	Offered               bool
	// While offered: the time held, and when the hold ends.
	OfferStart, Offer  string
	ExpiresAt, Expires string
	Missed             int
	// Improves: the entry waits for an earlier time than a booking it has.
	Improves bool
}

// offerForm is the form that offers a time by hand, with its errors.
type offerForm struct {
	Day, Time           string
	DayError, TimeError string
}

// waitlistPath is a center's waitlist page.
func waitlistPath(center string) string {
	return "/staff/centers/" + url.PathEscape(center) + "/waitlist"
}

// staffWaitlist shows the center's line.
func (h *Handler) staffWaitlist(c *gin.Context) {
	p, err := h.waitlistPage(c, offerForm{Day: h.today().String()})
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Notice = h.sessions.PopString(c.Request.Context(), noticeKey)
	render.Render(c, http.StatusOK, "staff-waitlist.html", p)
}

// waitlistPage describes the center's line and the offer form.
func (h *Handler) waitlistPage(c *gin.Context, form offerForm) (waitlistPage, error) {
	center := centerOf(c)
	line, err := h.scheduler.Waitlist(c.Request.Context(), center.ID)
	if err != nil {
		return waitlistPage{}, err
	}
	p := waitlistPage{staffPage: h.newStaffPage(c, "staff.waitlist.title", "Center", center.Name), Center: center,
		Form: form, Today: h.today().String(), MaxMissed: booking.MaxMissedOffers, Action: waitlistPath(center.ID) + "/offer"}
	p.Heading = p.Title
	p.Times = offerTimes(p.L.Clock, center, form.Time)
	loc := h.scheduler.Location()
	for _, e := range line {
		joined := e.CreatedAt.In(loc)
		row := waitlistRow{
			ID: e.ID, Reference: e.Reference, Position: e.Position,
			JoinedAt: joined.Format(time.RFC3339), JoinedDay: p.L.Date(joined), JoinedTime: p.L.Clock(joined),
			Name: e.Name, Email: e.Email,
			Services: serviceNames(h.scheduler.Catalogue(), e.Services, p.L.Tag()), People: e.People,
			Interpreter: p.L.LanguageName(e.Language), Until: p.L.Date(e.Until.At(12*time.Hour, loc)),
			Missed: e.Missed, Improves: e.BookingID != 0,
		}
		if e.Status == booking.WaitOffered {
			start, end, expires := e.Offer.Start.In(loc), e.Offer.End.In(loc), e.Offer.Expires.In(loc)
			row.Offered = true
			row.OfferStart, row.Offer = start.Format(time.RFC3339), p.L.Date(start)+", "+p.L.Clock(start)+"–"+p.L.Clock(end)
			row.ExpiresAt, row.Expires = expires.Format(time.RFC3339), p.L.Clock(expires)
			p.Offered++
			p.DeskSeats++
			if e.Language != "" {
				p.InterpreterSeats++
			}
		} else {
			p.Waiting++
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// offerTimes are the times of day a visit may start at the center, from
// its earliest opening to its latest closing in the week or in a period of
// special hours, a slot step apart; chosen is selected, or the first. The
// day's own hours are checked when the time is offered.
func offerTimes(clock func(time.Time) string, center booking.Center, chosen string) []bookingform.Option {
	var open, closing time.Duration
	first := true
	spans := slices.Collect(maps.Values(center.Hours))
	for _, sh := range center.SpecialHours {
		spans = slices.AppendSeq(spans, maps.Values(sh.Hours))
	}
	for _, span := range spans {
		if span.Close <= span.Open {
			continue // closed that day
		}
		if first || span.Open < open {
			open = span.Open
		}
		if first || span.Close > closing {
			closing = span.Close
		}
		first = false
	}
	step := center.SlotStep
	if step <= 0 {
		step = booking.Unit
	}
	midnight := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var times []bookingform.Option
	for t := open; t < closing; t += step {
		at := midnight.Add(t)
		code := at.Format("15:04")
		times = append(times, bookingform.Option{Code: code, Name: clock(at), Selected: code == chosen})
	}
	return times
}

// staffOfferTime offers the time the form names to the first entry in line
// whose visit fits there, and shows the line again with who got it; or the
// form again, with why nobody did next to the field.
func (h *Handler) staffOfferTime(c *gin.Context) {
	centerID, ok := h.centerForm(c)
	if !ok {
		return
	}
	l := render.Locale(c)
	form := offerForm{Day: c.PostForm("day"), Time: c.PostForm("time")}
	day, err := booking.ParseDate(form.Day)
	if err != nil {
		form.DayError = l.T("staff.waitlist.day_invalid")
	}
	clock, err := time.Parse("15:04", form.Time)
	if err != nil {
		form.TimeError = l.T("staff.waitlist.time_invalid")
	}
	if form.DayError != "" || form.TimeError != "" {
		h.offerRefused(c, form)
		return
	}
	loc := h.scheduler.Location()
	start := day.At(time.Duration(clock.Hour())*time.Hour+time.Duration(clock.Minute())*time.Minute, loc)
	ctx := c.Request.Context()
	e, err := h.scheduler.OfferTime(ctx, centerID, start)
	switch {
	case errors.Is(err, booking.ErrNotBookable):
		form.TimeError = l.T("staff.waitlist.nobody_fits")
	case errors.Is(err, booking.ErrSlotFull):
		form.TimeError = l.T("staff.waitlist.no_seat")
	case err != nil:
		render.FailPage(c, err)
		return
	}
	if form.TimeError != "" {
		h.offerRefused(c, form)
		return
	}
	when := start.Format("2006-01-02 15:04")
	h.audit(c, centerID, staff.ActionWaitlistOffer, e.Reference, when)
	offered := e.Offer.Start.In(loc)
	visit := strings.Join(serviceNames(h.scheduler.Catalogue(), e.Services, l.Tag()), " + ")
	args := []any{"Reference", e.Reference, "Visit", visit, "Time", l.T("time.at", "Day", l.LongDate(offered), "Time", l.Clock(offered)),
		"Until", l.Clock(e.Offer.Expires.In(loc))}
	// The entry's place, which the line has; should reading it fail, the
	// offer is made all the same, and the notice says so without it.
	notice := "staff.waitlist.offered_to"
	if line, err := h.scheduler.Waitlist(ctx, centerID); err != nil {
		render.Logger(c).Error("waitlist after an offer", "center", centerID, "error", err)
	} else {
		for _, v := range line {
			if v.ID == e.ID {
				notice, args = "staff.waitlist.offered", append(args, "Position", v.Position)
			}
		}
	}
	h.sessions.Put(ctx, noticeKey, l.T(notice, args...))
	c.Redirect(http.StatusSeeOther, waitlistPath(centerID))
}

// offerRefused shows the waitlist again with the form's errors.
func (h *Handler) offerRefused(c *gin.Context, form offerForm) {
	p, err := h.waitlistPage(c, form)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Problem = p.L.T("staff.waitlist.not_offered")
	p.Title = p.Problem
	render.Render(c, http.StatusUnprocessableEntity, "staff-waitlist.html", p)
}
