package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// problemFields returns the fields a problem's errors name, with their
// details.
func problemFields(t *testing.T, p map[string]any) map[string]string {
	t.Helper()
	list, _ := p["errors"].([]any)
	fields := map[string]string{}
	for _, e := range list {
		m := e.(map[string]any)
		fields[m["field"].(string)] = m["detail"].(string)
	}
	return fields
}

func TestStrictJSONMembers(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		const start = "2026-11-30T09:00:00+01:00"
		booking := fmt.Sprintf(`"center":"aarhus","service":%q,"start":%q,"name":"Ana Silva"`, permit, start)
		for _, tt := range []struct {
			name, body, field, detail string
		}{
			{"email twice", `{` + booking + `,"email":"ana@example.com","email":"eve@example.com"}`, "email", "more than once"},
			{"name twice", `{` + booking + `,"email":"ana@example.com","name":"Eve"}`, "name", "more than once"},
			{"a field in another case", `{` + booking + `,"Email":"eve@example.com"}`, "Email", `did you mean "email"`},
			{"the same field in two cases", `{` + booking + `,"email":"ana@example.com","EMAIL":"eve@example.com"}`, "EMAIL", `did you mean "email"`},
			{"an unknown field", `{` + booking + `,"email":"ana@example.com","centre":"odense"}`, "centre", "not a field"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := expectProblem(t, a.do("POST", "/api/v1/bookings", tt.body), http.StatusBadRequest, "malformed")
				if d, ok := problemFields(t, p)[tt.field]; !ok || !strings.Contains(d, tt.detail) {
					t.Errorf("errors %v, want %s: ...%s", p["errors"], tt.field, tt.detail)
				}
			})
		}
		if n := a.activeBookings(); n != 0 {
			t.Errorf("%d bookings written from bodies with repeated or unknown fields", n)
		}

		ref, token := a.book(bookingBody("aarhus", permit, start))
		auth := []string{"Authorization", "Bearer " + token}
		body := `{"start":"2026-11-30T10:00:00+01:00","start":"2026-11-30T11:00:00+01:00"}`
		p := expectProblem(t, a.do("POST", "/api/v1/bookings/"+ref+"/reschedule", body, auth...), http.StatusBadRequest, "malformed")
		if _, ok := problemFields(t, p)["start"]; !ok {
			t.Errorf("errors %v lack start", p["errors"])
		}
		p = expectProblem(t, a.do("POST", "/api/v1/bookings/"+ref+"/reschedule", `{"Start":"2026-11-30T10:00:00+01:00"}`, auth...), http.StatusBadRequest, "malformed")
		if _, ok := problemFields(t, p)["Start"]; !ok {
			t.Errorf("errors %v lack Start", p["errors"])
		}
		got := a.do("GET", "/api/v1/bookings/"+ref, nil, auth...).json(t)
		if got["start"] != start {
			t.Errorf("the booking moved to %v", got["start"])
		}
	})
}

func TestMalformedJSON(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	for _, body := range []string{`[]`, `null`, `"x"`, `{"center":"aarhus"} {}`, `{"center":"aarhus",}`, `{"center" "aarhus"}`} {
		expectProblem(t, a.do("POST", "/api/v1/bookings", body), http.StatusBadRequest, "malformed")
	}
}

func TestStartTimesAreRFC3339(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		for _, tt := range []struct {
			start  string
			detail string // "" for a booking made
		}{
			{"2026-11-30T09:00:00+24:00", "RFC 3339"},
			{"2026-11-30T09:00:00+01:60", "RFC 3339"},
			{"2026-11-30T09:00:00,000+01:00", "RFC 3339"},
			{"2026-11-30T09:00+01:00", "RFC 3339"},
			{"2026-11-30T09:00:00", "RFC 3339"},
			{"2026-11-30 09:00:00+01:00", "RFC 3339"},
			{"2026-11-31T09:00:00+01:00", "RFC 3339"},
			{"2026-11-30T24:00:00+01:00", "RFC 3339"},
			{"2026-11-30T09:00:00+0100", "RFC 3339"},
			{"+2026-11-30T09:00:00+01:00", "RFC 3339"},
			{"2026-11-30T09:00:00+01:00 ", "RFC 3339"},
			{"２026-11-30T09:00:00+01:00", "RFC 3339"},
			{"2026-11-30T09:00:30+01:00", "seconds must be 0"},
			{"2026-11-30T09:00:00.5+01:00", "seconds must be 0"},
			{"2026-11-30T09:00:00.000000001+01:00", "seconds must be 0"},
			{"2026-11-30T09:00:60+01:00", "seconds must be 0"},
			{"2026-11-30T09:00:00+01:00", ""},
			{"2026-11-30T08:30:00.000Z", ""},
			{"2026-11-30t09:00:00z", ""},
			{"2026-11-30T10:30:00-00:00", ""},
		} {
			b := bookingBody("aarhus", permit, tt.start)
			b["email"] = fmt.Sprintf("ana%d@example.com", len(tt.start))
			r := a.do("POST", "/api/v1/bookings", b)
			if tt.detail == "" {
				if r.status != http.StatusCreated {
					t.Errorf("%q: %d %s", tt.start, r.status, r.body)
				}
				continue
			}
			if r.status != http.StatusBadRequest {
				t.Errorf("%q: %d %s, want 400", tt.start, r.status, r.body)
				continue
			}
			if d := problemFields(t, r.json(t))["start"]; !strings.Contains(d, tt.detail) {
				t.Errorf("%q: start %q, want it to say %q", tt.start, d, tt.detail)
			}
		}
	})
}

func TestNamesAndEmails(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		utf8 := newApp(t, dialect, thursday, withUTF8LocalParts())
		for _, tt := range []struct {
			name, email string
			field       string // "" for a booking made
			withUTF8    bool
		}{
			{"Ana Silva", "ana@bücher.example", "", false},
			{"Ana Silva", "ü@example.com", "email", false},
			{"Ana Silva", "ü@example.com", "", true},
			{"Ana Silva", "ana@[192.0.2.1]", "email", false},
			{"Ana Silva", "ana@-bad.example", "email", false},
			{"Ana Silva", "ana@" + strings.Repeat("a", 64) + ".example", "email", false},
			{"\u200b\u200d", "ana@example.com", "name", false},
			{"Ana \u202esirhC", "ana@example.com", "name", false},
			{"\u2067Ana", "ana@example.com", "name", false},
		} {
			app := a
			if tt.withUTF8 {
				app = utf8
			}
			b := bookingBody("aarhus", permit, "2026-12-01T09:00:00+01:00")
			b["name"], b["email"] = tt.name, tt.email
			r := app.do("POST", "/api/v1/bookings", b)
			switch {
			case tt.field == "" && r.status != http.StatusCreated:
				t.Errorf("%q <%s>: %d %s", tt.name, tt.email, r.status, r.body)
			case tt.field != "" && r.status != http.StatusBadRequest:
				t.Errorf("%q <%s>: %d %s, want 400", tt.name, tt.email, r.status, r.body)
			case tt.field != "":
				if _, ok := problemFields(t, r.json(t))[tt.field]; !ok {
					t.Errorf("%q <%s>: %s, want an error about %s", tt.name, tt.email, r.body, tt.field)
				}
			}
		}
	})
}
