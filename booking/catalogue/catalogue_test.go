package catalogue_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // so that the tests do not depend on the machine's zoneinfo

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/configs"
)

func parseDefault(t *testing.T) (booking.Catalogue, *time.Location) {
	t.Helper()
	cat, loc, err := catalogue.Parse(configs.CatalogueName, configs.Catalogue)
	if err != nil {
		t.Fatalf("default catalogue: %v", err)
	}
	return cat, loc
}

func TestDefaultCenters(t *testing.T) {
	cat, loc := parseDefault(t)
	if loc.String() != "Europe/Copenhagen" {
		t.Errorf("time zone = %s, want Europe/Copenhagen", loc)
	}
	want := []struct {
		id, code, name, address, phone, email string
	}{
		{"copenhagen", "CPH", "Copenhagen ICS Center", "Bernstorffsgade 35, 1577 Copenhagen V", "+45 72 14 20 10", "kbh@ics.dk"},
		{"aarhus", "AAR", "Aarhus ICS Center", "Banegårdspladsen 1A, 8000 Aarhus C", "+45 87 31 30 00", "aarhus@ics.dk"},
		{"odense", "ODE", "Odense ICS Center", "Østre Stationsvej 27, 5000 Odense C", "+45 65 48 20 00", "odense@ics.dk"},
		{"aalborg", "AAL", "Aalborg ICS Center", "Boulevarden 13, 9000 Aalborg", "+45 99 31 25 00", "aalborg@ics.dk"},
	}
	if len(cat.Centers) != len(want) {
		t.Fatalf("got %d centers, want %d", len(cat.Centers), len(want))
	}
	weekday := booking.Span{Open: 9 * time.Hour, Close: 15 * time.Hour}
	for i, w := range want {
		t.Run(w.id, func(t *testing.T) {
			c := cat.Centers[i]
			got := [6]string{c.ID, c.Code, c.Name, c.Address, c.Phone, c.Email}
			if got != [6]string{w.id, w.code, w.name, w.address, w.phone, w.email} {
				t.Errorf("center %d = %q, want %+v", i, got, w)
			}
			for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
				if s, ok := c.Hours[d]; !ok || s != weekday {
					t.Errorf("%s hours = %v (open %t), want %v", d, s, ok, weekday)
				}
			}
			for _, d := range []time.Weekday{time.Saturday, time.Sunday} {
				if s, ok := c.Hours[d]; ok {
					t.Errorf("%s hours = %v, want closed", d, s)
				}
			}
			if !c.Speaks("en") || !c.Speaks("da") {
				t.Errorf("languages = %v, want en and da", c.Languages)
			}
			if c.Desks < 1 {
				t.Errorf("desks = %d, want at least 1", c.Desks)
			}
			if c.SlotStep != 30*time.Minute {
				t.Errorf("slot step = %v, want 30m", c.SlotStep)
			}
			if len(c.InterpreterLanguages()) == 0 {
				t.Errorf("no interpreter languages")
			}
		})
	}
}

func TestDefaultServices(t *testing.T) {
	cat, _ := parseDefault(t)
	for _, s := range cat.Services {
		t.Run(s.ID, func(t *testing.T) {
			switch s.Mode {
			case booking.WalkIn, booking.Appointment, booking.Both:
			default:
				t.Errorf("mode = %q", s.Mode)
			}
			if s.Mode.Bookable() && s.Duration <= 0 {
				t.Errorf("bookable but duration = %v", s.Duration)
			}
			if s.Duration%booking.Unit != 0 {
				t.Errorf("duration %v is not a multiple of %v", s.Duration, booking.Unit)
			}
			if !slices.Contains([]string{"registration", "information", "practical", "specialized"}, s.Category) {
				t.Errorf("category = %q", s.Category)
			}
			if s.Name == "" || s.Description == "" || len(s.Bring) == 0 {
				t.Errorf("name %q, description %q, bring %q: want all three", s.Name, s.Description, s.Bring)
			}
			if s.NeedsLanguage != (s.ID == "document-translation") {
				t.Errorf("needs language = %t", s.NeedsLanguage)
			}
		})
	}

	modes := []struct {
		id   string
		mode booking.Mode
	}{
		{"cpr-number", booking.Both},
		{"mitid", booking.Both},
		{"health-insurance-card", booking.WalkIn},
		{"tax-card", booking.Both},
		{"digital-post", booking.WalkIn},
		{"bank-account", booking.WalkIn},
		{"general-information", booking.WalkIn},
		{"danish-bureaucracy", booking.WalkIn},
		{"rights-obligations", booking.WalkIn},
		{"integration-language-courses", booking.WalkIn},
		{"employment", booking.WalkIn},
		{"housing", booking.WalkIn},
		{"document-translation", booking.Appointment},
		{"form-completion", booking.Both},
		{"document-verification", booking.Both},
		{"referrals", booking.WalkIn},
		{"eu-residence-document", booking.Appointment},
		{"residence-permit-renewal", booking.Appointment},
		{"work-permit", booking.Appointment},
		{"students", booking.Both},
		{"families", booking.Appointment},
	}
	for _, m := range modes {
		s, err := cat.Service(m.id)
		if err != nil {
			t.Errorf("service %s: %v", m.id, err)
			continue
		}
		if s.Mode != m.mode {
			t.Errorf("service %s: mode = %s, want %s", m.id, s.Mode, m.mode)
		}
	}
	if s, err := cat.Service("document-translation"); err == nil && !s.NeedsLanguage {
		t.Errorf("document-translation does not need a language")
	}
}

