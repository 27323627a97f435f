package booking

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mode says how a service is delivered.
type Mode string

// The modes a service can have.
const (
	WalkIn      Mode = "walk_in"     // first come, first served; no booking
	Appointment Mode = "appointment" // booked in advance only
	Both        Mode = "both"        // either
)

// Bookable reports whether a service in this mode can be booked.
func (m Mode) Bookable() bool { return m == Appointment || m == Both }

// Unit is the granularity of seat counting: every booking holds one seat in
// each unit it overlaps, so durations and slot steps are multiples of it.
const Unit = 15 * time.Minute

// Span is a daily opening period, as offsets from local midnight.
type Span struct {
	Open  time.Duration
	Close time.Duration
}

func (s Span) String() string { return clock(s.Open) + "-" + clock(s.Close) }

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Center is an ICS center. Hours holds the opening period per weekday; a
// weekday without an entry is closed.
type Center struct {
	ID      string
	Code    string // prefix of booking references, e.g. CPH
	Name    string
	Address string
	Phone   string
	Email   string
	Hours   map[time.Weekday]Span
	// Languages are spoken at the desks without an interpreter.
	Languages []string
	// Desks is how many appointments the center serves at once, and how
	// many desks call its queue: desks "1" to Desks (CheckDesk).
	Desks int
	// SlotStep is the distance between the starts of bookable slots.
	SlotStep time.Duration
	// Interpreters holds, per language code, how many interpreters can
	// serve at once.
	Interpreters map[string]int
	// MaxServices is how many services one visit may hold; 0 means
	// DefaultMaxServices (see ServicesPerVisit).
	MaxServices int
}

// DefaultMaxServices is how many services one visit may hold at a center
// that does not say.
const DefaultMaxServices = 3

// ServicesPerVisit is how many services one visit may hold at the center.
func (c Center) ServicesPerVisit() int {
	if c.MaxServices > 0 {
		return c.MaxServices
	}
	return DefaultMaxServices
}

// CheckDesk returns nil if desk names one of the center's desks, an
// ErrInvalid error if it is empty, and an ErrNotFound error otherwise: a
// desk the center lacks is not found, like a ticket of another center,
// since a desk that does not exist would show on the display and lower the
// wait it shows. A desk is a number from 1 to Desks written as strconv.Itoa
// writes it ("1", not "01"), so that one desk never shows under two names.
func (c Center) CheckDesk(desk string) error {
	if desk == "" {
		return invalid([]FieldError{{"desk", "is required"}})
	}
	if n, err := strconv.Atoi(desk); err != nil || n < 1 || n > c.Desks || strconv.Itoa(n) != desk {
		return newError(ErrNotFound, "%s has no desk %q; its desks are 1 to %d", c.Name, desk, c.Desks)
	}
	return nil
}

// Speaks reports whether the center's staff speak the language themselves.
func (c Center) Speaks(language string) bool { return slices.Contains(c.Languages, language) }

// InterpreterLanguages lists the languages the center offers with an
// interpreter, sorted.
func (c Center) InterpreterLanguages() []string {
	langs := make([]string, 0, len(c.Interpreters))
	for l, n := range c.Interpreters {
		if n > 0 {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	return langs
}

// Service is something a center helps with.
type Service struct {
	ID          string
	Name        string
	Category    string
	Description string
	Mode        Mode
	Duration    time.Duration
	// Bring lists the documents to bring.
	Bring []string
	// NeedsLanguage is set for services such as document translation,
	// which cannot be booked without a language.
	NeedsLanguage bool
	// MaxPeople is how many people one visit for the service may bring;
	// 0 means 1 (see PeoplePerVisit).
	MaxPeople int
	// PerPerson is how much longer a visit takes for each person after
	// the first; 0 means Duration (see TimePerPerson).
	PerPerson time.Duration
	// Translations holds the name, description and what to bring in
	// languages other than English, by language tag.
	Translations map[string]ServiceText
}

// PeoplePerVisit is how many people one visit for the service may bring.
func (s Service) PeoplePerVisit() int { return max(s.MaxPeople, 1) }

// TimePerPerson is how much longer a visit for the service takes for each
// person after the first.
func (s Service) TimePerPerson() time.Duration {
	if s.PerPerson > 0 {
		return s.PerPerson
	}
	return s.Duration
}

// ServiceText is how a service is named and described in one language.
// Bring lists the same documents as the service's Bring, in order.
type ServiceText struct {
	Name        string
	Description string
	Bring       []string
}

// In returns the service's text in a language, English where it has no
// translation.
func (s Service) In(lang string) ServiceText {
	if t, ok := s.Translations[lang]; ok {
		return t
	}
	return ServiceText{Name: s.Name, Description: s.Description, Bring: s.Bring}
}

// Bring lists what to bring to a visit for services, in a language: each
// service's documents in the services' order, each document once however
// many of the services ask for it, since one passport serves them all.
func Bring(services []Service, lang string) []string {
	var bring []string
	for _, sv := range services {
		for _, item := range sv.In(lang).Bring {
			if !slices.Contains(bring, item) {
				bring = append(bring, item)
			}
		}
	}
	return bring
}

// Catalogue is the set of centers and services, loaded from configuration.
type Catalogue struct {
	Centers  []Center
	Services []Service
}

// Center returns the center with the given id.
func (c Catalogue) Center(id string) (Center, error) {
	for _, ce := range c.Centers {
		if ce.ID == id {
			return ce, nil
		}
	}
	return Center{}, newError(ErrNotFound, "no center %q", id)
}

// Service returns the service with the given id.
func (c Catalogue) Service(id string) (Service, error) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, nil
		}
	}
	return Service{}, newError(ErrNotFound, "no service %q", id)
}

// CatalogueUse counts the bookings of one service at one center that a
// newcomer may still open, move or cancel, or that an email is still to be
// sent about.
type CatalogueUse struct {
	Center   string
	Service  string
	Bookings int
}

// CheckUses returns an error naming every center and service of uses that
// the catalogue lacks, with how many bookings use it, or nil if it lacks
// none. Those bookings could be neither shown nor cancelled, and their
// emails could not be written.
func (c Catalogue) CheckUses(uses []CatalogueUse) error {
	var lines []string
	for _, u := range uses {
		var missing []string
		if _, err := c.Center(u.Center); err != nil {
			missing = append(missing, err.Error())
		}
		if _, err := c.Service(u.Service); err != nil {
			missing = append(missing, err.Error())
		}
		if len(missing) > 0 {
			noun := "bookings"
			if u.Bookings == 1 {
				noun = "booking"
			}
			lines = append(lines, fmt.Sprintf("%s: %d %s of service %q at center %q",
				strings.Join(missing, ", "), u.Bookings, noun, u.Service, u.Center))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}
