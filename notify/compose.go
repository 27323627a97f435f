package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/ics-booking/icsbooking/booking"
)

// Letter is what an email is about: the booking, where it takes place and
// how the newcomer can manage it.
type Letter struct {
	Kind    booking.EmailKind
	Booking booking.Booking
	Center  booking.Center
	Service booking.Service
	// Location is the time zone the appointment is shown in (the centers'
	// Europe/Copenhagen).
	Location *time.Location
	// ManageURL lets the newcomer see, move or cancel the booking. It is
	// required for every kind but a cancellation, which does not show it.
	ManageURL string
}

// ErrInvalidLetter is returned by Compose for a letter it cannot write.
var ErrInvalidLetter = errors.New("invalid letter")

// defaultLocale is used for a booking whose locale has no templates.
const defaultLocale = "en"

// A locale holds what the templates cannot say by themselves: the names of
// days and months and how dates and times of day are written. Adding a
// locale takes an entry here and a templates/locales/<tag>.tmpl file.
type locale struct {
	weekdays [7]string  // indexed by time.Weekday, Sunday first
	months   [12]string // January first
	clock    string     // time layout of a time of day
	// date and longDate are fmt formats taking the weekday, the day of the
	// month, the month's name and the year, in that order.
	date     string
	longDate string
}

var locales = map[string]locale{
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

//go:embed templates
var templateFS embed.FS

// letterTemplates holds, per locale, the text/template set (subject and
// plain text body) and the html/template set (HTML body). Both sets share
// the locale's phrases, so a translation is written once.
type letterTemplates struct {
	text *template.Template
	html *htmltemplate.Template
}

var letterSets = mustParseLetterTemplates(templateFS)

func mustParseLetterTemplates(fsys fs.FS) map[string]letterTemplates {
	sets, err := parseLetterTemplates(fsys)
	if err != nil {
		panic(err)
	}
	return sets
}

func parseLetterTemplates(fsys fs.FS) (map[string]letterTemplates, error) {
	files, err := fs.Glob(fsys, "templates/locales/*.tmpl")
	if err != nil {
		return nil, err
	}
	sets := make(map[string]letterTemplates, len(files))
	for _, file := range files {
		tag := strings.TrimSuffix(path.Base(file), ".tmpl")
		if _, ok := locales[tag]; !ok {
			return nil, fmt.Errorf("notify: %s has no entry in locales", file)
		}
		text, err := template.New("text.tmpl").ParseFS(fsys, "templates/text.tmpl", file)
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		html, err := htmltemplate.New("html.tmpl").ParseFS(fsys, "templates/html.tmpl", file)
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		sets[tag] = letterTemplates{text: text, html: html}
	}
	for tag := range locales {
		if _, ok := sets[tag]; !ok {
			return nil, fmt.Errorf("notify: locale %q has no templates/locales/%s.tmpl", tag, tag)
		}
	}
	return sets, nil
}

// letterData is what the templates see. Every value is ready to print.
type letterData struct {
	Lang      string
	Kind      booking.EmailKind
	Name      string
	Service   string
	Reference string
	LongDate  string // Monday 7 December 2026
	Date      string // 7 December 2026
	Start     string // 09:00
	End       string // 09:45
	Zone      string // CET or CEST
	Center    string
	Address   string
	Phone     string
	Hours     []hoursLine
	Bring     []string
	// Interpreter is the interpreter's language named in the letter's
	// locale, or "" when there is none.
	Interpreter string
	ManageURL   string
}

// hoursLine is one line of opening hours: "Monday–Friday", "09:00–15:00".
type hoursLine struct {
	Days  string
	Hours string
}

// Compose writes the subject and the plain text and HTML bodies of an email
// about l, in the booking's locale (English when the locale is unknown).
// Times are shown in l.Location with the zone's abbreviation (CET or CEST).
func Compose(l Letter) (subject, text, html string, err error) {
	data, tag, err := l.data()
	if err != nil {
		return "", "", "", err
	}
	set := letterSets[tag]

	var buf bytes.Buffer
	if err := set.text.ExecuteTemplate(&buf, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("compose %s subject: %w", l.Kind, err)
	}
	subject = strings.Join(strings.Fields(buf.String()), " ")

	buf.Reset()
	if err := set.text.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("compose %s text: %w", l.Kind, err)
	}
	text = buf.String()

	buf.Reset()
	if err := set.html.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("compose %s html: %w", l.Kind, err)
	}
	html = buf.String()
	return subject, text, html, nil
}

