package notify

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the system's zoneinfo
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// copenhagenZone is Europe/Copenhagen, from the embedded tzdata.
func copenhagenZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// renewalInvitation is a new booking of a residence permit renewal at the
// Aarhus center, 45 minutes from start, with its times given in Copenhagen
// time as the booking package keeps them, and the manage link's token and
// the attendee given.
func renewalInvitation(ref, token string, start, stamp time.Time, attendeeName, attendeeEmail string) Invitation {
	end := start.Add(45 * time.Minute)
	manage := "https://booking.example.dk/manage/" + ref + "?token=" + token
	return Invitation{
		Method:   MethodRequest,
		UID:      ref + "@booking.example.dk",
		Sequence: 0,
		Stamp:    stamp,
		Start:    start,
		End:      end,
		Summary:  "Residence permit renewal – Aarhus ICS Center",
		Location: "Aarhus ICS Center, Banegårdspladsen 1A, 8000 Aarhus C",
		Description: "Booking reference: " + ref + "\n" +
			"Time: " + start.Format("Monday 2 January 2006, 15:04") + "-" + end.Format("15:04") + " (Copenhagen time)\n" +
			"\n" +
			"Please bring:\n" +
			"- your passport\n" +
			"- your current residence card\n" +
			"- this booking reference\n" +
			"\n" +
			"To reschedule or cancel: " + manage,
		URL:            manage,
		OrganizerName:  "Aarhus ICS Center",
		OrganizerEmail: "booking@example.dk",
		AttendeeName:   attendeeName,
		AttendeeEmail:  attendeeEmail,
	}
}

// winterInvitation is a booking on Monday 7 December 2026, 09:00-09:45
// Copenhagen time (CET, UTC+1).
func winterInvitation(t *testing.T) Invitation {
	t.Helper()
	return renewalInvitation("AAR-7K3M9Q", "q8Zr2xV5Lm", time.Date(2026, 12, 7, 9, 0, 0, 0, copenhagenZone(t)),
		time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC), "محمد عبد الله", "mohammed.abdullah@example.com")
}

// summerInvitation is a booking on Monday 7 June 2027, 09:00-09:45
// Copenhagen time (CEST, UTC+2).
func summerInvitation(t *testing.T) Invitation {
	t.Helper()
	return renewalInvitation("AAR-4P8W2N", "Tn3Hc7Wq2R", time.Date(2027, 6, 7, 9, 0, 0, 0, copenhagenZone(t)),
		time.Date(2027, 5, 10, 8, 30, 0, 0, time.UTC), "李小龙", "li.xiaolong@example.com")
}

func encodeInvitation(t *testing.T, inv Invitation) []byte {
	t.Helper()
	b, err := inv.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

// checkPhysicalLines fails the test unless every line of b ends in CRLF, is
// at most 75 octets long and is valid UTF-8 on its own.
func checkPhysicalLines(t *testing.T, b []byte) {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Errorf("does not end in CRLF: %q", s[max(0, len(s)-20):])
	}
	if n, m := strings.Count(s, "\n"), strings.Count(s, "\r\n"); n != m || strings.Count(s, "\r") != m {
		t.Errorf("%d LF, %d CR, %d CRLF: want only CRLF", n, strings.Count(s, "\r"), m)
	}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(line) > maxLineOctets {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 on its own: %q", i+1, line)
		}
		if line == "" {
			t.Errorf("line %d is empty", i+1)
		}
	}
}

// unfold undoes line folding (RFC 5545 3.1).
func unfold(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(s)
}

// contentLines returns the unfolded content lines of b.
func contentLines(b []byte) []string {
	return strings.Split(strings.TrimSuffix(unfold(string(b)), "\r\n"), "\r\n")
}

// parseInvitation reads b with golang-ical, a parser independent of the encoder, and
// returns the calendar and its only component, which must be a VEVENT.
func parseInvitation(t *testing.T, b []byte) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the invitation: %v\n%s", err, b)
	}
	if len(cal.Components) != 1 || len(cal.Events()) != 1 {
		t.Fatalf("got %d components, %d of them VEVENTs; want exactly one VEVENT\n%s",
			len(cal.Components), len(cal.Events()), b)
	}
	return cal, cal.Events()[0]
}

func calendarValues(cal *ics.Calendar, name string) []string {
	var values []string
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			values = append(values, p.Value)
		}
	}
	return values
}

