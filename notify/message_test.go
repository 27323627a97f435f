package notify

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// calendarFixture is a small iCalendar object with the given METHOD, CRLF
// line ends and one folded line, standing in for Invitation.Encode.
func calendarFixture(method Method) []byte {
	return []byte("BEGIN:VCALENDAR\r\n" +
		"VERSION:2.0\r\n" +
		"PRODID:-//ICS Booking//Test//EN\r\n" +
		"METHOD:" + string(method) + "\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:AAR-7K3M9Q@booking.example.dk\r\n" +
		"SEQUENCE:2\r\n" +
		"DTSTAMP:20261201T120000Z\r\n" +
		"DTSTART:20261207T080000Z\r\n" +
		"DTEND:20261207T084500Z\r\n" +
		"SUMMARY:Residence permit renewal – Aarhus ICS Center\r\n" +
		"DESCRIPTION:Reference: AAR-7K3M9Q\\nBring: passport\\, residence card\\nChan\r\n" +
		" ge or cancel: https://booking.example.dk/manage/AAR-7K3M9Q\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n")
}

func testEmail(method Method) Email {
	e := Email{
		MessageID:   "<AAR-7K3M9Q.2.confirmation@booking.example.dk>",
		FromName:    "Aarhus ICS Center",
		FromAddress: "booking@ics.example.dk",
		ToName:      "محمد الأحمد",
		ToAddress:   "mohammed@example.com",
		Subject:     "Påmindelse: Din tid hos Aarhus ICS Center den 7. december 2026 kl. 09.00",
		Text:        "Kære محمد الأحمد\n\nDin tid er bekræftet. A long line that goes on and on beyond seventy-six characters, so that quoted-printable has to break it somewhere.\n",
		HTML:        "<!DOCTYPE html>\n<html lang=\"da\"><body><p>Kære محمد الأحمد</p><p>Din tid er bekræftet.</p></body></html>\n",
	}
	if method != "" {
		e.Calendar, e.Method = calendarFixture(method), method
	}
	return e
}

// part is a MIME entity as read back with the standard library.
type part struct {
	header    map[string][]string
	mediaType string
	params    map[string]string
	body      []byte // decoded
	children  []part
}

func (p part) get(key string) string {
	if v := p.header[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func writeMsg(t *testing.T, e Email) ([]byte, *netmail.Message) {
	t.Helper()
	m, err := e.Msg()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, raw)
	}
	return raw, msg
}

// readPart parses an entity, descending into multiparts, and decodes the
// body of a leaf, which must be base64 or quoted-printable.
func readPart(t *testing.T, header map[string][]string, body io.Reader) part {
	t.Helper()
	p := part{header: header}
	var err error
	p.mediaType, p.params, err = mime.ParseMediaType(p.get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", p.get("Content-Type"), err)
	}
	if strings.HasPrefix(p.mediaType, "multipart/") {
		r := multipart.NewReader(body, p.params["boundary"])
		for {
			// NextRawPart: NextPart would decode quoted-printable and
			// hide the Content-Transfer-Encoding header we check.
			child, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			p.children = append(p.children, readPart(t, child.Header, child))
		}
		return p
	}
	var decoded io.Reader
	switch enc := p.get("Content-Transfer-Encoding"); strings.ToLower(enc) {
	case "base64":
		decoded = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		decoded = quotedprintable.NewReader(body)
	default:
		t.Fatalf("%s part has Content-Transfer-Encoding %q, want base64 or quoted-printable", p.mediaType, enc)
	}
	if p.body, err = io.ReadAll(decoded); err != nil {
		t.Fatalf("%s part: %v", p.mediaType, err)
	}
	return p
}

func readTree(t *testing.T, msg *netmail.Message) part {
	t.Helper()
	return readPart(t, msg.Header, msg.Body)
}

// readBack builds e, writes it, checks its headers and wire format, and
// returns its MIME tree.
func readBack(t *testing.T, e Email) part {
	t.Helper()
	raw, msg := writeMsg(t, e)
	checkHeaders(t, e, msg)
	checkWireFormat(t, raw)
	return readTree(t, msg)
}

func crlfToLF(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }

