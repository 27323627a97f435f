package booking

import (
	"fmt"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/dk"
)

// MonthDay is a day that recurs every year, such as 24 December.
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay parses MM-DD.
func ParseMonthDay(s string) (MonthDay, error) {
	t, err := time.Parse("01-02", s)
	if err != nil {
		return MonthDay{}, fmt.Errorf("%q is not a day of the form MM-DD", s)
	}
	return MonthDay{t.Month(), t.Day()}, nil
}

func (m MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(m.Month), m.Day) }

// DefaultExtraClosedDays are the days the centers close every year besides the
// public holidays: Christmas Eve and New Year's Eve.
var DefaultExtraClosedDays = []MonthDay{{time.December, 24}, {time.December, 31}}

// eveNames names the usual extra closed days.
var eveNames = map[MonthDay]string{
	{time.December, 24}: "Juleaftensdag",
	{time.December, 31}: "Nytårsaftensdag",
}

// Calendar knows the days every center is closed: Danish public holidays
// (Store bededag only until 2023, when it was abolished) and the configured
// extra days. Weekends and a center's own closures are not its business.
type Calendar struct {
	holidays *cal.Calendar
	extra    []MonthDay
}

// NewCalendar returns the Danish calendar with the given extra closed days.
func NewCalendar(extra []MonthDay) *Calendar {
	c := &cal.Calendar{}
	c.AddHoliday(dk.Holidays...)
	return &Calendar{holidays: c, extra: extra}
}

// Closed reports whether d is a public holiday or an extra closed day, and
// names it.
func (c *Calendar) Closed(d Date) (string, bool) {
	if actual, _, h := c.holidays.IsHoliday(d.midnight()); actual {
		return h.Name, true
	}
	for _, m := range c.extra {
		if d.Month == m.Month && d.Day == m.Day {
			if name, ok := eveNames[m]; ok {
				return name, true
			}
			return "a day the centers close every year", true
		}
	}
	return "", false
}

// IsBusinessDay reports whether d is a weekday on which the centers open.
func (c *Calendar) IsBusinessDay(d Date) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, closed := c.Closed(d)
	return !closed
}

// AddBusinessDays returns the n-th business day after d.
func (c *Calendar) AddBusinessDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}
