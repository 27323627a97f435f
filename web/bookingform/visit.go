package bookingform

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// Visit is what a booking form asks for besides the time and the details:
// the services of one visit to a center, in order, and how many people
// come. The first service is chosen before the form (the site's path, the
// back office's service field); the form adds others in the repeatable
// field "also" and asks the number in the field "people".
type Visit struct {
	Center   booking.Center
	Services []booking.Service
	// People is the number asked for: 1 when the field is empty, and
	// what was sent when it is out of range (Errors then says so).
	People int
	// Errors holds what is wrong with the fields "also" and "people", in
	// the form's language. A service "also" names that the visit cannot
	// take is left out of Services; a visit with Errors is not booked.
	Errors map[string]string
	// Asked lists the services "also" named, in order, empty values left
	// out and those Errors rejects kept, for a form that shows the choice
	// again.
	Asked []string

	catalogue booking.Catalogue
}

// ReadVisit reads the visit a form asks for at center: first, then the
// services form adds ("also", an empty value adding none), for the number
// of people in form ("people"). Each value the visit cannot take (a
// service the catalogue lacks, one chosen already, a walk-in service, more
// services than the center allows, a number of people the services do not
// allow) gets its message in l in Errors.
func ReadVisit(l *locale.Locale, cat booking.Catalogue, center booking.Center, first booking.Service, form url.Values) Visit {
	v := Visit{Center: center, Services: []booking.Service{first}, People: 1, Errors: map[string]string{}, catalogue: cat}
	for _, id := range form["also"] {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		v.Asked = append(v.Asked, id)
		sv, err := cat.Service(id)
		switch {
		case err != nil:
			v.Errors["also"] = l.T("book.also.unknown")
		case v.has(id):
			v.Errors["also"] = l.T("book.also.repeated", "Service", sv.In(l.Tag()).Name)
		case !sv.Mode.Bookable():
			v.Errors["also"] = l.T("book.also.walk_in", "Service", sv.In(l.Tag()).Name)
		case len(v.Services) >= center.ServicesPerVisit():
			v.Errors["also"] = l.N("book.also.too_many", center.ServicesPerVisit())
		default:
			v.Services = append(v.Services, sv)
		}
	}
	if text := strings.TrimSpace(form.Get("people")); text != "" {
		n, err := strconv.Atoi(text)
		if err == nil {
			v.People = n
		}
		if limit := v.limiting(); err != nil || n < 1 || n > limit.PeoplePerVisit() {
			v.Errors["people"] = l.N("book.people.invalid", limit.PeoplePerVisit(), "Service", limit.In(l.Tag()).Name)
		}
	}
	return v
}

// has reports whether the visit holds the service id.
func (v Visit) has(id string) bool {
	return slices.ContainsFunc(v.Services, func(sv booking.Service) bool { return sv.ID == id })
}

// limiting is the service of the visit that allows the fewest people.
func (v Visit) limiting() booking.Service {
	limit := v.Services[0]
	for _, sv := range v.Services[1:] {
		if sv.PeoplePerVisit() < limit.PeoplePerVisit() {
			limit = sv
		}
	}
	return limit
}

// OK reports whether the visit can be booked as asked.
func (v Visit) OK() bool { return len(v.Errors) == 0 }

// MaxPeople is how many people the visit may bring: the fewest any of its
// services allows.
func (v Visit) MaxPeople() int { return v.limiting().PeoplePerVisit() }

// Also lists the ids of the services added after the first, for the
// form's hidden fields "also".
func (v Visit) Also() []string {
	var ids []string
	for _, sv := range v.Services[1:] {
		ids = append(ids, sv.ID)
	}
	return ids
}

// Full reports whether the visit holds as many services as the center
// allows.
func (v Visit) Full() bool { return len(v.Services) >= v.Center.ServicesPerVisit() }

// Addable lists the services that can still be added, named in l: the
// bookable ones the visit does not hold, none once it is Full.
func (v Visit) Addable(l *locale.Locale) []Option {
	if v.Full() {
		return nil
	}
	var options []Option
	for _, sv := range v.catalogue.Services {
		if sv.Mode.Bookable() && !v.has(sv.ID) {
			options = append(options, Option{Code: sv.ID, Name: sv.In(l.Tag()).Name})
		}
	}
	return options
}

// Without is the visit without the added service id, for a link that
// takes it out again.
func (v Visit) Without(id string) Visit {
	added := slices.DeleteFunc(slices.Clone(v.Services[1:]), func(sv booking.Service) bool { return sv.ID == id })
	v.Services = append([]booking.Service{v.Services[0]}, added...)
	return v
}

// Query adds the added services and the number of people, if not one, to
// q, so that the visit travels with a link.
func (v Visit) Query(q url.Values) url.Values {
	for _, id := range v.Also() {
		q.Add("also", id)
	}
	if v.People != 1 {
		q.Set("people", strconv.Itoa(v.People))
	}
	return q
}

// Names lists the visit's services by name in l, in order.
func (v Visit) Names(l *locale.Locale) []string {
	names := make([]string, len(v.Services))
	for i, sv := range v.Services {
		names[i] = sv.In(l.Tag()).Name
	}
	return names
}

// NeedsLanguage reports whether a service of the visit cannot be booked
// without the language of its documents.
func (v Visit) NeedsLanguage() bool {
	return slices.ContainsFunc(v.Services, func(sv booking.Service) bool { return sv.NeedsLanguage })
}

// Length is how long the visit takes.
func (v Visit) Length() time.Duration { return booking.VisitLength(v.Services, v.People) }

// Request sets the visit's services and people in r: one service as
// Service, as a booking for one service always was, several as Services.
func (v Visit) Request(r booking.Request) booking.Request {
	r.Service, r.Services = v.Services[0].ID, nil
	if len(v.Services) > 1 {
		r.Service, r.Services = "", append([]string{v.Services[0].ID}, v.Also()...)
	}
	r.People = v.People
	return r
}

// SlotQuery sets the visit's services and people in q, as Request does.
func (v Visit) SlotQuery(q booking.SlotQuery) booking.SlotQuery {
	r := v.Request(booking.Request{})
	q.Service, q.Services, q.People = r.Service, r.Services, r.People
	return q
}

// Length writes how long a visit takes in l: "45 minutes", "2 hours and
// 30 minutes".
func Length(l *locale.Locale, d time.Duration) string {
	hours, minutes := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case hours == 0:
		return l.N("book.minutes", minutes)
	case minutes == 0:
		return l.N("book.hours", hours)
	}
	return l.T("book.hours_minutes", "Hours", l.N("book.hours", hours), "Minutes", l.N("book.minutes", minutes))
}
