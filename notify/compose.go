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

	// The waitlist's letters. Until is the entry's last day, in a joined
	// email and in an ended one whose last day passed; Missed the offers it
	// let expire, in one that ended for them. The time of an offer is in
	// LongDate to Zone; HoldDate to HoldZone is when its hold ends.
	Until       string
	Missed      int
	HoldDate    string
	HoldTime    string
	HoldZone    string
	WaitlistURL string
	// Improves says the entry waits for an earlier time than a booking
	// it has, which an accepted offer moves.
	Improves bool
}

// Compose writes the subject and the plain text and HTML bodies of an email
// about l, in the booking's locale (English when the locale is unknown).
// Times are shown in l.Location with the zone's abbreviation (CET or CEST).
func Compose(l Letter) (subject, text, html string, err error) {
	data, err := l.data()
	if err != nil {
		return "", "", "", err
	}
	return render(data)
}

// render writes the subject and the bodies of a letter from what its
// templates print, in its language.
func render(data letterData) (subject, text, html string, err error) {
	set := letterSets[data.Lang]

	var buf bytes.Buffer
	if err := set.text.ExecuteTemplate(&buf, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("compose %s subject: %w", data.Kind, err)
	}
	subject = strings.Join(strings.Fields(buf.String()), " ")

	buf.Reset()
	if err := set.text.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("compose %s text: %w", data.Kind, err)
	}
	text = buf.String()

	buf.Reset()
	if err := set.html.Execute(&buf, data); err != nil {
		return "", "", "", fmt.Errorf("compose %s html: %w", data.Kind, err)
	}
	html = buf.String()
	return subject, text, html, nil
}

// data checks the letter and prepares what the templates print, in the
// booking's locale.
func (l Letter) data() (letterData, error) {
	switch l.Kind {
	case booking.EmailConfirmation, booking.EmailUpdate, booking.EmailCancellation, booking.EmailReminder:
	default:
		return letterData{}, fmt.Errorf("%w: unknown kind %q", ErrInvalidLetter, l.Kind)
	}
	if l.Location == nil {
		return letterData{}, fmt.Errorf("%w: no time zone", ErrInvalidLetter)
	}
	b := l.Booking
	if b.Start.IsZero() || !b.End.After(b.Start) {
		return letterData{}, fmt.Errorf("%w: booking %s has no valid start and end", ErrInvalidLetter, b.Reference)
	}
	if len(l.Services) == 0 {
		return letterData{}, fmt.Errorf("%w: booking %s has no service", ErrInvalidLetter, b.Reference)
	}
	if l.Kind != booking.EmailCancellation && l.ManageURL == "" {
		return letterData{}, fmt.Errorf("%w: a %s needs a manage link", ErrInvalidLetter, l.Kind)
	}

	loc := locale.Get(b.Locale)
	d := visitData(loc, l.Kind, l.Center, l.Services, b.People, b.Language)
	d.Name, d.Reference = b.Name, b.Reference
	d.setTime(loc, b.Start.In(l.Location), b.End.In(l.Location))
	d.Hours = loc.OpeningHours(l.Center.Hours)
	d.Bring = booking.Bring(l.Services, d.Lang)
	d.ManageURL = l.ManageURL
	if l.Kind == booking.EmailCancellation {
		// A cancelled appointment needs neither documents nor a link to it.
		d.Bring, d.ManageURL = nil, ""
		d.Reason, d.RebookURL = b.CancelReason, l.RebookURL
	}
	return d, nil
}

// visitData is what every letter about a visit prints, in loc's language:
// the visit, its people and interpreter, and the center.
func visitData(loc *locale.Locale, kind booking.EmailKind, center booking.Center, services []booking.Service, people int, language string) letterData {
	names := make([]string, len(services))
	for i, sv := range services {
		names[i] = sv.In(loc.Tag()).Name
	}
	return letterData{
		Lang:        loc.Tag(),
		Kind:        kind,
		Services:    names,
		People:      max(people, 1),
		Center:      center.Name,
		Address:     center.Address,
		Phone:       center.Phone,
		Interpreter: loc.LanguageName(language),
	}
}