func eventProps(ev *ics.VEvent, name string) []ics.IANAProperty {
	var props []ics.IANAProperty
	for _, p := range ev.Properties {
		if p.IANAToken == name {
			props = append(props, p)
		}
	}
	return props
}

// eventValue returns the value of the event's only property called name.
func eventValue(t *testing.T, ev *ics.VEvent, name string) string {
	t.Helper()
	props := eventProps(ev, name)
	if len(props) != 1 {
		t.Errorf("%d %s properties, want 1", len(props), name)
		return ""
	}
	return props[0].Value
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		file       string
		inv        Invitation
		start, end string
	}{
		// CET: 09:00 in Copenhagen is 08:00Z.
		{"invite-winter.ics", winterInvitation(t), "DTSTART:20261207T080000Z", "DTEND:20261207T084500Z"},
		// CEST: 09:00 in Copenhagen is 07:00Z.
		{"invite-summer.ics", summerInvitation(t), "DTSTART:20270607T070000Z", "DTEND:20270607T074500Z"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want := checkGolden(t, tt.file, encodeInvitation(t, tt.inv))
			checkPhysicalLines(t, want)
			lines := contentLines(want)
			for _, line := range []string{tt.start, tt.end, "DTSTAMP:" + tt.inv.Stamp.Format("20060102T150405Z")} {
				if !hasLine(lines, line) {
					t.Errorf("no line %q in %s", line, tt.file)
				}
			}
		})
	}
}

// checkGolden fails the test unless got is the content of testdata/file,
// which it returns; go test ./notify -run Golden -update rewrites the file.
func checkGolden(t *testing.T, file string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./notify -run Golden -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./notify -run Golden -update rewrites it)\ngot:\n%s\nwant:\n%s",
			path, got, want)
	}
	return want
}

func hasLine(lines []string, line string) bool {
	for _, l := range lines {
		if l == line {
			return true
		}
	}
	return false
}

