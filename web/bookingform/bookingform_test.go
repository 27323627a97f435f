package bookingform_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/bookingform"
)

// booker answers as the scheduler would: err for both booking and
// checking, and remembers what it was asked. A form submits through Book
// and Validate alone; the rest of the Booker is never called.
type booker struct {
	bookingform.Booker
	err            error
	booked, tested []booking.Request
}

func (b *booker) Book(_ context.Context, r booking.Request) (booking.Booking, string, error) {
	b.booked = append(b.booked, r)
	if b.err != nil {
		return booking.Booking{}, "", b.err
	}
	return booking.Booking{Reference: "AAR-7K3M9Q"}, "token", nil
}

func (b *booker) Validate(r booking.Request) error {
	b.tested = append(b.tested, r)
	return b.err
}

func invalid(fields ...string) error {
	e := &booking.Error{Kind: booking.ErrInvalid, Detail: "invalid"}
	for _, f := range fields {
		e.Fields = append(e.Fields, booking.FieldError{Field: f, Message: "is wrong"})
	}
	return e
}

// TestSubmit follows a form from its details to a booking, or to the
// errors of its fields, as the site's form (no start field, a consent) and
// the back office's (a start field) post it.
func TestSubmit(t *testing.T) {
	en := locale.Get("en")
	site := []string{"name", "email", "phone", "notes", "consent"}
	staff := []string{"start", "name", "email", "phone", "notes", "locale"}
	full := &booking.Error{Kind: booking.ErrSlotFull, Detail: "full"}
	for _, tt := range []struct {
		name   string
		fields []string
		// found are the errors the caller found before Submit.
		found   map[string]string
		err     error
		booked  bool
		wantErr error
		// want are the fields with an error, in the form's order.
		want []string
	}{
		{name: "booked", fields: site, booked: true},
		{name: "no consent, the rest right", fields: site, found: map[string]string{"consent": "no"},
			wantErr: bookingform.ErrFields, want: []string{"consent"}},
		{name: "no consent and a bad email", fields: site, found: map[string]string{"consent": "no"}, err: invalid("email"),
			wantErr: bookingform.ErrFields, want: []string{"email", "consent"}},
		{name: "a bad name and phone", fields: site, err: invalid("phone", "name"),
			wantErr: bookingform.ErrFields, want: []string{"name", "phone"}},
		{name: "a field the form does not show", fields: site, err: invalid("language"), wantErr: booking.ErrInvalid},
		{name: "the time taken, no start field", fields: site, err: full, wantErr: booking.ErrSlotFull},
		{name: "the time taken, a start field", fields: staff, err: full,
			wantErr: bookingform.ErrFields, want: []string{"start"}},
		{name: "no time and no locale, a bad email", fields: staff, found: map[string]string{"start": "choose", "locale": "choose"},
			err: invalid("start", "email"), wantErr: bookingform.ErrFields, want: []string{"start", "email", "locale"}},
		{name: "a failure of the database", fields: staff, err: errors.New("connection refused"), wantErr: errors.New("")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := &booker{err: tt.err}
			f := bookingform.Form{Details: bookingform.Details{Name: "Ana Silva", Email: "ana@example", Phone: ""},
				Key: "form-key", Errors: maps.Clone(tt.found)}
			bk, token, err := f.Submit(t.Context(), b, en, booking.Request{Center: "aarhus", Service: "cpr-number"}, tt.fields)
			switch {
			case tt.booked:
				if err != nil || bk.Reference != "AAR-7K3M9Q" || token != "token" {
					t.Fatalf("booked %+v %q %v", bk, token, err)
				}
			case tt.wantErr.Error() == "":
				if err == nil || errors.Is(err, bookingform.ErrFields) {
					t.Fatalf("error %v, want the scheduler's", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(f.FieldOrder, tt.want) {
				t.Errorf("fields in error %v, want %v", f.FieldOrder, tt.want)
			}
			// What the caller found is said as the caller said it.
			for field, msg := range tt.found {
				if f.Errors[field] != msg {
					t.Errorf("%s: %q, want the caller's %q", field, f.Errors[field], msg)
				}
			}
			// Something is booked only when nothing was found before; the
			// request always carries the details and the key.
			asked := b.tested
			if len(tt.found) == 0 {
				asked = b.booked
			}
			if len(asked) != 1 || len(b.booked)+len(b.tested) != 1 {
				t.Fatalf("booked %d times, checked %d times", len(b.booked), len(b.tested))
			}
			if r := asked[0]; r.Center != "aarhus" || r.Name != "Ana Silva" || r.Email != "ana@example" || r.IdempotencyKey != "form-key" {
				t.Errorf("asked %+v", r)
			}
		})
	}

	// A field typed wrong and one left empty have their own messages.
	f := bookingform.Form{Details: bookingform.Details{Email: "ana@example"}}
	_, _, err := f.Submit(t.Context(), &booker{err: invalid("name", "email")}, en, booking.Request{}, site)
	if !errors.Is(err, bookingform.ErrFields) || f.Errors["name"] != en.T("field.name.required") || f.Errors["email"] != en.T("field.email.invalid") {
		t.Errorf("%v: %v", err, f.Errors)
	}
	if full := f.Field(en, "email", "email", "email", true); full.Value != "ana@example" || full.Error != f.Errors["email"] || full.Label != en.T("field.email") {
		t.Errorf("the email field: %+v", full)
	}
}
