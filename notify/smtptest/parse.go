package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parsed is a received email taken apart with the standard library.
type Parsed struct {
	Header mail.Header
	// Subject is decoded from its MIME encoded words.
	Subject string
	Text    string
	HTML    string
	// Calendar is the inline text/calendar part and CalendarMethod its
	// method parameter; Attachment is the invite.ics file.
	Calendar       []byte
	CalendarMethod string
	Attachment     []byte
}

// Parse takes a message apart: text, HTML, the inline calendar and the
// attached one, with transfer encodings decoded.
func Parse(data []byte) (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Parsed{}, err
	}
	p := Parsed{Header: msg.Header}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Parsed{}, err
	}
	err = p.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return p, err
}

func (p *Parsed) walk(contentType, encoding, disposition string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			h := part.Header
			if err := p.walk(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), h.Get("Content-Disposition"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(disposition, "attachment"):
		p.Attachment = data
	case mt == "text/plain":
		p.Text = string(data)
	case mt == "text/html":
		p.HTML = string(data)
	case mt == "text/calendar":
		p.Calendar, p.CalendarMethod = data, params["method"]
	}
	return nil
}
