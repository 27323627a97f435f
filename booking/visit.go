package booking

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A visit is what one booking holds: one or more services at one center, in
// the order they are served, for one or more people. It takes one desk (and
// an interpreter, if its language needs one) for its whole length, and
// counts once against the cap of bookings per email address.

// visit is a booking's services and people, found in the catalogue and
// checked against the center's and the services' limits.
type visit struct {
	services []Service
	people   int
}

// ids lists the visit's services by id, in order.
func (v visit) ids() []string {
	ids := make([]string, len(v.services))
	for i, sv := range v.services {
		ids[i] = sv.ID
	}
	return ids
}

// length is how long the visit takes: its services' durations and, for
// each person after the first, each service's time per person, rounded up
// to a whole Unit so that it holds whole seats.
func (v visit) length() time.Duration {
	var d time.Duration
	for _, sv := range v.services {
		d += sv.Duration + time.Duration(v.people-1)*sv.TimePerPerson()
	}
	return (d + Unit - 1) / Unit * Unit
}

// VisitLength is how long a visit for services, in order, and people
// takes, as a booking of it would: what a page says before a time is
// chosen. people 0 means one.
func VisitLength(services []Service, people int) time.Duration {
	return visit{services: services, people: max(people, 1)}.length()
}

// names lists the visit's services by name, for messages.
func (v visit) names() string {
	names := make([]string, len(v.services))
	for i, sv := range v.services {
		names[i] = sv.Name
	}
	return strings.Join(names, " and ")
}

// maxPeople is how many people the visit may bring: the fewest any of its
// services allows.
func (v visit) maxPeople() int {
	n := v.services[0].PeoplePerVisit()
	for _, sv := range v.services[1:] {
		n = min(n, sv.PeoplePerVisit())
	}
	return n
}

// needsLanguage reports whether a service of the visit cannot be booked
// without a language.
func (v visit) needsLanguage() bool {
	return slices.ContainsFunc(v.services, func(sv Service) bool { return sv.NeedsLanguage })
}

// visitOf finds a visit's services in the catalogue and checks its
// services and people against the center's and the services' limits.
// listed says the services came as a list (the API's "services", a form's
// added services), whose problems name the field "services"; a single
// service the catalogue lacks is not found, as it always was. people 0
// means one person.
func (s *schedule) visitOf(center Center, ids []string, people int, listed bool) (visit, error) {
	v, err := s.findVisit(ids, people, listed)
	if err != nil {
		return visit{}, err
	}
	var errs []FieldError
	if n := center.ServicesPerVisit(); len(ids) > n {
		errs = append(errs, FieldError{"services", fmt.Sprintf("holds %d services; one visit to %s may hold at most %d", len(ids), center.Name, n)})
	}
	if people < 0 {
		errs = append(errs, FieldError{"people", "must be 1 or more"})
	} else if n := v.maxPeople(); v.people > n {
		errs = append(errs, FieldError{"people", fmt.Sprintf("at most %d %s can come to one visit for %s", n, plural(n, "person", "people"), v.names())})
	}
	if err := invalid(errs); err != nil {
		return visit{}, err
	}
	return v, nil
}

// findVisit finds a visit's services in the catalogue, as visitOf does,
// without checking the limits: a booking keeps the visit it was allowed.
func (s *schedule) findVisit(ids []string, people int, listed bool) (visit, error) {
	if len(ids) == 0 {
		return visit{}, invalid([]FieldError{{"services", "must list at least one service"}})
	}
	v := visit{people: max(people, 1)}
	var errs []FieldError
	for i, id := range ids {
		sv, err := s.catalogue.Service(id)
		switch {
		case err != nil && !listed:
			return visit{}, err
		case err != nil:
			errs = append(errs, FieldError{"services", fmt.Sprintf("has no service %q", id)})
		case slices.Contains(ids[:i], id):
			errs = append(errs, FieldError{"services", fmt.Sprintf("names %q twice; a visit holds each service once", id)})
		default:
			v.services = append(v.services, sv)
		}
	}
	if err := invalid(errs); err != nil {
		return visit{}, err
	}
	return v, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
