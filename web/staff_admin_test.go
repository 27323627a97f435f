package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ics-booking/icsbooking/staff"
)

// TestAdminClosesAnAfternoon: an admin closes Aarhus for Monday
// afternoon, sees the bookings it hits, cancels them in one action (each
// newcomer emailed the reason), and opens the day again; staff may look
// but not close.
func TestAdminClosesAnAfternoon(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		admin, mette := a.login("admin@ics.dk"), a.login("mette@ics.dk")
		morning, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		afternoon, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T13:00:00+01:00"))

		closeForm := func(cookie string, v url.Values) response {
			return a.doNoRedirect("POST", "/staff/centers/aarhus/closures", v.Encode(),
				"Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie)
		}
		afternoonOff := url.Values{"day": {"2026-11-30"}, "from": {"12:00"}, "to": {"15:00"}, "reason": {"Fire drill"}}
		if r := closeForm(mette, afternoonOff); r.status != http.StatusForbidden {
			t.Errorf("staff closing: %d", r.status)
		}
		if r := closeForm(admin, url.Values{"day": {"2026-11-30"}, "from": {"12:10"}, "to": {"15:00"}, "reason": {"x"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("a closure off the quarter hour: %d", r.status)
		}
		r := closeForm(admin, afternoonOff)
		body := html.UnescapeString(string(r.body))
		if r.status != http.StatusOK || !strings.Contains(body, afternoon) || strings.Contains(body, morning) ||
			!strings.Contains(body, "Cancel these 1 bookings") {
			t.Fatalf("closing: %d\n%s", r.status, body)
		}
		if p := a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T14:00:00+01:00")); p.status != http.StatusUnprocessableEntity {
			t.Errorf("booking into the closed afternoon: %d", p.status)
		}

		r = a.doNoRedirect("POST", "/staff/centers/aarhus/closures/2026-11-30/cancel", "", "Content-Type", "application/x-www-form-urlencoded", "Cookie", admin)
		if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "n=1") {
			t.Fatalf("cancel the hit bookings: %d %v", r.status, r.header)
		}
		if n := a.emails(afternoon, "cancellation"); n != 1 {
			t.Errorf("%d cancellation emails for the afternoon's booking", n)
		}
		b, err := a.store.Booking(context.Background(), afternoon)
		if err != nil || b.CancelReason != "Fire drill" {
			t.Errorf("cancelled booking %+v %v", b, err)
		}
		if n := a.activeBookings(); n != 1 {
			t.Errorf("%d active bookings, want the morning's", n)
		}
		page := html.UnescapeString(string(a.do("GET", "/staff/centers/aarhus/closures", nil, "Cookie", mette).body))
		if !strings.Contains(page, "Monday 30 November 2026, 12:00–15:00: Fire drill") || strings.Contains(page, `id="close"`) {
			t.Errorf("staff's closures page:\n%s", page)
		}
		r = a.doNoRedirect("POST", "/staff/centers/aarhus/closures/2026-11-30/remove", "", "Content-Type", "application/x-www-form-urlencoded", "Cookie", admin)
		if r.status != http.StatusSeeOther {
			t.Fatalf("reopen: %d", r.status)
		}
		if _, ok := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")["2026-11-30T14:00:00+01:00"]; !ok {
			t.Error("the afternoon is not bookable again")
		}
	})
}

// TestStatisticsPage: a day's numbers in the table, the chart and the CSV
// add up, for the center's staff only.
func TestStatisticsPage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		mette := a.login("mette@ics.dk")
		a.book(bookingBody("aarhus", permit, "2026-11-26T12:00:00+01:00"))
		for range 2 {
			if r := a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "general-information"}); r.status != http.StatusCreated {
				t.Fatalf("ticket: %d %s", r.status, r.body)
			}
		}
		ctx := context.Background()
		first, ok, err := a.queue.CallNext(ctx, "aarhus", "1")
		if err != nil || !ok {
			t.Fatalf("call: %v %v", ok, err)
		}
		if _, err := a.queue.Serve(ctx, "aarhus", first.ID); err != nil {
			t.Fatal(err)
		}

		r := a.do("GET", "/staff/centers/aarhus/stats?from=2026-11-26&to=2026-11-26", nil, "Cookie", mette)
		body := html.UnescapeString(string(r.body))
		if r.status != 200 || !strings.Contains(body, "<svg") || !strings.Contains(body, "Thursday 26 November 2026: 1 appointments, 2 walk-ins") ||
			!strings.Contains(body, `<tr id="total"><th scope="row">All days</th><td>1</td><td>2</td><td>0</td><td>1</td>`) {
			t.Errorf("statistics page %d:\n%s", r.status, body)
		}
		r = a.do("GET", "/staff/centers/aarhus/stats.csv?from=2026-11-26&to=2026-11-26", nil, "Cookie", mette)
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil || r.header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != 3 ||
			strings.Join(rows[1][:5], ",") != "2026-11-26,1,2,0,1" || rows[2][0] != "total" {
			t.Errorf("CSV %v %v %q", err, r.header, rows)
		}
		if r := a.do("GET", "/staff/centers/copenhagen/stats", nil, "Cookie", mette); r.status != http.StatusForbidden {
			t.Errorf("Aarhus staff on Copenhagen's statistics: %d", r.status)
		}
		if r := a.do("GET", "/staff/centers/aarhus/stats?from=2026-11-26&to=2026-11-01", nil, "Cookie", mette); r.status != http.StatusBadRequest {
			t.Errorf("a period backwards: %d", r.status)
		}
	})
}

// The statistics count a visit once, its services and its people, on the
// page in both languages and in the CSV.
func TestStatisticsOfVisits(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a, mette := newStaffApp(t, dialect)
		a.bookVisit("2026-11-26T12:00:00+01:00", 4, "eu-residence-document", "cpr-number")

		for _, tt := range []struct{ lang, header, total string }{
			{"en", `<th scope="col">Services booked</th><th scope="col">People expected</th>`, "All days"},
			{"da", `<th scope="col">Bookede ydelser</th><th scope="col">Forventede personer</th>`, "Alle dage"},
		} {
			_, body := a.page(mette, "/staff/centers/aarhus/stats?from=2026-11-26&to=2026-11-26", "Accept-Language", tt.lang)
			total := `<tr id="total"><th scope="row">` + tt.total + `</th><td>1</td><td>0</td><td>0</td><td>0</td>`
			booked := `id="booked-appointments">1</dd>`
			if !strings.Contains(body, tt.header) || !inOrder(body, total, "<td>2</td><td>4</td></tr>") ||
				!inOrder(body, booked, `id="booked-services">2</dd>`, `id="booked-people">4</dd>`) {
				t.Errorf("%s: statistics of one visit of two services for four:\n%s", tt.lang, body)
			}
		}
		r := a.do("GET", "/staff/centers/aarhus/stats.csv?from=2026-11-26&to=2026-11-26", nil, "Cookie", mette)
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("CSV %v %q", err, rows)
		}
		want := []string{"day,appointments,services_booked,people_expected", "2026-11-26,1,2,4", "total,1,2,4"}
		for i, row := range rows {
			if got := strings.Join([]string{row[0], row[1], row[8], row[9]}, ","); got != want[i] {
				t.Errorf("CSV row %q, want %s in its day, appointments and last two columns", row, want[i])
			}
		}
	})
}
