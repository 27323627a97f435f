package booking

import (
	"fmt"
	"time"
)

// Date is a calendar day without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// At returns the instant at which the wall clock in loc shows the given
// time of day (an offset such as 9h30m) on d. It is built from the wall
// clock, not added to midnight, so 09:00 stays 09:00 on the days the clocks
// change.
func (d Date) At(clock time.Duration, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(clock), loc)
}

// midnight is d at 00:00 UTC, for arithmetic on days.
func (d Date) midnight() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Date, no day at all.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date { return DateOf(d.midnight().AddDate(0, 0, n)) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.midnight().Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.midnight().Before(e.midnight()) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.midnight().After(e.midnight()) }

// DaysUntil returns the number of days from d to e.
func (d Date) DaysUntil(e Date) int { return int(e.midnight().Sub(d.midnight()).Hours() / 24) }

// Long formats the day for people, e.g. "Thursday 24 December 2026".
func (d Date) Long() string { return d.midnight().Format("Monday 2 January 2006") }