// data checks the letter and prepares what the templates print, in the
// booking's locale, which it also returns.
func (l Letter) data() (letterData, string, error) {
	switch l.Kind {
	case booking.EmailConfirmation, booking.EmailUpdate, booking.EmailCancellation, booking.EmailReminder:
	default:
		return letterData{}, "", fmt.Errorf("%w: unknown kind %q", ErrInvalidLetter, l.Kind)
	}
	if l.Location == nil {
		return letterData{}, "", fmt.Errorf("%w: no time zone", ErrInvalidLetter)
	}
	b := l.Booking
	if b.Start.IsZero() || !b.End.After(b.Start) {
		return letterData{}, "", fmt.Errorf("%w: booking %s has no valid start and end", ErrInvalidLetter, b.Reference)
	}
	if l.Kind != booking.EmailCancellation && l.ManageURL == "" {
		return letterData{}, "", fmt.Errorf("%w: a %s needs a manage link", ErrInvalidLetter, l.Kind)
	}

	tag := strings.ToLower(strings.TrimSpace(b.Locale))
	loc, ok := locales[tag]
	if !ok {
		tag, loc = defaultLocale, locales[defaultLocale]
	}

	start, end := b.Start.In(l.Location), b.End.In(l.Location)
	d := letterData{
		Lang:        tag,
		Kind:        l.Kind,
		Name:        b.Name,
		Service:     l.Service.Name,
		Reference:   b.Reference,
		LongDate:    loc.formatDate(loc.longDate, start),
		Date:        loc.formatDate(loc.date, start),
		Start:       start.Format(loc.clock),
		End:         end.Format(loc.clock),
		Zone:        start.Format("MST"),
		Center:      l.Center.Name,
		Address:     l.Center.Address,
		Phone:       l.Center.Phone,
		Hours:       loc.openingHours(l.Center.Hours),
		Bring:       l.Service.Bring,
		Interpreter: languageName(b.Language, tag),
		ManageURL:   l.ManageURL,
	}
	if l.Kind == booking.EmailCancellation {
		// A cancelled appointment needs neither documents nor a link to it.
		d.Bring, d.ManageURL = nil, ""
	}
	return d, tag, nil
}

func (loc locale) formatDate(format string, t time.Time) string {
	return fmt.Sprintf(format, loc.weekdays[t.Weekday()], t.Day(), loc.months[t.Month()-1], t.Year())
}

// openingHours lists the opening hours from Monday to Sunday, one line per
// run of consecutive days with the same hours; closed days are left out.
func (loc locale) openingHours(hours map[time.Weekday]booking.Span) []hoursLine {
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var lines []hoursLine
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
			days := loc.weekdays[week[i]]
			if j-1 > i {
				days += "–" + loc.weekdays[week[j-1]]
			}
			lines = append(lines, hoursLine{Days: capitalise(days), Hours: loc.span(span)})
		}
		i = j
	}
	return lines
}

// OpeningHours describes opening hours for people, in a locale (English if
// unknown), one line per run of days with the same hours, e.g.
// "Monday–Friday 09:00–15:00".
func OpeningHours(hours map[time.Weekday]booking.Span, locale string) []string {
	loc, ok := locales[locale]
	if !ok {
		loc = locales["en"]
	}
	var lines []string
	for _, l := range loc.openingHours(hours) {
		lines = append(lines, l.Days+" "+l.Hours)
	}
	return lines
}

// span writes an opening period in the locale's time of day, e.g.
// 09:00–15:00.
func (loc locale) span(s booking.Span) string {
	midnight := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return midnight.Add(s.Open).Format(loc.clock) + "–" + midnight.Add(s.Close).Format(loc.clock)
}

func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// languageName names an ISO 639 language code in the given locale, e.g. "ar"
// is "Arabic" in English and "arabisk" in Danish. An unknown code is shown
// as it is.
func languageName(code, locale string) string {
	if code == "" {
		return ""
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.Tags(language.Make(locale)).Name(tag); name != "" {
		return name
	}
	return code
}