func checkBodies(t *testing.T, e Email, plain, html part) {
	t.Helper()
	for _, c := range []struct {
		p         part
		mediaType string
		want      string
	}{{plain, "text/plain", e.Text}, {html, "text/html", e.HTML}} {
		if c.p.mediaType != c.mediaType || c.p.params["charset"] != "UTF-8" {
			t.Errorf("part is %s %v, want %s; charset=UTF-8", c.p.mediaType, c.p.params, c.mediaType)
		}
		if c.p.get("Content-Disposition") != "" {
			t.Errorf("%s part has Content-Disposition %q", c.mediaType, c.p.get("Content-Disposition"))
		}
		if got := crlfToLF(c.p.body); got != c.want {
			t.Errorf("%s body = %q, want %q", c.mediaType, got, c.want)
		}
	}
}

func TestMsgInvitationLayout(t *testing.T) {
	for _, method := range []Method{MethodRequest, MethodCancel} {
		t.Run(string(method), func(t *testing.T) {
			e := testEmail(method)
			root := readBack(t, e)
			if root.mediaType != "multipart/mixed" || len(root.children) != 2 {
				t.Fatalf("root is %s with %d parts, want multipart/mixed with 2", root.mediaType, len(root.children))
			}
			alt, attachment := root.children[0], root.children[1]
			if alt.mediaType != "multipart/alternative" || len(alt.children) != 3 {
				t.Fatalf("first part is %s with %d parts, want multipart/alternative with 3", alt.mediaType, len(alt.children))
			}
			checkBodies(t, e, alt.children[0], alt.children[1])

			inline := alt.children[2]
			if inline.mediaType != "text/calendar" || len(inline.params) != 2 ||
				inline.params["method"] != string(method) || inline.params["charset"] != "UTF-8" {
				t.Errorf("calendar part is %s %v, want text/calendar; method=%s; charset=UTF-8", inline.mediaType, inline.params, method)
			}
			if want := "text/calendar; method=" + string(method) + "; charset=UTF-8"; inline.get("Content-Type") != want {
				t.Errorf("calendar Content-Type %q, want %q", inline.get("Content-Type"), want)
			}
			if d := inline.get("Content-Disposition"); d != "" {
				t.Errorf("inline calendar has Content-Disposition %q; Evolution would show a file", d)
			}
			if !bytes.Equal(inline.body, e.Calendar) {
				t.Errorf("inline calendar = %q, want %q", inline.body, e.Calendar)
			}

			if attachment.mediaType != "application/ics" || attachment.params["name"] != "invite.ics" {
				t.Errorf("attachment is %s %v, want application/ics; name=invite.ics", attachment.mediaType, attachment.params)
			}
			disposition, dparams, err := mime.ParseMediaType(attachment.get("Content-Disposition"))
			if err != nil || disposition != "attachment" || dparams["filename"] != "invite.ics" {
				t.Errorf("attachment Content-Disposition %q, want attachment; filename=invite.ics", attachment.get("Content-Disposition"))
			}
			if !bytes.Equal(attachment.body, inline.body) {
				t.Errorf("invite.ics differs from the inline calendar:\n%q\n%q", attachment.body, inline.body)
			}
		})
	}
}

func checkHeaders(t *testing.T, e Email, msg *netmail.Message) {
	t.Helper()
	h := msg.Header
	if got := h.Get("Message-ID"); got != e.MessageID {
		t.Errorf("Message-ID %q, want %q", got, e.MessageID)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q", got)
	}
	if got := h.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version %q", got)
	}
	if date, err := h.Date(); err != nil || time.Since(date) > time.Hour || time.Until(date) > time.Minute {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != e.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, e.Subject)
	}
	for _, c := range []struct{ header, name, address string }{
		{"From", e.FromName, e.FromAddress},
		{"To", e.ToName, e.ToAddress},
	} {
		list, err := h.AddressList(c.header)
		if err != nil || len(list) != 1 || list[0].Name != c.name || list[0].Address != c.address {
			t.Errorf("%s = %q parses to %v (%v), want %q <%s>", c.header, h.Get(c.header), list, err, c.name, c.address)
		}
	}
	for _, absent := range []string{"Reply-To", "Cc", "Bcc", "Sender"} {
		if v := h.Get(absent); v != "" {
			t.Errorf("unexpected %s: %q", absent, v)
		}
	}
}

// checkWireFormat checks that the message is 7-bit clean with short lines
// ending in CRLF, as any relay accepts.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the message does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(line), line)
		}
		for _, c := range line {
			if c >= 0x80 || c == '\r' || c == '\n' || c == 0 {
				t.Errorf("line %d has octet %#x: %q", i+1, c, line)
				break
			}
		}
	}
}

