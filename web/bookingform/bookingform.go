// Package bookingform is the form that books an appointment for a
// newcomer, as the site shows it to the newcomer and the back office to
// staff booking on a newcomer's behalf: the free times by day, the details
// typed, and one way from the posted form to a booking or to what is wrong
// with each field.
package bookingform

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// Details are what the newcomer types about themselves.
type Details struct {
	Name, Email, Phone, Notes string
}

// DetailsFrom reads the details from a query or a posted form.
func DetailsFrom(get func(string) string) Details {
	return Details{Name: get("name"), Email: get("email"), Phone: get("phone"), Notes: get("notes")}
}

// Query adds the details that are not empty to q, so that the details
// typed so far travel with the choice of another time.
func (d Details) Query(q url.Values) url.Values {
	for name, v := range d.values() {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// values are the details by the names of their fields.
func (d Details) values() map[string]string {
	return map[string]string{"name": d.Name, "email": d.Email, "phone": d.Phone, "notes": d.Notes}
}

// Form is a details form: what was typed, the form's Idempotency-Key,
// and what is wrong with its fields.
type Form struct {
	Details Details
	// Key is the Idempotency-Key of the form (NewKey): a second post of
	// the same form returns the booking the first made.
	Key string
	// Errors holds a message per field, FieldOrder the fields in the
	// order of the form, for the summary.
	Errors     map[string]string
	FieldOrder []string
}

// NewKey is the Idempotency-Key of a new form.
func NewKey() string { return "form-" + rand.Text() }

// ErrFields is what Submit returns when the form's Errors say what to
// correct: the form is shown again with them.
var ErrFields = errors.New("the form has fields to correct")

// Booker is what a booking form needs of booking.Scheduler: the
// catalogue, the free times in the centers' zone, and booking.
type Booker interface {
	Catalogue() booking.Catalogue
	Location() *time.Location
	Slots(ctx context.Context, q booking.SlotQuery) ([]booking.Slot, error)
	Book(ctx context.Context, r booking.Request) (booking.Booking, string, error)
	Validate(r booking.Request) error
}

// Submit makes the booking the form asks for: req holds what was chosen
// before the details (center, service, time, interpreter language, the
// emails' language) and gets the form's details and key. If the form has
// errors already (found by the caller: no consent, no time), nothing is
// booked, but req is checked all the same so that every problem shows at
// once.
//
// fields are the fields the form shows, in order. It returns the booking
// and its token; or ErrFields, the form's Errors and FieldOrder then saying
// what to correct in l; or the error of booking if the form cannot show
// it: a time taken or not bookable when the form has no start field, a
// field it does not show, a failure that is not the newcomer's.
func (f *Form) Submit(ctx context.Context, b Booker, l *locale.Locale, req booking.Request, fields []string) (booking.Booking, string, error) {
	req.Name, req.Email, req.Phone, req.Notes = f.Details.Name, f.Details.Email, f.Details.Phone, f.Details.Notes
	req.IdempotencyKey = f.Key
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	var bk booking.Booking
	var token string
	var err error
	if len(f.Errors) == 0 {
		bk, token, err = b.Book(ctx, req)
	} else {
		err = b.Validate(req)
	}
	var invalid *booking.Error
	switch {
	case err == nil && len(f.Errors) == 0:
		return bk, token, nil
	case err == nil:
	case (errors.Is(err, booking.ErrSlotFull) || errors.Is(err, booking.ErrNotBookable)) && slices.Contains(fields, "start"):
		f.Errors["start"] = l.T(TimeProblem(err))
	case errors.As(err, &invalid) && errors.Is(err, booking.ErrInvalid):
		for _, fe := range invalid.Fields {
			if _, ok := f.Errors[fe.Field]; !ok { // what the caller found is said already
				f.Errors[fe.Field] = f.fieldMessage(l, fe.Field)
			}
		}
	default:
		return booking.Booking{}, "", err
	}
	f.FieldOrder = nil
	for _, name := range fields {
		if _, ok := f.Errors[name]; ok {
			f.FieldOrder = append(f.FieldOrder, name)
		}
	}
	if len(f.FieldOrder) == 0 && err != nil {
		// A field the form does not show (the key, the language):
		// nothing the newcomer can correct here.
		return booking.Booking{}, "", err
	}
	return booking.Booking{}, "", ErrFields
}

// fieldMessage says what is wrong with a field of the details.
func (f *Form) fieldMessage(l *locale.Locale, field string) string {
	if strings.TrimSpace(f.Details.values()[field]) == "" {
		return l.T("field." + field + ".required")
	}
	return l.T("field." + field + ".invalid")
}

// TimeProblem names the message for a choice of time that failed: a time
// taken meanwhile, one that cannot be booked, a booking changed meanwhile.
func TimeProblem(err error) string {
	switch {
	case errors.Is(err, booking.ErrSlotFull):
		return "time.taken"
	case errors.Is(err, booking.ErrNotBookable):
		return "time.not_bookable"
	case errors.Is(err, booking.ErrConflict):
		return "manage.conflict"
	}
	return "time.choose"
}

// FormField is one text input of the details form, as the "field"
// template draws it.
type FormField struct {
	Name, Type, Autocomplete string
	Label, Optional          string
	Value, Error             string
	Required                 bool
}

// Field describes the text input name of the form in l, for the "field"
// template.
func (f Form) Field(l *locale.Locale, name, typ, autocomplete string, required bool) FormField {
	return FormField{
		Name: name, Type: typ, Autocomplete: autocomplete,
		Label: l.T("field." + name), Optional: l.T("field.optional"),
		Value: f.Details.values()[name], Error: f.Errors[name], Required: required,
	}
}

// Option is one choice of a select or a group of radio buttons: a
// service, an interpreter language, the emails' language.
type Option struct {
	Code     string
	Name     string
	Selected bool
}

// When writes an appointment's time in l: "Monday 7 December 2026,
// 09:00–09:45 Copenhagen time (CET)", in loc, the centers' time zone.
func When(l *locale.Locale, loc *time.Location, start, end time.Time) string {
	start, end = start.In(loc), end.In(loc)
	return l.T("time.span", "Date", l.LongDate(start), "Start", l.Clock(start), "End", l.Clock(end), "Zone", start.Format("MST"))
}
