package locale

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/ics-booking/icsbooking/booking"
)

func TestOpeningHours(t *testing.T) {
	short := booking.Span{Open: 9 * time.Hour, Close: 15 * time.Hour}
	long := booking.Span{Open: 9 * time.Hour, Close: 17*time.Hour + 30*time.Minute}
	hours := map[time.Weekday]booking.Span{
		time.Monday: short, time.Tuesday: short, // Wednesday closed
		time.Thursday: long, time.Friday: short, time.Saturday: {Open: 10 * time.Hour, Close: 13 * time.Hour},
		time.Sunday: {Open: 10 * time.Hour, Close: 13 * time.Hour},
	}
	cases := map[string][]HoursLine{
		"en": {
			{"Monday–Tuesday", "09:00–15:00"}, {"Thursday", "09:00–17:30"},
			{"Friday", "09:00–15:00"}, {"Saturday–Sunday", "10:00–13:00"},
		},
		"da": {
			{"Mandag–tirsdag", "09.00–15.00"}, {"Torsdag", "09.00–17.30"},
			{"Fredag", "09.00–15.00"}, {"Lørdag–søndag", "10.00–13.00"},
		},
	}
	for tag, want := range cases {
		if got := Get(tag).OpeningHours(hours); !slices.Equal(got, want) {
			t.Errorf("%s: opening hours %q, want %q", tag, got, want)
		}
	}
	if got := Get("en").OpeningHours(nil); len(got) != 0 {
		t.Errorf("no hours gave %q", got)
	}
}

func TestDates(t *testing.T) {
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, cph)
	for tag, want := range map[string]string{
		"en": "Tuesday 8 December 2026 09:00",
		"da": "tirsdag den 8. december 2026 09.00",
	} {
		if got := Get(tag).LongDate(at) + " " + Get(tag).Clock(at); got != want {
			t.Errorf("%s: %q, want %q", tag, got, want)
		}
	}
	if got := Get("da").LanguageName("ar"); got != "arabisk" {
		t.Errorf("ar in Danish: %q", got)
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct{ chosen, accept, want string }{
		{"", "", "en"},
		{"", "da-DK,da;q=0.9,en;q=0.8", "da"},
		{"", "nb-NO,nb;q=0.9", "da"}, // Norwegian readers understand Danish best
		{"", "ar,fr;q=0.5", "en"},
		{"en", "da", "en"},
		{"xx", "da", "da"},
		{"", "not a header;;;", "en"},
	} {
		// The second time, the header's locale is remembered.
		for range 2 {
			if got := Match(tt.chosen, tt.accept).Tag(); got != tt.want {
				t.Errorf("Match(%q, %q) = %s, want %s", tt.chosen, tt.accept, got, tt.want)
			}
		}
	}
}

// Headers past the first maxMatched are matched, not remembered.
func TestMatchRemembersFewHeaders(t *testing.T) {
	for i := range 2 * maxMatched {
		accept, want := fmt.Sprintf("x-%d,da;q=0.5", i), "da"
		if i%2 == 1 {
			accept, want = fmt.Sprintf("x-%d,en;q=0.5", i), "en"
		}
		if got := Match("", accept).Tag(); got != want {
			t.Fatalf("Match(%q) = %s, want %s", accept, got, want)
		}
	}
	n := 0
	matched.Range(func(_, _ any) bool { n++; return true })
	if n > maxMatched {
		t.Errorf("%d headers remembered, at most %d wanted", n, maxMatched)
	}
	if l, ok := matched.Load("x-0,da;q=0.5"); !ok || l.(*Locale).Tag() != "da" {
		t.Errorf("the first header seen is not remembered as Danish: %v, %v", l, ok)
	}
}

// TestEveryLanguageHasEveryMessage keeps the message files in step: a
// message added in English must be translated.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	ids := map[string]map[string]bool{}
	for _, tag := range Tags() {
		data, err := messageFS.ReadFile("messages/" + tag + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		var messages map[string]any
		if err := toml.Unmarshal(data, &messages); err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		ids[tag] = map[string]bool{}
		for id := range messages {
			ids[tag][id] = true
		}
	}
	for _, tag := range Tags() {
		for id := range ids[Default] {
			if !ids[tag][id] {
				t.Errorf("messages/%s.toml lacks %q", tag, id)
			}
		}
		for id := range ids[tag] {
			if !ids[Default][id] {
				t.Errorf("messages/%s.toml has %q, which messages/%s.toml lacks", tag, id, Default)
			}
		}
	}
}