func TestMsgWithoutCalendar(t *testing.T) {
	e := testEmail("")
	root := readBack(t, e)
	if root.mediaType != "multipart/alternative" || len(root.children) != 2 {
		t.Fatalf("root is %s with %d parts, want multipart/alternative with 2", root.mediaType, len(root.children))
	}
	checkBodies(t, e, root.children[0], root.children[1])
}

// The message is rendered again on every delivery attempt: it must come
// out the same, attachment included.
func TestMsgWritesTwiceTheSame(t *testing.T) {
	m, err := testEmail(MethodRequest).Msg()
	if err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if _, err := m.WriteTo(&first); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WriteTo(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Errorf("a second WriteTo differs:\n%s\n---\n%s", first.Bytes(), second.Bytes())
	}
}

func TestMsgAwkwardNames(t *testing.T) {
	for _, name := range []string{`Doe, "Jane" \ Jr.`, "王小明", "Søren Ærø", "", "a very long name " + strings.Repeat("Åse ", 30)} {
		e := testEmail(MethodRequest)
		e.ToName = name
		_, msg := writeMsg(t, e)
		checkHeaders(t, e, msg)
	}
}

func TestMsgRefuses(t *testing.T) {
	cases := map[string]func(*Email){
		"CRLF in subject":           func(e *Email) { e.Subject = "Hello\r\nBcc: victim@example.com" },
		"LF in subject":             func(e *Email) { e.Subject = "Hello\nBcc: victim@example.com" },
		"CR in To name":             func(e *Email) { e.ToName = "Amina\rBcc: victim@example.com" },
		"LF in To name":             func(e *Email) { e.ToName = "Amina\nBcc: victim@example.com" },
		"CRLF in To address":        func(e *Email) { e.ToAddress = "amina@example.com\r\nBcc: victim@example.com" },
		"NUL in To name":            func(e *Email) { e.ToName = "Amina\x00" },
		"U+2028 in To name":         func(e *Email) { e.ToName = "Amina\u2028Bcc: x" },
		"CRLF in From name":         func(e *Email) { e.FromName = "ICS\r\nReply-To: evil@example.com" },
		"CRLF in Message-ID":        func(e *Email) { e.MessageID = "<a@b>\r\nBcc: victim@example.com" },
		"two To addresses":          func(e *Email) { e.ToAddress = "amina@example.com, victim@example.com" },
		"To with a display name":    func(e *Email) { e.ToAddress = "Evil <victim@example.com>" },
		"no To address":             func(e *Email) { e.ToAddress = "" },
		"From with a display name":  func(e *Email) { e.FromAddress = "Evil <evil@example.com>" },
		"Message-ID without @":      func(e *Email) { e.MessageID = "<AAR-7K3M9Q.2.confirmation>" },
		"Message-ID with a space":   func(e *Email) { e.MessageID = "<AAR 7K3M9Q@booking.example.dk>" },
		"Message-ID with brackets":  func(e *Email) { e.MessageID = "<a<b@c>" },
		"no subject":                func(e *Email) { e.Subject = " " },
		"no text":                   func(e *Email) { e.Text = "" },
		"no HTML":                   func(e *Email) { e.HTML = "" },
		"method differs":            func(e *Email) { e.Method = MethodCancel },
		"no method":                 func(e *Email) { e.Method = "" },
		"PUBLISH":                   func(e *Email) { e.Calendar, e.Method = calendarFixture("PUBLISH"), "PUBLISH" },
		"calendar without METHOD":   func(e *Email) { e.Calendar = bytes.Replace(e.Calendar, []byte("METHOD:REQUEST\r\n"), nil, 1) },
		"method without a calendar": func(e *Email) { e.Calendar = nil },
	}
	for name, change := range cases {
		e := testEmail(MethodRequest)
		change(&e)
		m, err := e.Msg()
		if !errors.Is(err, ErrInvalidEmail) {
			t.Errorf("%s: err = %v, want ErrInvalidEmail", name, err)
		}
		if m != nil {
			t.Errorf("%s: a message was built", name)
		}
	}
}

func TestMsgMessageIDWithoutBrackets(t *testing.T) {
	e := testEmail(MethodRequest)
	e.MessageID = "AAR-7K3M9Q.2.confirmation@booking.example.dk"
	m, err := e.Msg()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.GetGenHeader(mail.HeaderMessageID); len(got) != 1 || got[0] != "<"+e.MessageID+">" {
		t.Errorf("Message-ID %q", got)
	}
}
