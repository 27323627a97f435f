package notify

import (
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/booking"
)

// ErrInvalidEmail is returned by Email.Msg for an email it refuses to build.
var ErrInvalidEmail = errors.New("invalid email")

// inviteFileName is the name of the calendar attachment.
const inviteFileName = "invite.ics"

// Email is one message to a newcomer: the composed words and, for a
// confirmation, a move or a cancellation, the iCalendar invitation.
type Email struct {
	// MessageID is the Message-ID header, e.g.
	// "<AAR-7K3M9Q.2.confirmation@booking.example.dk>" (the angle brackets
	// may be left out). It is stable per booking change, so that a resent
	// email is recognisably the same message.
	MessageID string
	// FromName and FromAddress are the sender: ICS Booking's own mailbox,
	// never text a user typed.
	FromName, FromAddress string
	ToName, ToAddress     string
	Subject, Text, HTML   string
	// Calendar is the iCalendar object (Invitation.Encode), or nil for an
	// email without one, such as a reminder.
	Calendar []byte
	// Method is the calendar's METHOD; it is required with a Calendar.
	Method Method
}

// Msg builds the message in the layout Google Calendar and Exchange send
// invitations in, which every mail client recognises:
//
//	multipart/mixed
//	  multipart/alternative
//	    text/plain; charset=UTF-8
//	    text/html; charset=UTF-8
//	    text/calendar; method=REQUEST (or CANCEL); charset=UTF-8
//	  application/ics; name="invite.ics" (attachment, the same bytes)
//
// The inline calendar part has no Content-Disposition, so that clients show
// an invitation rather than a file. Without a Calendar the message is
// multipart/alternative with the text and HTML parts only. Text and HTML
// are quoted-printable, the calendar base64. A header value with a line
// break or another control character is refused.
func (e Email) Msg() (*mail.Msg, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP), mail.WithNoDefaultUserAgent())
	m.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(e.MessageID, "<"), ">"))
	m.SetDate()
	// Domains go in ASCII, which every mail server takes; a local part
	// outside ASCII needs SMTPUTF8 (booking.Policy.UTF8LocalParts).
	from, err := booking.ASCIIAddress(e.FromAddress)
	if err != nil {
		return nil, fmt.Errorf("%w: From address: %w", ErrInvalidEmail, err)
	}
	to, err := booking.ASCIIAddress(e.ToAddress)
	if err != nil {
		return nil, fmt.Errorf("%w: To address: %w", ErrInvalidEmail, err)
	}
	m.FromMailAddress(&netmail.Address{Name: displayName(e.FromName), Address: from})
	m.ToMailAddress(&netmail.Address{Name: displayName(e.ToName), Address: to})
	m.Subject(e.Subject)
	// RFC 3834: no vacation replies to an automatic message; Exchange reads
	// its own header for the same.
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")

	m.SetBodyString(mail.TypeTextPlain, e.Text)
	m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	if len(e.Calendar) == 0 {
		return m, nil
	}
	// go-mail appends "; charset=UTF-8" to a part's content type.
	m.AddAlternativeString(mail.ContentType("text/calendar; method="+string(e.Method)), string(e.Calendar),
		mail.WithPartEncoding(mail.EncodingB64))
	if err := m.AttachReader(inviteFileName, bytes.NewReader(e.Calendar),
		mail.WithFileContentType("application/ics"), mail.WithFileEncoding(mail.EncodingB64)); err != nil {
		return nil, fmt.Errorf("attach %s: %w", inviteFileName, err)
	}
	return m, nil
}

// check refuses an email whose headers could be forged or broken, and a
// calendar whose METHOD does not match.
func (e Email) check() error {
	for _, h := range []struct{ name, value string }{
		{"Message-ID", e.MessageID},
		{"From name", e.FromName},
		{"From address", e.FromAddress},
		{"To name", e.ToName},
		{"To address", e.ToAddress},
		{"Subject", e.Subject},
	} {
		if i := strings.IndexFunc(h.value, isControl); i >= 0 {
			return fmt.Errorf("%w: %s contains control character %q", ErrInvalidEmail, h.name, h.value[i])
		}
	}
	if !validMessageID(e.MessageID) {
		return fmt.Errorf("%w: Message-ID %q is not of the form <id@domain>", ErrInvalidEmail, e.MessageID)
	}
	if err := bareAddress(e.FromAddress); err != nil {
		return fmt.Errorf("%w: From address: %w", ErrInvalidEmail, err)
	}
	if err := bareAddress(e.ToAddress); err != nil {
		return fmt.Errorf("%w: To address: %w", ErrInvalidEmail, err)
	}
	if strings.TrimSpace(e.Subject) == "" {
		return fmt.Errorf("%w: no subject", ErrInvalidEmail)
	}
	if e.Text == "" || e.HTML == "" {
		return fmt.Errorf("%w: a text and an HTML body are both needed", ErrInvalidEmail)
	}
	if len(e.Calendar) == 0 {
		if e.Method != "" {
			return fmt.Errorf("%w: method %s without a calendar", ErrInvalidEmail, e.Method)
		}
		return nil
	}
	if e.Method != MethodRequest && e.Method != MethodCancel {
		return fmt.Errorf("%w: calendar method %q is not %s or %s", ErrInvalidEmail, e.Method, MethodRequest, MethodCancel)
	}
	if got := calendarMethod(e.Calendar); got != string(e.Method) {
		return fmt.Errorf("%w: the calendar says METHOD:%s but the email says %s", ErrInvalidEmail, got, e.Method)
	}
	return nil
}

// isControl reports whether r is an ASCII or Unicode control character;
// CR and LF would end a header and start another.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

// validMessageID accepts msg-id as RFC 5322 section 3.6.4 has it, with a
// dot-atom on both sides of the @ and the angle brackets optional.
func validMessageID(id string) bool {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	left, right, ok := strings.Cut(id, "@")
	return ok && dotAtom(left) && dotAtom(right)
}

func dotAtom(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	return true
}

// bareAddress accepts a plain addr-spec such as ics@example.dk, nothing
// more: a display name goes in its own field.
func bareAddress(s string) error {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	if a.Name != "" || a.Address != s {
		return fmt.Errorf("%q is not a bare address", s)
	}
	return nil
}

// calendarMethod returns the value of the calendar's METHOD property.
func calendarMethod(ics []byte) string {
	for line := range bytes.Lines(ics) {
		name, value, ok := strings.Cut(strings.TrimRight(string(line), "\r\n"), ":")
		if ok && strings.EqualFold(name, "METHOD") {
			return strings.ToUpper(value)
		}
	}
	return ""
}

// displayName is a name as an address header shows it. In a name outside
// ASCII a backslash becomes a space: net/mail writes it raw into the name's
// encoded word ("=?utf-8?q?Zo=C3=AB\\?="), which strict parsers, its own
// included, refuse, so the whole To header would be unreadable (found by
// FuzzEmail). An ASCII name is quoted, backslash and all.
func displayName(name string) string {
	for _, r := range name {
		if r >= utf8.RuneSelf {
			return strings.ReplaceAll(name, `\`, " ")
		}
	}
	return name
}
