package bookingtest_test

import (
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/catalogue"
)

// The round-the-clock catalogue opens every center all week, all day, and
// adds the centers asked for.
func TestRoundTheClock(t *testing.T) {
	builtIn, _ := bookingtest.Catalogue()
	for _, centers := range []int{0, len(builtIn.Centers) + 3} {
		cat, loc, err := catalogue.Parse("round-the-clock.yaml", bookingtest.RoundTheClock(centers))
		if err != nil {
			t.Fatal(err)
		}
		if loc.String() != "Europe/Copenhagen" {
			t.Errorf("time zone %s", loc)
		}
		if want := max(centers, len(builtIn.Centers)); len(cat.Centers) != want {
			t.Errorf("%d centers, want %d", len(cat.Centers), want)
		}
		for _, c := range cat.Centers {
			for day := time.Sunday; day <= time.Saturday; day++ {
				if got := c.Hours[day].String(); got != "00:00-24:00" {
					t.Errorf("%s on %s: %q", c.ID, day, got)
				}
			}
		}
	}
}

func TestClock(t *testing.T) {
	c := bookingtest.NewClock(bookingtest.Thursday)
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(bookingtest.Thursday.Add(time.Hour)) {
		t.Errorf("after Advance: %s", got)
	}
	friday := bookingtest.Thursday.AddDate(0, 0, 1)
	c.Set(friday)
	if got := c.Now(); !got.Equal(friday) {
		t.Errorf("after Set: %s", got)
	}
}

// Thursday is a working day on which the centers are open, as the tests
// that use it expect.
func TestThursdayIsAWorkingDay(t *testing.T) {
	_, loc := bookingtest.Catalogue()
	policy := bookingtest.Policy(loc)
	day := booking.DateOf(bookingtest.Thursday.In(loc))
	if !booking.NewCalendar(policy.ExtraClosedDays).IsBusinessDay(day) || day.Weekday() != time.Thursday {
		t.Errorf("%s is not a working Thursday", day)
	}
}