// setTime sets the visit's time, from start to end, as the zone they are
// in shows it.
func (d *letterData) setTime(loc *locale.Locale, start, end time.Time) {
	d.LongDate, d.Date = loc.LongDate(start), loc.Date(start)
	d.Start, d.End = loc.Clock(start), loc.Clock(end)
	d.Zone = start.Format("MST")
}

// WaitLetter is what an email to a waitlist entry is about: the entry, the
// visit it waits for and where, and the links it needs.
type WaitLetter struct {
	// Kind is booking.EmailWaitJoined, EmailWaitOffer or EmailWaitEnded.
	Kind  booking.EmailKind
	Entry booking.WaitEntry
	// Center and Services are the entry's, services in order.
	Center   booking.Center
	Services []booking.Service
	// Location is the time zone times are shown in.
	Location *time.Location
	// Offer is, in an offer, the time offered and the end of its hold.
	Offer booking.Offer
	// WaitlistURL lets the newcomer see their place, answer an offer or
	// leave; a joined email and an offer need it.
	WaitlistURL string
	// RebookURL, in an ended email, leads to booking the visit.
	RebookURL string
}

// ComposeWait writes the subject and the plain text and HTML bodies of an
// email to a waitlist entry, in the entry's locale (English when the
// locale is unknown), in the same templates and look as Compose's letters.
func ComposeWait(l WaitLetter) (subject, text, html string, err error) {
	data, err := l.data()
	if err != nil {
		return "", "", "", err
	}
	return render(data)
}

// data checks the letter and prepares what the templates print, in the
// entry's locale.
func (l WaitLetter) data() (letterData, error) {
	e := l.Entry
	switch l.Kind {
	case booking.EmailWaitJoined, booking.EmailWaitOffer, booking.EmailWaitEnded:
	default:
		return letterData{}, fmt.Errorf("%w: unknown kind %q", ErrInvalidLetter, l.Kind)
	}
	if l.Location == nil {
		return letterData{}, fmt.Errorf("%w: no time zone", ErrInvalidLetter)
	}
	if len(l.Services) == 0 {
		return letterData{}, fmt.Errorf("%w: waitlist entry %s has no service", ErrInvalidLetter, e.Reference)
	}
	if l.Kind != booking.EmailWaitEnded && l.WaitlistURL == "" {
		return letterData{}, fmt.Errorf("%w: a %s needs a waitlist link", ErrInvalidLetter, l.Kind)
	}
	o := l.Offer
	if l.Kind == booking.EmailWaitOffer && (o.Start.IsZero() || !o.End.After(o.Start) || o.Expires.IsZero()) {
		return letterData{}, fmt.Errorf("%w: the offer to waitlist entry %s has no valid start, end and hold", ErrInvalidLetter, e.Reference)
	}

	loc := locale.Get(e.Locale)
	d := visitData(loc, l.Kind, l.Center, l.Services, e.People, e.Language)
	d.Name, d.Reference = e.Name, e.Reference
	d.Improves = e.BookingID != 0
	switch l.Kind {
	case booking.EmailWaitJoined:
		d.Until = loc.DayDate(e.Until)
		d.WaitlistURL = l.WaitlistURL
	case booking.EmailWaitOffer:
		d.setTime(loc, o.Start.In(l.Location), o.End.In(l.Location))
		expires := o.Expires.In(l.Location)
		d.HoldDate, d.HoldTime, d.HoldZone = loc.LongDate(expires), loc.Clock(expires), expires.Format("MST")
		d.WaitlistURL = l.WaitlistURL
	case booking.EmailWaitEnded:
		if e.Missed >= booking.MaxMissedOffers {
			d.Missed = e.Missed
		} else {
			d.Until = loc.DayDate(e.Until)
		}
		d.RebookURL = l.RebookURL
	}
	return d, nil
}
