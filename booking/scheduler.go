package booking

import (
	"time"
)

// Policy holds the booking rules that come from configuration.
type Policy struct {
	// Location is the time zone the centers keep (Europe/Copenhagen).
	Location *time.Location
	// Notice is the least time between booking and the appointment.
	Notice time.Duration
	// HorizonDays is how many days ahead appointments can be booked.
	HorizonDays int
	// InterpreterNoticeDays is how many business days ahead an appointment
	// with an interpreter must be booked.
	InterpreterNoticeDays int
	// ExtraClosedDays are closed every year besides the public holidays.
	ExtraClosedDays []MonthDay
	// MaxSlotDays is the longest range of days one slot listing may cover.
	MaxSlotDays int
	// LinkGrace is how long after an appointment ends its manage link
	// still shows it; after that the token is useless.
	LinkGrace time.Duration
	// Reminders turns reminder emails on; they go out from ReminderAt
	// (offset from local midnight) on the working day before.
	Reminders  bool
	ReminderAt time.Duration
	// UTF8LocalParts accepts email addresses with letters outside ASCII
	// before the @ (ü@example.com). Only a mail server that offers
	// SMTPUTF8 can deliver to them; without it such an address is refused
	// when booking, not bounced later.
	UTF8LocalParts bool
	// MaxActiveBookings is how many confirmed bookings that have not
	// started one email address may hold; 0: any number.
	MaxActiveBookings int
	// RetentionDays is how many days after an appointment ends its
	// personal data is erased (see EraseExpired).
	RetentionDays int
	// SeatCacheTTL is the longest a listing may use seats and closures read
	// from the database without reading them again (see availability.go);
	// 0 reads them for every listing.
	SeatCacheTTL time.Duration
	// WaitlistHold is how long a freed seat is held for the waitlist entry
	// it is offered to.
	WaitlistHold time.Duration
}

// schedule is what the Scheduler and the Queue share to know where and when
// a center is open: the catalogue of centers and services, the calendar of
// the days every center closes, the policy, the clock, and the closures
// staff entered, read through the store and kept in the seat cache.
type schedule struct {
	catalogue *liveCatalogue
	calendar  *Calendar
	policy    Policy
	now       func() time.Time
	store     Store
	seatCache *seatCache
}

// Scheduler applies the booking rules: it lists the slots a center offers
// and creates, reschedules and cancels bookings in them.
type Scheduler struct {
	*schedule
	sealer *Sealer
}

// NewScheduler returns a Scheduler. sealer keeps manage tokens for later
// emails; now is the clock (time.Now in production).
func NewScheduler(catalogue Catalogue, store Store, sealer *Sealer, policy Policy, now func() time.Time) *Scheduler {
	return &Scheduler{
		schedule: &schedule{
			catalogue: newLiveCatalogue(catalogue),
			calendar:  NewCalendar(policy.ExtraClosedDays),
			policy:    policy,
			now:       now,
			store:     store,
			seatCache: newSeatCache(policy.SeatCacheTTL),
		},
		sealer: sealer,
	}
}

// Catalogue returns the centers and services in use. A caller that looks
// up several of them keeps the value, so that they all come from one
// version of the catalogue.
func (s *Scheduler) Catalogue() Catalogue {
	c, _ := s.catalogue.load()
	return c
}

// Location returns the time zone schedules are kept in.
func (s *Scheduler) Location() *time.Location { return s.policy.Location }

// lookup returns a center and a service of the catalogue.
func (s *schedule) lookup(centerID, serviceID string) (Center, Service, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Center{}, Service{}, err
	}
	service, err := s.catalogue.Service(serviceID)
	if err != nil {
		return Center{}, Service{}, err
	}
	return center, service, nil
}

// lookupVisit returns a center of the catalogue and a visit to it, checked
// as visitOf checks it.
func (s *schedule) lookupVisit(centerID string, ids []string, people int, listed bool) (Center, visit, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return Center{}, visit{}, err
	}
	v, err := s.visitOf(center, ids, people, listed)
	if err != nil {
		return Center{}, visit{}, err
	}
	return center, v, nil
}

// today is the date in the centers' time zone.
func (s *schedule) today() Date { return DateOf(s.now().In(s.policy.Location)) }
