package backoffice

import (
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// A center's statistics over a period: per day and in all, with a chart
// drawn on the server (SVG, with the same numbers in a table beside it for
// screen readers) and a CSV export.

type statsPage struct {
	staffPage
	Center   booking.Center
	From, To string // YYYY-MM-DD, for the form
	Days     []statsRow
	Total    statsRow
	Services []serviceTime
	Chart    statsChart
	CSVURL   string
	Problem  string
	// Waitlist counts what happened to the waitlist's offers in the
	// period.
	Waitlist waitCounts
}

// waitCounts are the waitlist's offers made in a period, and how many of
// them were accepted, declined and let expire (an offer of the period may
// end in the next).
type waitCounts struct {
	Offers, Accepts, Declines, Expiries int
}

// waitCounts counts the waitlist's events at a center from the start of
// day from to the end of day to, in the centers' time zone.
func (h *Handler) waitCounts(ctx context.Context, center string, from, to booking.Date) (waitCounts, error) {
	loc := h.scheduler.Location()
	n, err := h.scheduler.WaitStats(ctx, center, from.At(0, loc), to.AddDays(1).At(0, loc))
	if err != nil {
		return waitCounts{}, err
	}
	return waitCounts{Offers: n[booking.EventOffer], Accepts: n[booking.EventAccept],
		Declines: n[booking.EventDecline], Expiries: n[booking.EventExpiry]}, nil
}

// add returns the sum of two counts.
func (w waitCounts) add(o waitCounts) waitCounts {
	return waitCounts{Offers: w.Offers + o.Offers, Accepts: w.Accepts + o.Accepts,
		Declines: w.Declines + o.Declines, Expiries: w.Expiries + o.Expiries}
}

// csv is the counts as the CSV's columns.
func (w waitCounts) csv() []string {
	return []string{strconv.Itoa(w.Offers), strconv.Itoa(w.Accepts), strconv.Itoa(w.Declines), strconv.Itoa(w.Expiries)}
}

// statsRow is one line of the table.
type statsRow struct {
	Label                                         string
	Appointments, WalkIns, NoShows, Served, Waits int
	AverageWait, P90Wait                          string
	ServicesBooked, PeopleExpected                int
}

type serviceTime struct {
	Name    string
	Average string
}

// statsChart is a bar chart of the visits per day: appointments and
// walk-ins stacked.
type statsChart struct {
	Width, Height int
	Bars          []statsBar
	Max           int
}

type statsBar struct {
	X, Width                   int
	AppointmentY, AppointmentH int
	WalkInY, WalkInH           int
	Label, Title               string
	LabelX, LabelY             int
}

// statsDefaultDays is the period shown when none is asked for: the last
// week, today included.
const statsDefaultDays = 7

// statsPeriod reads the period of the request, ?from= and ?to=.
func (h *Handler) statsPeriod(c *gin.Context) (from, to booking.Date, err error) {
	today := h.today()
	from, to = today.AddDays(-(statsDefaultDays - 1)), today
	if v := c.Query("from"); v != "" {
		if from, err = booking.ParseDate(v); err != nil {
			return from, to, &render.HTTPError{Status: http.StatusBadRequest, Code: "invalid", Detail: "from must be a date such as 2026-12-01",
				Fields: []render.FieldProblem{{Field: "from", Detail: "must be a date such as 2026-12-01"}}}
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = booking.ParseDate(v); err != nil {
			return from, to, &render.HTTPError{Status: http.StatusBadRequest, Code: "invalid", Detail: "to must be a date such as 2026-12-07",
				Fields: []render.FieldProblem{{Field: "to", Detail: "must be a date such as 2026-12-07"}}}
		}
	}
	return from, to, nil
}

func (h *Handler) staffStats(c *gin.Context) {
	center := centerOf(c)
	p := statsPage{staffPage: h.newStaffPage(c, "stats.title", "Center", center.Name), Center: center}
	from, to, err := h.statsPeriod(c)
	status := http.StatusOK
	if err == nil {
		var days []booking.Stats
		var total booking.Stats
		days, total, err = h.walkIns.Statistics(c.Request.Context(), center.ID, from, to)
		if err == nil {
			p.fill(days, total, h.scheduler.Catalogue())
			p.Waitlist, err = h.waitCounts(c.Request.Context(), center.ID, from, to)
		}
	}
	if err != nil {
		status = render.ProblemFor(c, err).Status
		if status >= http.StatusInternalServerError {
			render.FailPage(c, err)
			return
		}
		p.Problem = p.L.T("stats.bad_period", "Days", booking.MaxStatsDays)
	}
	p.From, p.To = from.String(), to.String()
	p.CSVURL = "/staff/centers/" + center.ID + "/stats.csv?from=" + p.From + "&to=" + p.To
	render.Render(c, status, "staff-stats.html", p)
}

// fill turns the statistics into the page's table and chart.
func (p *statsPage) fill(days []booking.Stats, total booking.Stats, cat booking.Catalogue) {
	row := func(label string, st booking.Stats) statsRow {
		return statsRow{Label: label, Appointments: st.Appointments, WalkIns: st.WalkIns, NoShows: st.NoShows,
			Served: st.Served, Waits: st.Waits, AverageWait: minutesText(p.L, st.AverageWait), P90Wait: minutesText(p.L, st.P90Wait),
			ServicesBooked: st.ServicesBooked, PeopleExpected: st.PeopleExpected}
	}
	for _, d := range days {
		p.Days = append(p.Days, row(p.L.DayDate(d.Day), d))
	}
	p.Total = row(p.L.T("stats.total"), total)
	for _, id := range slices.Sorted(maps.Keys(total.ServiceTimes)) {
		p.Services = append(p.Services, serviceTime{Name: serviceName(cat, id, p.L.Tag()), Average: minutesText(p.L, total.ServiceTimes[id])})
	}
	p.Chart = chart(p.L, days)
}

// minutesText writes a duration in whole minutes, rounded.
func minutesText(l *locale.Locale, d time.Duration) string {
	return l.T("stats.minutes", "Minutes", int(d.Round(time.Minute)/time.Minute))
}

// chart lays out the bars of the visits per day.
func chart(l *locale.Locale, days []booking.Stats) statsChart {
	const height, plot, barGap, label = 220, 180, 4, 16
	ch := statsChart{Height: height, Max: 1}
	for _, d := range days {
		ch.Max = max(ch.Max, d.Appointments+d.WalkIns)
	}
	width := max(8, min(48, 720/max(len(days), 1)))
	ch.Width = len(days)*width + 2*barGap
	for i, d := range days {
		x := barGap + i*width
		aH := d.Appointments * plot / ch.Max
		wH := d.WalkIns * plot / ch.Max
		bar := statsBar{
			X: x, Width: width - barGap,
			AppointmentY: plot - aH, AppointmentH: aH,
			WalkInY: plot - aH - wH, WalkInH: wH,
			LabelX: x + (width-barGap)/2, LabelY: plot + label,
			Label: strconv.Itoa(d.Day.Day),
			Title: l.T("stats.bar", "Day", l.DayDate(d.Day), "Appointments", d.Appointments, "WalkIns", d.WalkIns),
		}
		ch.Bars = append(ch.Bars, bar)
	}
	return ch
}

// staffStatsCSV exports the statistics of a period, a line per day and a
// last line for the whole period; times in minutes. The columns added
// since come last, so that a reader of the first ones still reads them.
// The waitlist's columns are counted day by day, like every other column,
// so that a spreadsheet may sum or chart any of them.
func (h *Handler) staffStatsCSV(c *gin.Context) {
	centerID := centerOf(c).ID
	from, to, err := h.statsPeriod(c)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	ctx := c.Request.Context()
	days, total, err := h.walkIns.Statistics(ctx, centerID, from, to)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	waits := make([]waitCounts, len(days))
	var totalWaits waitCounts
	for i, d := range days {
		if waits[i], err = h.waitCounts(ctx, centerID, d.Day, d.Day); err != nil {
			render.FailProblem(c, err)
			return
		}
		totalWaits = totalWaits.add(waits[i])
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.csv"`, centerID, from, to))
	c.Header("Cache-Control", "no-store")
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"day", "appointments", "walk_ins", "no_shows", "served", "waits", "average_wait_minutes", "p90_wait_minutes",
		"services_booked", "people_expected", "waitlist_offers", "waitlist_accepts", "waitlist_declines", "waitlist_expiries"})
	line := func(day string, st booking.Stats, waits waitCounts) {
		w.Write(append([]string{day, strconv.Itoa(st.Appointments), strconv.Itoa(st.WalkIns), strconv.Itoa(st.NoShows),
			strconv.Itoa(st.Served), strconv.Itoa(st.Waits),
			strconv.FormatFloat(st.AverageWait.Minutes(), 'f', 1, 64), strconv.FormatFloat(st.P90Wait.Minutes(), 'f', 1, 64),
			strconv.Itoa(st.ServicesBooked), strconv.Itoa(st.PeopleExpected)}, waits.csv()...))
	}
	for i, d := range days {
		line(d.Day.String(), d, waits[i])
	}
	line("total", total, totalWaits)
	w.Flush()
}
