// Package bookingtest holds the fixtures that tests of ICS Booking share,
// the way net/http/httptest does for HTTP: a clock a test sets, the booking
// and queue policies of the default settings, the built-in catalogue, and
// that catalogue open round the clock for tests and benchmarks that run
// against the real time. It imports no testing package, so that commands
// such as cmd/icsbench can use it too; its functions that cannot fail on
// the built-in data panic if they do, as regexp.MustCompile does.
//
// booking's own tests in package booking cannot import it (it imports
// booking); those in package booking_test can.
package bookingtest

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the catalogue's zone, whatever the machine's zoneinfo

	"gopkg.in/yaml.v3"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/configs"
)

// Thursday is the fixed "now" of most tests: Thursday 26 November 2026,
// 10:00 in Copenhagen, a working day with the centers open and the next
// days free of holidays.
var Thursday = time.Date(2026, time.November, 26, 9, 0, 0, 0, time.UTC)

// Clock is a clock that stands still until a test sets or advances it. It
// is safe for concurrent use; pass its Now method where code takes a clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to now.
func (c *Clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Policy returns the booking policy of the default settings (those of
// configs/example.env) in loc, with two exceptions that keep tests
// independent of each other and of real time: an email address may hold
// any number of active bookings, and every listing reads the seats afresh
// (the tests of those rules set MaxActiveBookings and SeatCacheTTL).
func Policy(loc *time.Location) booking.Policy {
	return booking.Policy{
		Location:              loc,
		Notice:                2 * time.Hour,
		HorizonDays:           60,
		InterpreterNoticeDays: 2,
		ExtraClosedDays:       booking.DefaultExtraClosedDays,
		MaxSlotDays:           31,
		LinkGrace:             24 * time.Hour,
		Reminders:             true,
		ReminderAt:            10 * time.Hour,
		RetentionDays:         30,
		WaitlistHold:          30 * time.Minute,
	}
}

// QueuePolicy returns the walk-in queue policy of the default settings.
func QueuePolicy() booking.QueuePolicy {
	return booking.QueuePolicy{
		WalkInCutoff: 30 * time.Minute,
		CheckInEarly: 15 * time.Minute,
		CheckInLate:  15 * time.Minute,
		NoShowCalls:  3,

		TicketsPerClient: 2,
	}
}

// Catalogue returns the built-in catalogue (configs/catalogue.yaml) and its
// time zone. It panics if the catalogue does not parse, which its own tests
// report first.
func Catalogue() (booking.Catalogue, *time.Location) {
	cat, loc, err := catalogue.Parse(configs.CatalogueName, configs.Catalogue)
	if err != nil {
		panic(fmt.Sprintf("bookingtest: %v", err))
	}
	return cat, loc
}

// RoundTheClock returns the built-in catalogue, as YAML, with every center
// open every day of the week, all day, so that a test or a benchmark running
// on the real clock finds slots and takes walk-ins at any hour. Public
// holidays stay closed: they are not the catalogue's to open. If centers is
// more than the built-in number, copies of the first center (ids bench-01,
// bench-02 ...) are added up to that number.
func RoundTheClock(centers int) []byte {
	data, err := roundTheClock(centers)
	if err != nil {
		panic(fmt.Sprintf("bookingtest: round-the-clock catalogue: %v", err))
	}
	return data
}

func roundTheClock(centers int) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(configs.Catalogue, &doc); err != nil {
		return nil, err
	}
	list := value(doc.Content[0], "centers")
	first, err := yaml.Marshal(list.Content[0])
	if err != nil {
		return nil, err
	}
	for n := 1; len(list.Content) < centers; n++ {
		var copied yaml.Node
		if err := yaml.Unmarshal(first, &copied); err != nil {
			return nil, err
		}
		c := copied.Content[0]
		// Ids and codes must be unique; a code is 2 to 5 capital letters.
		value(c, "id").Value = fmt.Sprintf("bench-%02d", n)
		value(c, "code").Value = fmt.Sprintf("B%c%c", 'A'+n/26, 'A'+n%26)
		value(c, "name").Value = fmt.Sprintf("Bench Center %d", n)
		list.Content = append(list.Content, c)
	}
	allDay := &yaml.Node{Kind: yaml.MappingNode}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allDay.Content = append(allDay.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: day}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "00:00-24:00"})
	}
	for _, c := range list.Content {
		if h := value(c, "hours"); h != nil {
			*h = *allDay
		} else {
			c.Content = append(c.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "hours"}, allDay)
		}
	}
	return yaml.Marshal(&doc)
}

// value returns the value of key in a YAML mapping, or nil.
func value(mapping *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}
