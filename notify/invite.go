package notify

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-ical"
)

// Method is the iTIP method of an invitation.
type Method string

// The methods ICS Booking sends.
const (
	MethodRequest Method = "REQUEST" // a new or moved appointment
	MethodCancel  Method = "CANCEL"  // a cancelled appointment
)

// Invitation is one appointment as a calendar app sees it.
type Invitation struct {
	Method   Method
	UID      string // fixed for the booking's whole life
	Sequence int    // up by one on every change
	Stamp    time.Time
	Start    time.Time
	End      time.Time
	Summary  string
	Location string
	// Description is plain text; line breaks are kept.
	Description    string
	URL            string
	OrganizerName  string
	OrganizerEmail string
	AttendeeName   string
	AttendeeEmail  string
}

// ErrInvalidInvitation is wrapped by the error Encode returns when the
// invitation itself cannot be sent: an unknown method, a missing UID or
// address, an end that is not after the start, and the like.
var ErrInvalidInvitation = errors.New("invalid invitation")

// prodID names the product that wrote the calendar object (RFC 5545 3.7.3).
const prodID = "-//ICS Booking//ICS Booking 1.0//EN"

// Encode returns the invitation as an iCalendar object (RFC 5545) carrying
// an iTIP method (RFC 5546), ready to go into an email (RFC 6047): one
// VEVENT, UTF-8, CRLF line ends and lines folded at 75 octets. A CANCEL
// keeps the times, the organizer and the attendee of the event it cancels;
// only METHOD, STATUS and, from the caller, SEQUENCE and DTSTAMP change.
//
// Text fields may hold any text: line breaks are kept (CRLF and CR become
// LF), other control characters are dropped, and the names, which go into
// CN parameters, lose line breaks, double quotes and backslashes, so that
// no value can add a property or a parameter.
func (inv Invitation) Encode() ([]byte, error) {
	if err := inv.validate(); err != nil {
		return nil, fmt.Errorf("encode invitation %q: %w", inv.UID, err)
	}

	event := ical.NewEvent()
	event.Props.SetText(ical.PropUID, inv.UID)
	sequence := ical.NewProp(ical.PropSequence)
	sequence.Value = strconv.Itoa(inv.Sequence)
	event.Props.Set(sequence)

	// Every time is written in UTC ("...Z"), not as a local time with TZID
	// and a VTIMEZONE. Every calendar client converts UTC correctly into
	// the reader's own zone, and with no VTIMEZONE there is nothing for
	// Outlook to reject or to get an hour wrong (Easy!Appointments bugs 962
	// and 1314). go-ical could not do the other anyway: it never writes a
	// VTIMEZONE, and for any location but time.UTC it writes TZID=<location
	// name> with no definition behind it (go-ical issue 20), so .UTC() is
	// required here. People read Copenhagen time in the email text.
	event.Props.SetDateTime(ical.PropDateTimeStamp, inv.Stamp.UTC())
	event.Props.SetDateTime(ical.PropDateTimeStart, inv.Start.UTC())
	event.Props.SetDateTime(ical.PropDateTimeEnd, inv.End.UTC())

	event.Props.Set(calAddress(ical.PropOrganizer, inv.OrganizerName, inv.OrganizerEmail))
	attendee := calAddress(ical.PropAttendee, inv.AttendeeName, inv.AttendeeEmail)
	attendee.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
	attendee.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
	// RSVP=TRUE would make clients send replies that nobody processes.
	attendee.Params.Set(ical.ParamRSVP, "FALSE")
	event.Props.Add(attendee)

	for _, p := range []struct{ name, value string }{
		{ical.PropSummary, inv.Summary},
		{ical.PropLocation, inv.Location},
		{ical.PropDescription, inv.Description},
	} {
		if v := textValue(p.value); v != "" {
			event.Props.SetText(p.name, v) // SetText escapes \ ; , and newline
		}
	}
	if inv.URL != "" {
		u, _ := url.Parse(inv.URL) // checked by validate
		event.Props.SetURI(ical.PropURL, u)
	}
	status := ical.EventConfirmed
	if inv.Method == MethodCancel {
		status = ical.EventCancelled
	}
	event.SetStatus(status)
	event.Props.SetText(ical.PropTransparency, "OPAQUE")

	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, string(inv.Method))
	cal.Children = append(cal.Children, event.Component)

	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode invitation %q: %w", inv.UID, err)
	}
	// go-ical writes each property on one line, however long.
	return fold(buf.Bytes()), nil
}

// validate reports the first reason the invitation cannot be encoded.
func (inv Invitation) validate() error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInvitation}, args...)...)
	}
	switch {
	case inv.Method != MethodRequest && inv.Method != MethodCancel:
		return invalid("method %q is neither %s nor %s", inv.Method, MethodRequest, MethodCancel)
	case inv.UID == "":
		return invalid("no UID")
	case strings.ContainsFunc(inv.UID, unicode.IsControl):
		// The UID is compared byte for byte by every client: refuse rather
		// than change it.
		return invalid("UID %q has a control character", inv.UID)
	case inv.Sequence < 0:
		return invalid("sequence %d is negative", inv.Sequence)
	case inv.Stamp.IsZero():
		return invalid("no stamp")
	case inv.Start.IsZero() || inv.End.IsZero():
		return invalid("no start or no end")
	case !inv.End.After(inv.Start):
		return invalid("end %s is not after start %s", inv.End.Format(time.RFC3339), inv.Start.Format(time.RFC3339))
	case !isMailbox(inv.OrganizerEmail):
		return invalid("organizer email %q is not a plain address", inv.OrganizerEmail)
	case !isMailbox(inv.AttendeeEmail):
		return invalid("attendee email %q is not a plain address", inv.AttendeeEmail)
	}
	if inv.URL != "" {
		u, err := url.Parse(inv.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid("URL %q is not an absolute http(s) URL", inv.URL)
		}
	}
	return nil
}

// isMailbox reports whether s is a bare email address, with no display name,
// angle brackets or surrounding space.
func isMailbox(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// calAddress returns an ORGANIZER or ATTENDEE property for the mailbox, with
// the name as its CN parameter when there is one.
func calAddress(prop, name, email string) *ical.Prop {
	p := ical.NewProp(prop)
	p.Value = "mailto:" + email
	if cn := paramValue(name); cn != "" {
		p.Params.Set(ical.ParamCommonName, cn)
	}
	return p
}

// paramValue makes s safe as a parameter value such as CN. Parameter values
// have no escapes (RFC 5545 3.1): go-ical puts a value holding ':', ';' or
// ',' in double quotes, so those are safe, but a DQUOTE may not appear even
// inside quotes (go-ical refuses it) and a line break would end the line, so
// control characters become spaces and double quotes are dropped. Backslashes
// are dropped too, because some parsers (golang-ical among them) wrongly read
// them as escapes and would let one swallow the closing quote.
func paramValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// textValue prepares s for a TEXT property. Line breaks become LF, which
// go-ical's SetText writes as \n (its encoder refuses a bare CR); the other
// control characters, which RFC 5545 does not allow in TEXT, are dropped,
// except the tab.
func textValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
