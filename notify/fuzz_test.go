package notify

import (
	"bytes"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// FuzzInvitation writes invitations with any text in their fields: every
// one parses back with an independent iCalendar parser (arran4's, not the
// go-ical that wrote it) as one VEVENT with exactly the properties written,
// so no text can add a property or an event.
func FuzzInvitation(f *testing.F) {
	f.Add("Residence permit – Aarhus", "Aarhus ICS Center, Banegårdspladsen 1A", "Reference: AAR-7K3M9Q\nBring: passport", "Ana Silva")
	f.Add("x\r\nATTENDEE:mailto:evil@example.com", "a;b,c\\d", "END:VEVENT\nBEGIN:VEVENT", "Eve\"\r\nX: y")
	f.Add(strings.Repeat("é", 200), "\x00\x01\u2028", "line\rbreak", "Оксана Коваленко")
	f.Fuzz(func(t *testing.T, summary, location, description, name string) {
		inv := Invitation{
			Method: MethodRequest, UID: "AAR-7K3M9Q@booking.example.dk", Sequence: 1,
			Stamp: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
			Start: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 7, 8, 45, 0, 0, time.UTC),
			Summary: summary, Location: location, Description: description,
			URL:           "https://booking.example.dk/bookings/AAR-7K3M9Q?token=x",
			OrganizerName: "Aarhus ICS Center", OrganizerEmail: "booking@example.dk",
			AttendeeName: name, AttendeeEmail: "ana@example.com",
		}
		data, err := inv.Encode()
		if err != nil {
			return // refusing is fine; writing something wrong is not
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("does not parse back: %v\n%s", err, data)
		}
		events := cal.Events()
		if len(events) != 1 || len(cal.Components) != 1 {
			t.Fatalf("%d events, %d components:\n%s", len(events), len(cal.Components), data)
		}
		seen := map[string]int{}
		for _, p := range events[0].Properties {
			seen[p.IANAToken]++
		}
		for _, p := range []string{"ATTENDEE", "ORGANIZER", "UID", "SEQUENCE", "DTSTART", "DTEND"} {
			if seen[p] != 1 {
				t.Fatalf("%d %s properties:\n%s", seen[p], p, data)
			}
		}
		if events[0].Id() != inv.UID {
			t.Fatalf("UID %q", events[0].Id())
		}
	})
}

// FuzzEmail builds emails to any name with any subject and text: the
// message parses, goes to the one address given, and no text adds a
// header.
func FuzzEmail(f *testing.F) {
	f.Add("Ana Silva", "Your appointment", "Hello")
	f.Add("Eve\r\nBcc: victim@example.com", "Subject\r\nX-Injected: yes", "body\r\n.\r\n")
	f.Add("\"quoted\" <x@y>", strings.Repeat("ø", 300), "")
	allowed := map[string]bool{"Message-Id": true, "Date": true, "From": true, "To": true, "Subject": true,
		"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
		"Auto-Submitted": true, "X-Auto-Response-Suppress": true}
	f.Fuzz(func(t *testing.T, name, subject, text string) {
		e := Email{
			MessageID: "<AAR-7K3M9Q.0.confirmation@booking.example.dk>",
			FromName:  "Aarhus ICS Center", FromAddress: "booking@example.dk",
			ToName: name, ToAddress: "ana@example.com",
			Subject: subject, Text: text, HTML: "<p>" + text + "</p>",
		}
		msg, err := e.Msg()
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if _, err := msg.WriteTo(&buf); err != nil {
			return
		}
		m, err := netmail.ReadMessage(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("does not parse: %v\n%s", err, buf.String())
		}
		for key := range m.Header {
			if !allowed[key] {
				t.Fatalf("header %s in:\n%s", key, buf.String())
			}
		}
		to, err := m.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "ana@example.com" {
			t.Fatalf("To %v %v:\n%s", to, err, buf.String())
		}
	})
}