// TestDefaultServicesInDanish checks that every built-in service is
// translated into Danish: its own name, a description and each thing to bring.
func TestDefaultServicesInDanish(t *testing.T) {
	cat, _ := parseDefault(t)
	for _, s := range cat.Services {
		t.Run(s.ID, func(t *testing.T) {
			da, ok := s.Translations["da"]
			if !ok {
				t.Fatalf("no Danish translation")
			}
			if da.Name == "" || da.Name == s.Name {
				t.Errorf("Danish name %q, English %q: want a translated name", da.Name, s.Name)
			}
			if strings.TrimSpace(da.Description) == "" {
				t.Errorf("no Danish description")
			}
			if len(da.Bring) != len(s.Bring) {
				t.Errorf("Danish bring %q, English %q: want as many things", da.Bring, s.Bring)
			}
			if got := s.In("da"); got.Name != da.Name {
				t.Errorf("In(da).Name = %q, want %q", got.Name, da.Name)
			}
		})
	}
}

// base is a small valid catalogue; the tests below break it one line at a
// time.
const base = `time_zone: Europe/Copenhagen
centers:
  - id: aarhus
    code: AAR
    name: Aarhus ICS Center
    address: Banegårdspladsen 1A, 8000 Aarhus C
    phone: "+45 87 31 30 00"
    email: aarhus@ics.dk
    hours:
      mon: "09:00-15:00"
      tue: "09:00-24:00"
      sat: closed
    languages: [en, da]
    desks: 3
    slot_step: 30m
    interpreters:
      ar: 2
      uk: 0
services:
  - id: translation
    name: Document translation
    category: practical
    mode: appointment
    duration: 60m
    needs_language: true
    bring: [Passport]
  - id: info
    name: General information
    mode: walk_in
`

const secondCenter = `
  - id: odense
    code: ODE
    name: Odense ICS Center
    address: Østre Stationsvej 27, 5000 Odense C
    email: odense@ics.dk
    desks: 2
services:`

// edit returns base with old replaced by new, failing if old is not there.
func edit(t *testing.T, old, new string) []byte {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return []byte(strings.Replace(base, old, new, 1))
}

func TestParse(t *testing.T) {
	cat, loc, err := catalogue.Parse("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if loc.String() != "Europe/Copenhagen" {
		t.Errorf("time zone = %s", loc)
	}
	c := cat.Centers[0]
	wantHours := map[time.Weekday]booking.Span{
		time.Monday:  {Open: 9 * time.Hour, Close: 15 * time.Hour},
		time.Tuesday: {Open: 9 * time.Hour, Close: 24 * time.Hour},
	}
	if len(c.Hours) != len(wantHours) {
		t.Errorf("hours = %v, want %v", c.Hours, wantHours)
	}
	for d, s := range wantHours {
		if c.Hours[d] != s {
			t.Errorf("%s hours = %v, want %v", d, c.Hours[d], s)
		}
	}
	if got := c.InterpreterLanguages(); !slices.Equal(got, []string{"ar"}) {
		t.Errorf("interpreter languages = %v, want [ar]", got)
	}
	tr, info := cat.Services[0], cat.Services[1]
	if tr.Mode != booking.Appointment || tr.Duration != time.Hour || !tr.NeedsLanguage || tr.Category != "practical" {
		t.Errorf("translation = %+v", tr)
	}
	if info.Mode != booking.WalkIn || info.Duration != 0 {
		t.Errorf("info = %+v, want walk_in without a duration", info)
	}
}

