package locale

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/ics-booking/icsbooking/booking"
)

// format is how a language writes days, months and times of day.
type format struct {
	weekdays [7]string  // indexed by time.Weekday, Sunday first
	months   [12]string // January first
	clock    string     // time layout of a time of day
	// date and longDate are fmt formats taking the weekday, the day of the
	// month, the month's name and the year, in that order.
	date     string
	longDate string
}

var formats = map[string]format{
	"en": {
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		clock:    "15:04",
		date:     "%[2]d %[3]s %[4]d",
		longDate: "%[1]s %[2]d %[3]s %[4]d",
	},
	"da": {
		weekdays: [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		months: [12]string{"januar", "februar", "marts", "april", "maj", "juni",
			"juli", "august", "september", "oktober", "november", "december"},
		clock:    "15.04",
		date:     "%[2]d. %[3]s %[4]d",
		longDate: "%[1]s den %[2]d. %[3]s %[4]d",
	},
}

// Weekday names a day of the week as it stands in a sentence (lower case in
// Danish).
func (l *Locale) Weekday(d time.Weekday) string { return l.format.weekdays[d] }

// Date writes the day of t: "8 December 2026", "8. december 2026".
func (l *Locale) Date(t time.Time) string { return l.formatDate(l.format.date, t) }

// LongDate writes the day of t with its weekday: "Tuesday 8 December 2026",
// "tirsdag den 8. december 2026".
func (l *Locale) LongDate(t time.Time) string { return l.formatDate(l.format.longDate, t) }

// DayDate is LongDate for a calendar day.
func (l *Locale) DayDate(d booking.Date) string {
	return l.LongDate(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
}

func (l *Locale) formatDate(layout string, t time.Time) string {
	return fmt.Sprintf(layout, l.format.weekdays[t.Weekday()], t.Day(), l.format.months[t.Month()-1], t.Year())
}

// Clock writes the time of day of t: "09:00", "09.00".
func (l *Locale) Clock(t time.Time) string { return t.Format(l.format.clock) }

// Span writes an opening period: "09:00–15:00".
func (l *Locale) Span(s booking.Span) string {
	midnight := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return l.Clock(midnight.Add(s.Open)) + "–" + l.Clock(midnight.Add(s.Close))
}

// HoursLine is one line of opening hours: a run of days and their hours.
type HoursLine struct {
	Days  string // "Monday–Friday"
	Hours string // "09:00–15:00"
}

// String is the line as one phrase: "Monday–Friday 09:00–15:00".
func (h HoursLine) String() string { return h.Days + " " + h.Hours }

// OpeningHours lists opening hours from Monday to Sunday, one line per run
// of consecutive days with the same hours; closed days are left out.
func (l *Locale) OpeningHours(hours map[time.Weekday]booking.Span) []HoursLine {
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var lines []HoursLine
	for i := 0; i < len(week); {
		span, open := hours[week[i]]
		j := i + 1
		for j < len(week) {
			next, nextOpen := hours[week[j]]
			if nextOpen != open || next != span {
				break
			}
			j++
		}
		if open {
			days := l.format.weekdays[week[i]]
			if j-1 > i {
				days += "–" + l.format.weekdays[week[j-1]]
			}
			lines = append(lines, HoursLine{Days: Capitalise(days), Hours: l.Span(span)})
		}
		i = j
	}
	return lines
}

// SpecialHoursText says a period of special opening hours: its days, and
// each weekday whose hours differ in it, with its hours or closed.
type SpecialHoursText struct {
	Period string      // "Saturday 1 August 2027 – Tuesday 31 August 2027"
	Days   []HoursLine // in the week's order
}

// SpecialHours says sh in l.
func (l *Locale) SpecialHours(sh booking.SpecialHours) SpecialHoursText {
	text := SpecialHoursText{Period: Capitalise(l.DayDate(sh.From)) + " – " + l.DayDate(sh.To)}
	for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		span, ok := sh.Hours[wd]
		if !ok {
			continue
		}
		hours := l.T("center.closed")
		if span != (booking.Span{}) {
			hours = l.Span(span)
		}
		text.Days = append(text.Days, HoursLine{Days: Capitalise(l.format.weekdays[wd]), Hours: hours})
	}
	return text
}

// LanguageName names an ISO 639 language code: "ar" is "Arabic" in
// English and "arabisk" in Danish. An unknown code is shown as it is.
func (l *Locale) LanguageName(code string) string {
	if code == "" {
		return ""
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.Tags(language.Make(l.tag)).Name(tag); name != "" {
		return name
	}
	return code
}

// Capitalise upper-cases the first letter of s, for a Danish weekday that
// starts a line.
func Capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
