package booking

import (
	"testing"
	"time"
)

func TestCalendarClosed(t *testing.T) {
	c := NewCalendar(DefaultExtraClosedDays)
	tests := []struct {
		day    string
		closed bool
	}{
		{"2026-01-01", true},  // Nytårsdag
		{"2026-04-02", true},  // Skærtorsdag
		{"2026-04-03", true},  // Langfredag
		{"2026-04-06", true},  // 2. påskedag
		{"2026-05-01", false}, // Store bededag would be 2026-05-01: abolished from 2024
		{"2023-05-05", true},  // Store bededag 2023, the last one
		{"2026-05-14", true},  // Kristi himmelfartsdag
		{"2026-05-25", true},  // 2. pinsedag
		{"2026-06-05", true},  // Grundlovsdag
		{"2026-12-24", true},  // extra closed day
		{"2026-12-25", true},  // Juledag
		{"2026-12-26", true},  // 2. juledag
		{"2026-12-31", true},  // extra closed day
		{"2026-12-23", false},
		{"2027-03-25", true}, // Skærtorsdag 2027
		{"2026-11-30", false},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.day)
		if err != nil {
			t.Fatal(err)
		}
		if name, closed := c.Closed(d); closed != tt.closed {
			t.Errorf("Closed(%s) = %v (%q), want %v", tt.day, closed, name, tt.closed)
		}
	}
}

func TestCalendarNoExtraDays(t *testing.T) {
	c := NewCalendar(nil)
	if _, closed := c.Closed(Date{2026, time.December, 24}); closed {
		t.Error("24 December closed without being configured")
	}
}

func TestAddBusinessDays(t *testing.T) {
	c := NewCalendar(DefaultExtraClosedDays)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-23", 2, "2026-11-25"}, // Monday -> Wednesday
		{"2026-11-26", 2, "2026-11-30"}, // Thursday -> Monday, over the weekend
		{"2026-11-28", 2, "2026-12-01"}, // Saturday -> Tuesday
		{"2026-12-22", 2, "2026-12-28"}, // over 24, 25, 26 December and a weekend
		{"2026-04-01", 2, "2026-04-08"}, // over Easter: 2, 3, 6 April
		{"2026-12-30", 1, "2027-01-04"}, // over 31 December, 1 January and a weekend
	}
	for _, tt := range tests {
		from, _ := ParseDate(tt.from)
		if got := c.AddBusinessDays(from, tt.n).String(); got != tt.want {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestDateAtAcrossDST(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	winter := Date{2026, time.December, 7}.At(9*time.Hour, loc)
	summer := Date{2026, time.June, 8}.At(9*time.Hour, loc)
	if got := winter.UTC().Format("15:04"); got != "08:00" {
		t.Errorf("09:00 in December = %sZ, want 08:00Z", got)
	}
	if got := summer.UTC().Format("15:04"); got != "07:00" {
		t.Errorf("09:00 in June = %sZ, want 07:00Z", got)
	}
}

// On the days the clocks change, times of day are wall-clock times.
func TestDateAtOnDSTDays(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		day  Date
		want string
	}{
		{Date{2027, time.March, 28}, "2027-03-28T09:00:00+02:00"},   // spring forward at 02:00
		{Date{2026, time.October, 25}, "2026-10-25T09:00:00+01:00"}, // fall back at 03:00
	} {
		if got := tt.day.At(9*time.Hour, loc).Format(time.RFC3339); got != tt.want {
			t.Errorf("%s at 09:00 = %s, want %s", tt.day, got, tt.want)
		}
	}
}
