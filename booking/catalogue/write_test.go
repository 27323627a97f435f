package catalogue_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/configs"
)

// The canonical YAML reads back to the same catalogue, and writes the same
// again.
func TestMarshalRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{{"built-in", configs.Catalogue}, {"base", []byte(base)}, {"special hours", []byte(withSpecialHours)}} {
		t.Run(tt.name, func(t *testing.T) {
			want, wantLoc, err := catalogue.Parse("test.yaml", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			f, err := catalogue.Decode("test.yaml", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := catalogue.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			got, loc, err := catalogue.Parse("canonical.yaml", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !reflect.DeepEqual(got, want) || loc.String() != wantLoc.String() {
				t.Errorf("canonical YAML reads as another catalogue:\n%s", out)
			}
			again, err := catalogue.Decode("canonical.yaml", out)
			if err != nil {
				t.Fatal(err)
			}
			if out2, _ := catalogue.Marshal(again); string(out2) != string(out) {
				t.Errorf("canonical YAML is not stable:\n%s\nthen\n%s", out, out2)
			}
			// The JSON of the staff API carries the same fields.
			data, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			var fromJSON catalogue.File
			if err := json.Unmarshal(data, &fromJSON); err != nil {
				t.Fatal(err)
			}
			if got, _, err := catalogue.Check("test.json", fromJSON); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("JSON reads as another catalogue (%v):\n%s", err, data)
			}
		})
	}
}

// The hours of a week are written in its order.
func TestMarshalHoursInOrder(t *testing.T) {
	f, err := catalogue.Decode("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	out, err := catalogue.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "    hours:\n      mon: \"09:00-15:00\"\n      tue: \"09:00-24:00\"\n      sat: closed\n") {
		t.Errorf("hours not in the order of the week:\n%s", out)
	}
	data, _ := json.Marshal(f.Centers[0].Hours)
	if string(data) != `{"mon":"09:00-15:00","tue":"09:00-24:00","sat":"closed"}` {
		t.Errorf("JSON hours %s", data)
	}
}

var withSpecialHours = strings.Replace(base, "    languages: [en, da]\n",
	"    special_hours:\n      - {from: 2027-08-01, to: 2027-08-31, hours: {sat: \"10:00-14:00\", mon: closed}}\n    languages: [en, da]\n", 1)

func specialHours(t *testing.T, periods string) []byte {
	t.Helper()
	return edit(t, "    languages: [en, da]\n", "    special_hours:\n"+periods+"    languages: [en, da]\n")
}

func TestParseSpecialHours(t *testing.T) {
	data := specialHours(t, `      - from: 2027-08-01
        to: 2027-08-31
        hours: {mon: "08:00-17:00", sat: "10:00-14:00", tue: closed}
      - from: "2027-12-20"
        to: "2027-12-20"
        hours: {mon: "09:00-12:00"}
`)
	cat, _, err := catalogue.Parse("test.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	aug, _ := booking.ParseDate("2027-08-01")
	end, _ := booking.ParseDate("2027-08-31")
	dec, _ := booking.ParseDate("2027-12-20")
	h := func(a, b int) booking.Span {
		return booking.Span{Open: time.Duration(a) * time.Hour, Close: time.Duration(b) * time.Hour}
	}
	want := []booking.SpecialHours{
		{From: aug, To: end, Hours: map[time.Weekday]booking.Span{time.Monday: h(8, 17), time.Saturday: h(10, 14), time.Tuesday: {}}},
		{From: dec, To: dec, Hours: map[time.Weekday]booking.Span{time.Monday: h(9, 12)}},
	}
	if got := cat.Centers[0].SpecialHours; !reflect.DeepEqual(got, want) {
		t.Errorf("special hours %+v, want %+v", got, want)
	}
	// Round trip through the canonical form.
	f, _ := catalogue.Decode("test.yaml", data)
	out, _ := catalogue.Marshal(f)
	if again, _, err := catalogue.Parse("canonical.yaml", out); err != nil || !reflect.DeepEqual(again.Centers[0].SpecialHours, want) {
		t.Errorf("canonical special hours (%v):\n%s", err, out)
	}
}

func TestParseSpecialHoursErrors(t *testing.T) {
	const center = `center "aarhus"`
	tests := []struct {
		name    string
		periods string
		want    []string
	}{
		{"no from", "      - {to: 2027-08-31, hours: {sat: \"10:00-14:00\"}}\n", []string{center, "special_hours[0].from: required"}},
		{"bad date", "      - {from: 2027-8-1, to: 2027-08-31, hours: {sat: \"10:00-14:00\"}}\n",
			[]string{center, "special_hours[0].from", `"2027-8-1" is not a date of the form YYYY-MM-DD`}},
		{"to before from", "      - {from: 2027-08-31, to: 2027-08-01, hours: {sat: \"10:00-14:00\"}}\n",
			[]string{center, "special_hours[0].to", "is before from"}},
		{"bad span", "      - {from: 2027-08-01, to: 2027-08-31, hours: {sat: \"14:00-10:00\"}}\n",
			[]string{center, "special_hours[0].hours.sat", "closes before it opens"}},
		{"not a weekday", "      - {from: 2027-08-01, to: 2027-08-31, hours: {saturday: \"10:00-14:00\"}}\n",
			[]string{center, "special_hours[0].hours", `"saturday" is not a weekday`}},
		{"no hours", "      - {from: 2027-08-01, to: 2027-08-31}\n", []string{center, "special_hours[0].hours", "none given"}},
		{"overlap", "      - {from: 2027-08-01, to: 2027-08-31, hours: {sat: \"10:00-14:00\"}}\n" +
			"      - {from: 2027-08-31, to: 2027-09-05, hours: {sat: closed}}\n",
			[]string{center, "special_hours[1]", "overlaps special_hours[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, specialHours(t, tt.periods), tt.want)
		})
	}
}

// Check's error lists every problem with its entry and field, as the
// file's error lines name them.
func TestCheckProblems(t *testing.T) {
	f, err := catalogue.Decode("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	f.Centers[0].Desks = -1
	f.Services[1].Mode = "walk-in"
	_, _, err = catalogue.Check("body", f)
	problems, ok := err.(catalogue.Problems)
	if !ok {
		t.Fatalf("error %T %v, want Problems", err, err)
	}
	want := catalogue.Problems{
		{File: "body", Entry: `center "aarhus"`, Field: "desks", Message: "-1 is negative"},
		{File: "body", Entry: `service "info"`, Field: "mode", Message: `"walk-in" is not one of walk_in, appointment, both`},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems %#v, want %#v", problems, want)
	}
	if err.Error() != "body: center \"aarhus\": desks: -1 is negative\nbody: service \"info\": mode: \"walk-in\" is not one of walk_in, appointment, both" {
		t.Errorf("error text %q", err)
	}
}

func TestDiff(t *testing.T) {
	old, err := catalogue.Decode("test.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	// The same catalogue with its defaults written out is no change.
	if d := catalogue.Diff(old, catalogue.Canonical(old)); len(d) != 0 {
		t.Errorf("diff with the canonical form %v, want none", d)
	}
	next := catalogue.Canonical(old)
	next.Centers = append([]catalogue.Center(nil), next.Centers...)
	c := &next.Centers[0]
	c.Hours = catalogue.Hours{"mon": "08:00-15:00", "tue": "09:00-24:00", "sat": "10:00-14:00"}
	c.SpecialHours = []catalogue.SpecialHours{{From: "2027-08-01", To: "2027-08-31", Hours: catalogue.Hours{"sat": closed}}}
	c.Languages = []string{"en"}
	c.Interpreters = map[string]int{"ar": 1}
	next.Services = []catalogue.Service{next.Services[1], {ID: "students", Name: "Students", Mode: "walk_in"}}
	got := catalogue.Diff(old, next)
	const aarhus = "Aarhus ICS Center"
	want := []catalogue.Change{
		{Entry: `center "aarhus"`, Field: "hours.mon", Old: "09:00-15:00", New: "08:00-15:00", Title: aarhus},
		{Entry: `center "aarhus"`, Field: "hours.sat", Old: "closed", New: "10:00-14:00", Title: aarhus},
		{Entry: `center "aarhus"`, Field: "special_hours[0]", New: "2027-08-01 to 2027-08-31: sat closed", Title: aarhus},
		{Entry: `center "aarhus"`, Field: "languages", Old: "en, da", New: "en", Title: aarhus},
		{Entry: `center "aarhus"`, Field: "interpreters.ar", Old: "2", New: "1", Title: aarhus},
		{Entry: `center "aarhus"`, Field: "interpreters.uk", Old: "0", Title: aarhus},
		{Entry: `service "students"`, New: "Students", Title: "Students"},
		{Entry: `service "translation"`, Old: "Document translation", Title: "Document translation"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diff\n%+v\nwant\n%+v", got, want)
	}
}

const closed = "closed"