func TestParseTranslations(t *testing.T) {
	data := edit(t, "    bring: [Passport]\n", `    bring: [Passport]
    translations:
      da:
        name: Oversættelse af dokumenter
        description: Vi oversætter dine dokumenter.
        bring: [Pas]
`)
	cat, _, err := catalogue.Parse("test.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	s := cat.Services[0]
	if got := s.In("da"); got.Name != "Oversættelse af dokumenter" || got.Description != "Vi oversætter dine dokumenter." || !slices.Equal(got.Bring, []string{"Pas"}) {
		t.Errorf("Danish text %+v", got)
	}
	if got := s.In("fr"); got.Name != "Document translation" || !slices.Equal(got.Bring, []string{"Passport"}) {
		t.Errorf("text in a language without a translation %+v, want English", got)
	}
}

func TestParseDefaults(t *testing.T) {
	data := edit(t, `    hours:
      mon: "09:00-15:00"
      tue: "09:00-24:00"
      sat: closed
`, "")
	data = []byte(strings.Replace(string(data), "    slot_step: 30m\n", "", 1))
	cat, _, err := catalogue.Parse("test.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	c := cat.Centers[0]
	for d := time.Sunday; d <= time.Saturday; d++ {
		s, open := c.Hours[d]
		weekday := d != time.Saturday && d != time.Sunday
		if open != weekday || open && s != (booking.Span{Open: 9 * time.Hour, Close: 15 * time.Hour}) {
			t.Errorf("%s hours = %v (open %t)", d, s, open)
		}
	}
	if c.SlotStep != 30*time.Minute {
		t.Errorf("slot step = %v, want 30m", c.SlotStep)
	}
	if c.ServicesPerVisit() != 3 {
		t.Errorf("services a visit = %d, want 3", c.ServicesPerVisit())
	}
	if s := cat.Services[0]; s.PeoplePerVisit() != 1 || s.TimePerPerson() != s.Duration {
		t.Errorf("people a visit = %d, time a person = %s, want 1 and the duration", s.PeoplePerVisit(), s.TimePerPerson())
	}
}

// A visit's limits as the file sets them.
func TestParseVisits(t *testing.T) {
	data := edit(t, "    duration: 60m\n", "    duration: 60m\n    max_people: 6\n    per_person: 10m\n")
	data = []byte(strings.Replace(string(data), "    desks: 3\n", "    desks: 3\n    max_services: 2\n", 1))
	cat, _, err := catalogue.Parse("test.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if n := cat.Centers[0].ServicesPerVisit(); n != 2 {
		t.Errorf("services a visit = %d, want 2", n)
	}
	if s := cat.Services[0]; s.PeoplePerVisit() != 6 || s.TimePerPerson() != 10*time.Minute {
		t.Errorf("people a visit = %d, time a person = %s, want 6 and 10m", s.PeoplePerVisit(), s.TimePerPerson())
	}
}

// A center needs no desks when nothing can be booked.
func TestParseNoDesksWithoutAppointments(t *testing.T) {
	data := edit(t, "    desks: 3\n", "")
	data = []byte(strings.Replace(string(data), "    mode: appointment\n", "    mode: walk_in\n", 1))
	data = []byte(strings.Replace(string(data), "    needs_language: true\n", "", 1))
	if _, _, err := catalogue.Parse("test.yaml", data); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	const center = `center "aarhus"`
	tests := []struct {
		name     string
		old, new string
		want     []string // besides the file name
	}{
		{"unknown field", "    desks: 3\n", "    desks: 3\n    deskz: 3\n", []string{"line 15", center, "deskz"}},
		{"unknown top-level field", "services:\n", "holidays: []\nservices:\n", []string{"holidays"}},
		{"wrong type", "desks: 3", "desks: three", []string{center, "three"}},
		{"unknown time zone", "Europe/Copenhagen", "Europe/Copenhagn", []string{"time_zone", "Europe/Copenhagn"}},
		{"no time zone", "time_zone: Europe/Copenhagen\n", "", []string{"time_zone: required"}},
		{"local time zone", "Europe/Copenhagen", "Local", []string{"time_zone", `"Local"`}},
		{"duplicate center id", "services:", strings.Replace(secondCenter, "odense", "aarhus", 1), []string{center, "id", `used by both center #1 and #2`}},
		{"duplicate code", "services:", strings.Replace(secondCenter, "ODE", "AAR", 1), []string{`center "odense"`, "code", `"AAR"`}},
		{"duplicate service id", "  - id: info", "  - id: translation", []string{`service "translation"`, "id", "service #1 and #2"}},
		{"center without id", "  - id: aarhus", "  - id: ''", []string{"center #1", "id: required"}},
		{"center without code", "    code: AAR\n", "", []string{center, "code: required"}},
		{"center without name", "    name: Aarhus ICS Center\n", "", []string{center, "name: required"}},
		{"center without address", "    address: Banegårdspladsen 1A, 8000 Aarhus C\n", "", []string{center, "address: required"}},
		{"center without email", "    email: aarhus@ics.dk\n", "", []string{center, "email: required"}},
		{"bad email", "aarhus@ics.dk", "aarhus at ics.dk", []string{center, "email", "aarhus at ics.dk"}},
		{"service without id", "  - id: info\n    name", "  - name", []string{"service #2", "id: required"}},
		{"service without name", "    name: General information\n", "", []string{`service "info"`, "name: required"}},
		{"service without mode", "    mode: walk_in\n", "", []string{`service "info"`, "mode: required"}},
		{"bookable service without duration", "    duration: 60m\n", "", []string{`service "translation"`, "duration: required"}},
		{"bad center id", "id: aarhus", "id: Aarhus", []string{`center "Aarhus"`, "id", "lowercase"}},
		{"center id starting with a digit", "id: aarhus", "id: 8000-aarhus", []string{`center "8000-aarhus"`, "id"}},
		{"bad service id", "id: info", "id: general_info", []string{`service "general_info"`, "id"}},
		{"lowercase code", "code: AAR", "code: aar", []string{center, "code", `"aar"`}},
		{"long code", "code: AAR", "code: AARHUS", []string{center, "code", `"AARHUS"`}},
		{"unknown mode", "mode: walk_in", "mode: walk-in", []string{`service "info"`, "mode", `"walk-in"`}},
		{"duration not a duration", "duration: 60m", "duration: 60", []string{`service "translation"`, "duration", `"60"`}},
		{"duration off the unit", "duration: 60m", "duration: 50m", []string{`service "translation"`, "duration", "multiple of 15m"}},
		{"zero duration", "duration: 60m", "duration: 0s", []string{`service "translation"`, "duration", "positive"}},
		{"negative duration", "duration: 60m", "duration: -15m", []string{`service "translation"`, "duration", "positive"}},
		{"walk-in duration off the unit", "    mode: walk_in\n", "    mode: walk_in\n    duration: 10m\n", []string{`service "info"`, "duration"}},
		{"translation without name", "    bring: [Passport]\n", "    bring: [Passport]\n    translations:\n      da: {description: Oversættelse, bring: [Pas]}\n",
			[]string{`service "translation"`, "translations.da.name: required"}},
		{"translation of another bring list", "    bring: [Passport]\n", "    bring: [Passport]\n    translations:\n      da: {name: Oversættelse, description: Oversættelse, bring: [Pas, Visum]}\n",
			[]string{`service "translation"`, "translations.da.bring", "lists 2 things to bring, the service 1"}},
		{"translation into English", "    bring: [Passport]\n", "    bring: [Passport]\n    translations:\n      en: {name: T, description: T, bring: [P]}\n",
			[]string{`service "translation"`, "translations.en"}},
		{"slot step off the unit", "slot_step: 30m", "slot_step: 20m", []string{center, "slot_step", "multiple of 15m"}},
		{"slot step not a duration", "slot_step: 30m", "slot_step: half an hour", []string{center, "slot_step"}},
		{"hours not a span", `mon: "09:00-15:00"`, `mon: "9-15"`, []string{`center "aarhus": hours.mon: "9-15" is not of the form HH:MM-HH:MM`}},
		{"hours empty", `mon: "09:00-15:00"`, `mon: ""`, []string{center, "hours.mon"}},
		{"close before open", `mon: "09:00-15:00"`, `mon: "15:00-09:00"`, []string{center, "hours.mon", "closes before it opens"}},
		{"close at open", `mon: "09:00-15:00"`, `mon: "09:00-09:00"`, []string{center, "hours.mon", "closes before it opens"}},
		{"hour past 24", `tue: "09:00-24:00"`, `tue: "09:00-25:00"`, []string{center, "hours.tue", "outside 00:00-24:00"}},
		{"minute past 59", `mon: "09:00-15:00"`, `mon: "09:60-15:00"`, []string{center, "hours.mon", "outside 00:00-24:00"}},
		{"past midnight", `tue: "09:00-24:00"`, `tue: "09:00-24:15"`, []string{center, "hours.tue", "outside 00:00-24:00"}},
		{"hours off the unit", `mon: "09:00-15:00"`, `mon: "09:10-15:00"`, []string{center, "hours.mon", "15m grid"}},
		{"unknown weekday", "      sat: closed\n", "      saturday: closed\n", []string{center, "hours", `"saturday"`}},
		{"never open", "      mon: \"09:00-15:00\"\n      tue: \"09:00-24:00\"\n", "", []string{center, "hours", "closed every day"}},
		{"no desks", "    desks: 3\n", "", []string{center, "desks", `service "translation"`}},
		{"zero desks", "desks: 3", "desks: 0", []string{center, "desks", "at least 1"}},
		{"negative desks", "desks: 3", "desks: -1", []string{center, "desks", "negative"}},
		{"negative interpreters", "ar: 2", "ar: -1", []string{center, "interpreters.ar", "negative"}},
		{"interpreter language not a code", "ar: 2", "arabic: 2", []string{center, "interpreters.arabic", "ISO 639"}},
		{"uppercase language", "languages: [en, da]", "languages: [EN, da]", []string{center, "languages[0]", `"EN"`}},
		{"language with region", "languages: [en, da]", "languages: [en, da-DK]", []string{center, "languages[1]", `"da-DK"`}},
		{"repeated language", "languages: [en, da]", "languages: [en, da, en]", []string{center, "languages[2]", "twice"}},
		{"language on a walk-in service", "    mode: walk_in\n", "    mode: walk_in\n    needs_language: true\n", []string{`service "info"`, "needs_language"}},
		{"empty document to bring", "bring: [Passport]", "bring: [Passport, '']", []string{`service "translation"`, "bring[1]", "empty"}},
		{"bad category", "category: practical", "category: Practical support", []string{`service "translation"`, "category"}},
		{"no people", "    duration: 60m\n", "    duration: 60m\n    max_people: 0\n", []string{`service "translation"`, "max_people", "0 is less than 1"}},
		{"people not a number", "    duration: 60m\n", "    duration: 60m\n    max_people: a family\n", []string{`service "translation"`, "a family"}},
		{"time per person not a duration", "    duration: 60m\n", "    duration: 60m\n    per_person: 15\n", []string{`service "translation"`, "per_person", `"15"`}},
		{"no time per person", "    duration: 60m\n", "    duration: 60m\n    per_person: 0m\n", []string{`service "translation"`, "per_person", "positive"}},
		{"time per person of seconds", "    duration: 60m\n", "    duration: 60m\n    per_person: 90s\n", []string{`service "translation"`, "per_person", "multiple of 1m"}},
		{"no services a visit", "    desks: 3\n", "    desks: 3\n    max_services: 0\n", []string{center, "max_services", "0 is less than 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edit(t, tt.old, tt.new)
			checkError(t, data, tt.want)
		})
	}
}

func TestParseEmpty(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"empty file", "", []string{"centers: none defined", "services: none defined", "time_zone: required"}},
		{"no centers", strings.Replace(base, base[strings.Index(base, "centers:"):strings.Index(base, "services:")], "centers: []\n", 1), []string{"centers: none defined"}},
		{"no services", base[:strings.Index(base, "services:")], []string{"services: none defined"}},
		{"not YAML", "centers: [", []string{"yaml"}},
		{"two documents", base + "---\ntime_zone: UTC\n", []string{"more than one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, []byte(tt.data), tt.want)
		})
	}
}

// checkError parses data as test.yaml and checks that it fails with an error
// naming the file and containing every string in want.
func checkError(t *testing.T, data []byte, want []string) {
	t.Helper()
	cat, loc, err := catalogue.Parse("test.yaml", data)
	if err == nil {
		t.Fatalf("no error; parsed %d centers, %d services\n%s", len(cat.Centers), len(cat.Services), data)
	}
	if loc != nil || len(cat.Centers) != 0 {
		t.Errorf("returned a catalogue with the error")
	}
	msg := err.Error()
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(line, "test.yaml: ") {
			t.Errorf("line %q does not start with the file name", line)
		}
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "catalogue.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, _, err := catalogue.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Centers) != 1 || len(cat.Services) != 2 {
		t.Errorf("got %d centers and %d services, want 1 and 2", len(cat.Centers), len(cat.Services))
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(base, "code: AAR", "code: aar", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := catalogue.Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+`: center "aarhus": code:`) {
		t.Errorf("Load(bad) error = %v, want one naming %s", err, bad)
	}

	missing := filepath.Join(dir, "missing.yaml")
	if _, _, err := catalogue.Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) error = %v, want one naming %s", err, missing)
	}
}
