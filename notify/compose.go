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

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// Letter is what an email is about: the booking, where it takes place and
// how the newcomer can manage it.
type Letter struct {
	Kind    booking.EmailKind
	Booking booking.Booking
	Center  booking.Center
	// Services are the visit's services (the booking's Services), in
	// order: one or more.
	Services []booking.Service
	// Location is the time zone the appointment is shown in (the centers'
	// Europe/Copenhagen).
	Location *time.Location
	// ManageURL lets the newcomer see, move or cancel the booking. It is
	// required for every kind but a cancellation, which does not show it.
	ManageURL string
	// RebookURL, in a cancellation, leads to booking the same services at
	// the same center again.
	RebookURL string
}

// ErrInvalidLetter is returned by Compose for a letter it cannot write.
var ErrInvalidLetter = errors.New("invalid letter")

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
		if !locale.Known(tag) {
			return nil, fmt.Errorf("notify: %s is for a language package locale does not have", file)
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
	for _, tag := range locale.Tags() {
		if _, ok := sets[tag]; !ok {
			return nil, fmt.Errorf("notify: locale %q has no templates/locales/%s.tmpl", tag, tag)
		}
	}
	return sets, nil
}

// letterData is what the templates see. Every value is ready to print.
type letterData struct {
	Lang string
	Kind booking.EmailKind
	Name string
	// Services names the visit's services, in order.
	Services []string
	// People is how many people come.
	People    int
	Reference string
	LongDate  string // Monday 7 December 2026
	Date      string // 7 December 2026
	Start     string // 09:00
	End       string // 09:45
	Zone      string // CET or CEST
	Center    string
	Address   string
	Phone     string
	Hours     []locale.HoursLine
	// Bring is what to bring for all the services, each document once.
	Bring []string
	// Interpreter is the interpreter's language named in the letter's
	// locale, or "" when there is none.
	Interpreter string
	ManageURL   string
	// Reason is why staff cancelled, in a cancellation; RebookURL where to
	// book again.
	Reason    string
	RebookURL string
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
	if len(l.Services) == 0 {
		return letterData{}, "", fmt.Errorf("%w: booking %s has no service", ErrInvalidLetter, b.Reference)
	}
	if l.Kind != booking.EmailCancellation && l.ManageURL == "" {
		return letterData{}, "", fmt.Errorf("%w: a %s needs a manage link", ErrInvalidLetter, l.Kind)
	}

	loc := locale.Get(b.Locale)
	tag := loc.Tag()

	start, end := b.Start.In(l.Location), b.End.In(l.Location)
	names := make([]string, len(l.Services))
	for i, sv := range l.Services {
		names[i] = sv.In(tag).Name
	}
	d := letterData{
		Lang:        tag,
		Kind:        l.Kind,
		Name:        b.Name,
		Services:    names,
		People:      max(b.People, 1),
		Reference:   b.Reference,
		LongDate:    loc.LongDate(start),
		Date:        loc.Date(start),
		Start:       loc.Clock(start),
		End:         loc.Clock(end),
		Zone:        start.Format("MST"),
		Center:      l.Center.Name,
		Address:     l.Center.Address,
		Phone:       l.Center.Phone,
		Hours:       loc.OpeningHours(l.Center.Hours),
		Bring:       booking.Bring(l.Services, tag),
		Interpreter: loc.LanguageName(b.Language),
		ManageURL:   l.ManageURL,
	}
	if l.Kind == booking.EmailCancellation {
		// A cancelled appointment needs neither documents nor a link to it.
		d.Bring, d.ManageURL = nil, ""
		d.Reason, d.RebookURL = b.CancelReason, l.RebookURL
	}
	return d, tag, nil
}
