package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ics-booking/icsbooking/booking"
)

// TestDeleteMyData books, looks, moves and deletes the data over HTTP as a
// newcomer would: deleting asks first, cancels the future booking (one
// cancellation email, kept until sent), and the manage link finds nothing
// after it. The server's log never holds the personal data, the token or
// the reference.
func TestDeleteMyData(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		var log syncBuffer
		a := newApp(t, dialect, thursday, withLog(&log))
		details := url.Values{"name": {"Zofia Kowalska"}, "email": {"zofia.k@example.com"}, "phone": {"+45 87 65 43 21"},
			"notes": {"Wheelchair access please"}, "consent": {"yes"}, "key": {"form-retention-000001"}}
		r := a.bookForm("2026-11-30T09:00:00+01:00", details)
		if r.status != http.StatusSeeOther {
			t.Fatalf("book: %d\n%s", r.status, r.body)
		}
		confirmation, err := url.Parse(r.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		ref := strings.Split(confirmation.Path, "/")[2]
		token := confirmation.Query().Get("token")
		a.do("GET", confirmation.String(), nil)
		page := "/bookings/" + ref + "?token=" + url.QueryEscape(token)
		if r := a.do("GET", page, nil); r.status != 200 || !strings.Contains(string(r.body), `id="delete"`) {
			t.Fatalf("manage page %d:\n%s", r.status, r.body)
		}
		body, h := form(url.Values{"token": {token}, "start": {"2026-11-30T10:00:00+01:00"}})
		if r := a.do("POST", "/bookings/"+ref+"/reschedule", body, h...); r.status != 200 {
			t.Fatalf("move %d:\n%s", r.status, r.body)
		}

		// Deleting asks first; asking changes nothing.
		r = a.do("GET", "/bookings/"+ref+"/delete?token="+url.QueryEscape(token), nil)
		if r.status != 200 || !strings.Contains(string(r.body), "Delete your data?") || !strings.Contains(string(r.body), `id="confirm-delete"`) {
			t.Fatalf("confirm %d:\n%s", r.status, r.body)
		}
		if r := a.do("GET", page, nil); r.status != 200 {
			t.Fatalf("asking deleted the booking: %d", r.status)
		}
		body, h = form(url.Values{"token": {"wrong"}})
		if r := a.do("POST", "/bookings/"+ref+"/delete", body, h...); r.status != 404 {
			t.Errorf("delete with a wrong token: %d", r.status)
		}

		body, h = form(url.Values{"token": {token}})
		r = a.do("POST", "/bookings/"+ref+"/delete", body, h...)
		if r.status != 200 || !strings.Contains(string(r.body), `id="deleted"`) {
			t.Fatalf("delete %d:\n%s", r.status, r.body)
		}
		if r := a.do("GET", page, nil); r.status != 404 || !strings.Contains(string(r.body), "Booking not found") {
			t.Errorf("manage link after deletion: %d\n%s", r.status, r.body)
		}

		b, err := a.store.Booking(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != booking.Cancelled || b.Name != "" || b.Phone != "" || b.Notes != "" || b.ErasedAt.IsZero() {
			t.Errorf("after deletion: %+v", b)
		}
		emails, err := a.store.Emails(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		var cancellations []booking.Email
		for _, e := range emails {
			if e.Kind == booking.EmailCancellation {
				cancellations = append(cancellations, e)
			}
		}
		if len(cancellations) != 1 || cancellations[0].State != booking.EmailQueued || b.Email != "zofia.k@example.com" || len(b.TokenSealed) == 0 {
			t.Fatalf("cancellations %+v, email %q: want one queued, with the address kept for it", cancellations, b.Email)
		}
		// The cancellation goes out (no queue runs here: record it as the
		// deliverer does); then the address and sealed token go too.
		for _, e := range emails {
			if err := a.store.RecordEmailAttempt(t.Context(), e.ID, 1, nil, false, thursday); err != nil {
				t.Fatal(err)
			}
		}
		if b, err = a.store.Booking(t.Context(), ref); err != nil || b.Email != "" || len(b.TokenSealed) != 0 {
			t.Errorf("after the cancellation was sent: %+v, %v", b, err)
		}

		logged := log.String()
		if !strings.Contains(logged, "/delete") {
			t.Fatalf("the log misses the requests:\n%s", logged)
		}
		for _, secret := range []string{"Zofia", "Kowalska", "zofia.k@example.com", "zofia.k%40example.com", "87 65 43 21", "Wheelchair",
			token, url.QueryEscape(token), ref} {
			if strings.Contains(logged, secret) {
				t.Errorf("the log holds %q:\n%s", secret, logged)
			}
		}
	})
}

// TestPrivacyPageStatesRetention: the privacy page says how many days the
// data is kept, from the setting.
func TestPrivacyPageStatesRetention(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	for lang, want := range map[string]string{"en": "45 days after the appointment", "da": "45 dage efter tiden"} {
		r := a.do("GET", "/privacy", nil, "Accept-Language", lang)
		if body := html.UnescapeString(string(r.body)); r.status != 200 || !strings.Contains(body, want) {
			t.Errorf("%s %d: no %q\n%s", lang, r.status, want, body)
		}
	}
}