// TestEncodeParsedBack reads the invitation back with golang-ical and checks
// every field, for a new booking, a reschedule and a cancel.
func TestEncodeParsedBack(t *testing.T) {
	cph := copenhagenZone(t)
	tests := []struct {
		name     string
		method   Method
		sequence int
		status   string
	}{
		{"new", MethodRequest, 0, "CONFIRMED"},
		{"rescheduled", MethodRequest, 1, "CONFIRMED"},
		{"cancelled", MethodCancel, 2, "CANCELLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := winterInvitation(t)
			inv.Method = tt.method
			inv.Sequence = tt.sequence
			// A stamp in Copenhagen time must still be written in UTC.
			inv.Stamp = time.Date(2026, 11, 20, 14, 5, 9, 0, cph)
			inv.Summary = `Renewal, Aarhus; room "3" \ floor 1 – 续签 – تجديد 🛂`
			inv.Description = "Reference: AAR-7K3M9Q\n\nBring: passport, residence card; a pen.\n" +
				`C:\path\n is not a newline` + "\nمحمد عبد الله – 李小龙 – æøå ÆØÅ 🎉"
			b := encodeInvitation(t, inv)
			cal, ev := parseInvitation(t, b)

			for name, want := range map[string]string{
				"METHOD":   string(tt.method),
				"VERSION":  "2.0",
				"PRODID":   prodID,
				"CALSCALE": "GREGORIAN",
			} {
				if got := calendarValues(cal, name); len(got) != 1 || got[0] != want {
					t.Errorf("calendar %s = %q, want [%q]", name, got, want)
				}
			}

			if got := ev.Id(); got != inv.UID {
				t.Errorf("UID = %q, want %q", got, inv.UID)
			}
			if got := eventValue(t, ev, "SEQUENCE"); got != strconv.Itoa(tt.sequence) {
				t.Errorf("SEQUENCE = %q, want %d", got, tt.sequence)
			}
			for _, tc := range []struct {
				prop string
				get  func() (time.Time, error)
				want time.Time
			}{
				{"DTSTAMP", ev.GetDtStampTime, inv.Stamp},
				{"DTSTART", ev.GetStartAt, inv.Start},
				{"DTEND", ev.GetEndAt, inv.End},
			} {
				raw := eventProps(ev, tc.prop)
				if len(raw) != 1 || !strings.HasSuffix(raw[0].Value, "Z") || len(raw[0].ICalParameters) != 0 {
					t.Errorf("%s = %+v, want one UTC value ending in Z with no TZID", tc.prop, raw)
					continue
				}
				got, err := tc.get()
				if err != nil || !got.Equal(tc.want) {
					t.Errorf("%s = %v (%v), want %v", tc.prop, got, err, tc.want.UTC())
				}
			}
			if s := string(b); strings.Contains(s, "TZID") || strings.Contains(s, "VTIMEZONE") {
				t.Errorf("TZID or VTIMEZONE written:\n%s", b)
			}

			organizers := eventProps(ev, "ORGANIZER")
			if len(organizers) != 1 {
				t.Fatalf("%d ORGANIZERs, want 1", len(organizers))
			}
			checkParams(t, organizers[0], "mailto:booking@example.dk", map[string]string{
				"CN": "Aarhus ICS Center",
			})
			attendees := ev.Attendees()
			if len(attendees) != 1 {
				t.Fatalf("%d ATTENDEEs, want 1", len(attendees))
			}
			if got := attendees[0].Email(); got != inv.AttendeeEmail {
				t.Errorf("attendee email = %q, want %q", got, inv.AttendeeEmail)
			}
			checkParams(t, attendees[0].IANAProperty, "mailto:"+inv.AttendeeEmail, map[string]string{
				"CN":       "محمد عبد الله",
				"ROLE":     "REQ-PARTICIPANT",
				"PARTSTAT": "NEEDS-ACTION",
				"RSVP":     "FALSE",
			})

			for name, want := range map[string]string{
				"SUMMARY":     inv.Summary,
				"LOCATION":    inv.Location,
				"DESCRIPTION": inv.Description,
				"URL":         inv.URL,
				"STATUS":      tt.status,
				"TRANSP":      "OPAQUE",
			} {
				if got := eventValue(t, ev, name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range []string{"RRULE", "RDATE", "EXDATE", "DURATION"} {
				if ps := eventProps(ev, name); len(ps) != 0 {
					t.Errorf("event has %s: %+v", name, ps)
				}
			}
		})
	}
}

// TestEncodeCancel checks that a cancel repeats the event it cancels: against
// the request, only METHOD, STATUS, SEQUENCE and DTSTAMP may change.
func TestEncodeCancel(t *testing.T) {
	request := winterInvitation(t)
	cancel := request
	cancel.Method = MethodCancel
	cancel.Sequence = request.Sequence + 1
	cancel.Stamp = request.Stamp.Add(72 * time.Hour)

	want := map[string]bool{}
	for _, line := range contentLines(encodeInvitation(t, request)) {
		want[line] = true
	}
	changed := map[string]string{}
	for _, line := range contentLines(encodeInvitation(t, cancel)) {
		if !want[line] {
			name, _, _ := strings.Cut(line, ":")
			changed[name] = line
		}
	}
	wantChanged := map[string]string{
		"METHOD":   "METHOD:CANCEL",
		"STATUS":   "STATUS:CANCELLED",
		"SEQUENCE": "SEQUENCE:1",
		"DTSTAMP":  "DTSTAMP:20261123T130500Z",
	}
	if len(changed) != len(wantChanged) {
		t.Errorf("lines changed by the cancel: %q, want %q", changed, wantChanged)
	}
	for name, line := range wantChanged {
		if changed[name] != line {
			t.Errorf("cancel has %q, want %q", changed[name], line)
		}
	}
}

// checkParams checks a calendar address property's value and that it has
// exactly the given parameters, each with one value.
func checkParams(t *testing.T, p ics.IANAProperty, value string, params map[string]string) {
	t.Helper()
	if p.Value != value {
		t.Errorf("%s value = %q, want %q", p.IANAToken, p.Value, value)
	}
	if len(p.ICalParameters) != len(params) {
		t.Errorf("%s parameters = %q, want %q", p.IANAToken, p.ICalParameters, params)
	}
	for name, want := range params {
		if got := p.ICalParameters[name]; len(got) != 1 || got[0] != want {
			t.Errorf("%s;%s = %q, want [%q]", p.IANAToken, name, got, want)
		}
	}
}

// TestEncodeText checks the escaping on the wire (RFC 5545 3.3.11) and that
// each text comes back exactly, CRLF and CR as LF.
func TestEncodeText(t *testing.T) {
	tests := []struct {
		name, in, wire, back string
	}{
		{"plain", "Residence permit", "Residence permit", "Residence permit"},
		{"comma", "Aarhus, Denmark", `Aarhus\, Denmark`, "Aarhus, Denmark"},
		{"semicolon", "a; b", `a\; b`, "a; b"},
		{"backslash", `C:\temp\`, `C:\\temp\\`, `C:\temp\`},
		{"backslash n is no newline", `a\nb`, `a\\nb`, `a\nb`},
		{"newline", "one\ntwo", `one\ntwo`, "one\ntwo"},
		{"CRLF", "one\r\ntwo", `one\ntwo`, "one\ntwo"},
		{"bare CR", "one\rtwo", `one\ntwo`, "one\ntwo"},
		{"colon and quote", `Room: "B"`, `Room: "B"`, `Room: "B"`},
		{"control characters dropped", "bell\a null\x00 esc\x1b tab\tkept", "bell null esc tab\tkept", "bell null esc tab\tkept"},
		{"emoji", "Booked 🎉👍🏽", "Booked 🎉👍🏽", "Booked 🎉👍🏽"},
		{"Arabic", "تجديد تصريح الإقامة", "تجديد تصريح الإقامة", "تجديد تصريح الإقامة"},
		{"Chinese", "居留许可续签，奥胡斯", "居留许可续签，奥胡斯", "居留许可续签，奥胡斯"},
		{"Danish", "Banegårdspladsen, Århus Ø", `Banegårdspladsen\, Århus Ø`, "Banegårdspladsen, Århus Ø"},
	}
	fields := []struct {
		prop string
		set  func(*Invitation, string)
	}{
		{"SUMMARY", func(inv *Invitation, s string) { inv.Summary = s }},
		{"LOCATION", func(inv *Invitation, s string) { inv.Location = s }},
		{"DESCRIPTION", func(inv *Invitation, s string) { inv.Description = s }},
	}
	for _, tt := range tests {
		for _, f := range fields {
			t.Run(tt.name+"/"+f.prop, func(t *testing.T) {
				inv := winterInvitation(t)
				f.set(&inv, tt.in)
				b := encodeInvitation(t, inv)
				if line := f.prop + ":" + tt.wire; !hasLine(contentLines(b), line) {
					t.Errorf("no line %q in\n%s", line, unfold(string(b)))
				}
				_, ev := parseInvitation(t, b)
				if got := eventValue(t, ev, f.prop); got != tt.back {
					t.Errorf("%s parsed back as %q, want %q", f.prop, got, tt.back)
				}
			})
		}
	}
}

// TestEncodeInjection feeds names and texts that try to add a property or a
// parameter: each must stay inside its own value.
func TestEncodeInjection(t *testing.T) {
	const evil = "mailto:evil@example.com"
	tests := []struct {
		name   string
		change func(*Invitation)
		field  string // "attendee CN", "organizer CN" or a TEXT property
		want   string
	}{
		{"attendee name with semicolon and colon",
			func(inv *Invitation) { inv.AttendeeName = "Ana; ATTENDEE:" + evil },
			"attendee CN", "Ana; ATTENDEE:" + evil},
		{"attendee name with LF",
			func(inv *Invitation) { inv.AttendeeName = "Ana\nATTENDEE:" + evil },
			"attendee CN", "Ana ATTENDEE:" + evil},
		{"attendee name with CRLF",
			func(inv *Invitation) { inv.AttendeeName = "Ana\r\nX-EVIL:1" },
			"attendee CN", "Ana X-EVIL:1"},
		{"attendee name closing the quote",
			func(inv *Invitation) { inv.AttendeeName = `Ana";ROLE=CHAIR;X-EVIL=1:` + evil },
			"attendee CN", "Ana;ROLE=CHAIR;X-EVIL=1:" + evil},
		{"attendee name ending in a backslash",
			func(inv *Invitation) { inv.AttendeeName = `Ana, B\` },
			"attendee CN", "Ana, B"},
		{"attendee name with other control characters",
			func(inv *Invitation) { inv.AttendeeName = "Ana\x00\x1b[31mB\x7f\u0085" },
			"attendee CN", "Ana [31mB"},
		{"organizer name with LF",
			func(inv *Invitation) { inv.OrganizerName = "Aarhus\nATTENDEE:" + evil },
			"organizer CN", "Aarhus ATTENDEE:" + evil},
		{"summary with CRLF",
			func(inv *Invitation) { inv.Summary = "Renewal\r\nX-EVIL:1" },
			"SUMMARY", "Renewal\nX-EVIL:1"},
		{"location with CR",
			func(inv *Invitation) { inv.Location = "Aarhus\rX-EVIL:1" },
			"LOCATION", "Aarhus\nX-EVIL:1"},
		{"description with a second event",
			func(inv *Invitation) {
				inv.Description = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nATTENDEE:" + evil + "\r\nX-EVIL:1"
			},
			"DESCRIPTION", "x\nEND:VEVENT\nBEGIN:VEVENT\nATTENDEE:" + evil + "\nX-EVIL:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := winterInvitation(t)
			tt.change(&inv)
			b := encodeInvitation(t, inv)
			checkPhysicalLines(t, b)

			// On the wire, before any parser has a say.
			counts := map[string]int{}
			for _, line := range contentLines(b) {
				name, _, _ := strings.Cut(line, ":")
				name, _, _ = strings.Cut(name, ";")
				counts[name]++
			}
			if counts["ATTENDEE"] != 1 || counts["ORGANIZER"] != 1 || counts["X-EVIL"] != 0 ||
				counts["BEGIN"] != 2 || counts["END"] != 2 {
				t.Errorf("content lines by name: %v\n%s", counts, unfold(string(b)))
			}

			cal, ev := parseInvitation(t, b)
			for _, p := range cal.CalendarProperties {
				if strings.HasPrefix(p.IANAToken, "X-") {
					t.Errorf("calendar has %s", p.IANAToken)
				}
			}
			for _, p := range ev.Properties {
				if strings.HasPrefix(p.IANAToken, "X-") {
					t.Errorf("event has %s", p.IANAToken)
				}
			}
			attendees := ev.Attendees()
			if len(attendees) != 1 {
				t.Fatalf("%d ATTENDEEs, want 1", len(attendees))
			}
			organizers := eventProps(ev, "ORGANIZER")
			if len(organizers) != 1 {
				t.Fatalf("%d ORGANIZERs, want 1", len(organizers))
			}
			checkParams(t, attendees[0].IANAProperty, "mailto:"+inv.AttendeeEmail, map[string]string{
				"CN":       paramValue(inv.AttendeeName),
				"ROLE":     "REQ-PARTICIPANT",
				"PARTSTAT": "NEEDS-ACTION",
				"RSVP":     "FALSE",
			})
			checkParams(t, organizers[0], "mailto:"+inv.OrganizerEmail, map[string]string{
				"CN": paramValue(inv.OrganizerName),
			})

			var got string
			switch tt.field {
			case "attendee CN":
				got = attendees[0].ICalParameters["CN"][0]
			case "organizer CN":
				got = organizers[0].ICalParameters["CN"][0]
			default:
				got = eventValue(t, ev, tt.field)
			}
			if got != tt.want {
				t.Errorf("%s = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestEncodeFoldsLongDescription(t *testing.T) {
	danish := "Husk pas, opholdskort og kvittering; mødet er på første sal, og skranken åbner kl. 9. Spørg i receptionen, hvis du er i tvivl om noget. "
	arabic := "يرجى إحضار جواز السفر وبطاقة الإقامة وإيصال الرسوم، والحضور قبل الموعد بعشر دقائق. "
	description := []rune(strings.Repeat(danish+arabic, 3))[:300]
	inv := winterInvitation(t)
	inv.Description = string(description)
	if n := utf8.RuneCountInString(inv.Description); n != 300 {
		t.Fatalf("description has %d characters, want 300", n)
	}

	b := encodeInvitation(t, inv)
	checkPhysicalLines(t, b)
	var folded int
	for _, line := range strings.Split(string(b), "\r\n") {
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded < len(inv.Description)/maxLineOctets {
		t.Errorf("%d continuation lines for a %d-octet description", folded, len(inv.Description))
	}
	_, ev := parseInvitation(t, b)
	if got := eventValue(t, ev, "DESCRIPTION"); got != inv.Description {
		t.Errorf("DESCRIPTION parsed back as\n%q\nwant\n%q", got, inv.Description)
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"short", "VERSION:2.0"},
		{"75 octets", "DESCRIPTION:" + strings.Repeat("a", 75-len("DESCRIPTION:"))},
		{"76 octets", "DESCRIPTION:" + strings.Repeat("a", 76-len("DESCRIPTION:"))},
		{"long ASCII", "DESCRIPTION:" + strings.Repeat("0123456789", 30)},
		{"Danish", "LOCATION:" + strings.Repeat("æøåÆØÅ ", 40)},
		{"Arabic", "SUMMARY:" + strings.Repeat("تجديد تصريح الإقامة ", 15)},
		{"Chinese", "SUMMARY:" + strings.Repeat("居留许可续签", 30)},
		{"emoji", "SUMMARY:" + strings.Repeat("🎉", 60)},
		{"emoji shifted by one", "SUMMARY:x" + strings.Repeat("🎉", 60)},
		{"emoji shifted by two", "SUMMARY:xx" + strings.Repeat("🎉", 60)},
		{"emoji shifted by three", "SUMMARY:xxx" + strings.Repeat("🎉", 60)},
		{"escapes at the cut", "DESCRIPTION:" + strings.Repeat(`\n\;\,\\`, 40)},
		{"spaces at the cut", "DESCRIPTION:" + strings.Repeat(" ", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "BEGIN:VCALENDAR\r\n" + tt.line + "\r\nEND:VCALENDAR\r\n"
			out := fold([]byte(in))
			checkPhysicalLines(t, out)
			if got := unfold(string(out)); got != in {
				t.Errorf("unfolds to\n%q\nwant\n%q", got, in)
			}
			lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
			if want := 3; len(tt.line) <= maxLineOctets && len(lines) != want {
				t.Errorf("a %d-octet line was folded into %d lines", len(tt.line), len(lines)-2)
			}
			for _, line := range lines[2 : len(lines)-1] {
				if line[0] != ' ' {
					t.Errorf("continuation line does not start with a space: %q", line)
				}
			}
		})
	}
}

// TestEncodeOptionalFields leaves out everything that may be left out.
func TestEncodeOptionalFields(t *testing.T) {
	inv := winterInvitation(t)
	inv.Summary, inv.Location, inv.Description, inv.URL = "", "", "", ""
	inv.OrganizerName, inv.AttendeeName = "", " \n "
	_, ev := parseInvitation(t, encodeInvitation(t, inv))
	for _, name := range []string{"SUMMARY", "LOCATION", "DESCRIPTION", "URL"} {
		if ps := eventProps(ev, name); len(ps) != 0 {
			t.Errorf("empty %s written: %+v", name, ps)
		}
	}
	for _, name := range []string{"ORGANIZER", "ATTENDEE"} {
		if ps := eventProps(ev, name); len(ps) != 1 || ps[0].ICalParameters["CN"] != nil {
			t.Errorf("%s = %+v, want one with no CN", name, ps)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Invitation)
	}{
		{"no method", func(inv *Invitation) { inv.Method = "" }},
		{"PUBLISH", func(inv *Invitation) { inv.Method = "PUBLISH" }},
		{"lower-case method", func(inv *Invitation) { inv.Method = "request" }},
		{"no UID", func(inv *Invitation) { inv.UID = "" }},
		{"UID with a line break", func(inv *Invitation) { inv.UID = "AAR-7K3M9Q\r\nX-EVIL:1" }},
		{"negative sequence", func(inv *Invitation) { inv.Sequence = -1 }},
		{"no stamp", func(inv *Invitation) { inv.Stamp = time.Time{} }},
		{"no start", func(inv *Invitation) { inv.Start = time.Time{} }},
		{"no end", func(inv *Invitation) { inv.End = time.Time{} }},
		{"end at start", func(inv *Invitation) { inv.End = inv.Start }},
		{"end before start", func(inv *Invitation) { inv.End = inv.Start.Add(-time.Minute) }},
		{"no organizer email", func(inv *Invitation) { inv.OrganizerEmail = "" }},
		{"organizer email with a name", func(inv *Invitation) { inv.OrganizerEmail = "Aarhus <booking@example.dk>" }},
		{"no attendee email", func(inv *Invitation) { inv.AttendeeEmail = "" }},
		{"attendee email without @", func(inv *Invitation) { inv.AttendeeEmail = "mohammed" }},
		{"attendee email with a line break", func(inv *Invitation) { inv.AttendeeEmail = "a@example.com\r\nX-EVIL:1" }},
		{"attendee email with spaces", func(inv *Invitation) { inv.AttendeeEmail = " a@example.com" }},
		{"relative URL", func(inv *Invitation) { inv.URL = "/manage/AAR-7K3M9Q" }},
		{"javascript URL", func(inv *Invitation) { inv.URL = "javascript:alert(1)" }},
		{"URL with a line break", func(inv *Invitation) { inv.URL = "https://booking.example.dk/\r\nX-EVIL:1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := winterInvitation(t)
			tt.change(&inv)
			b, err := inv.Encode()
			if !errors.Is(err, ErrInvalidInvitation) || b != nil {
				t.Errorf("Encode = %d bytes, %v; want nil, an ErrInvalidInvitation", len(b), err)
			}
		})
	}
}
