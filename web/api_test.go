package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/configs"
)

const permit = "residence-permit-renewal" // appointment, 45 minutes

func TestCatalogueEndpoints(t *testing.T) {
	a := newApp(t, "sqlite", thursday)

	centers := a.do("GET", "/api/v1/centers", nil).json(t)["centers"].([]any)
	var ids []string
	for _, c := range centers {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	if got := strings.Join(ids, ","); got != "copenhagen,aarhus,odense,aalborg" {
		t.Errorf("centers %s", got)
	}

	aarhus := a.do("GET", "/api/v1/centers/aarhus", nil).json(t)
	if aarhus["address"] != "Banegårdspladsen 1A, 8000 Aarhus C" || aarhus["time_zone"] != "Europe/Copenhagen" {
		t.Errorf("aarhus %v", aarhus)
	}
	if aarhus["max_services"] != 3.0 {
		t.Errorf("aarhus holds %v services a visit, want 3", aarhus["max_services"])
	}
	hours := aarhus["hours"].([]any)
	if len(hours) != 5 || hours[0].(map[string]any)["day"] != "monday" || hours[0].(map[string]any)["open"] != "09:00" || hours[4].(map[string]any)["close"] != "15:00" {
		t.Errorf("hours %v", hours)
	}
	expectProblem(t, a.do("GET", "/api/v1/centers/roskilde", nil), 404, "not_found")

	services := a.do("GET", "/api/v1/services", nil).json(t)["services"].([]any)
	modes := map[string]string{}
	visits := map[string][2]any{} // max_people, per_person_minutes
	for _, s := range services {
		m := s.(map[string]any)
		modes[m["id"].(string)] = m["mode"].(string)
		visits[m["id"].(string)] = [2]any{m["max_people"], m["per_person_minutes"]}
	}
	if modes["general-information"] != "walk_in" || modes["document-translation"] != "appointment" || modes[permit] != "appointment" {
		t.Errorf("modes %v", modes)
	}
	for id, want := range map[string][2]any{"cpr-number": {4.0, 15.0}, permit: {6.0, 30.0}, "mitid": {2.0, 15.0}, "document-translation": {1.0, 60.0}} {
		if visits[id] != want {
			t.Errorf("%s: max_people and per_person_minutes %v, want %v", id, visits[id], want)
		}
	}
	if r := a.do("GET", "/healthz", nil); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	if r := a.do("GET", "/", nil); r.status != 200 || !strings.Contains(string(r.body), "Bernstorffsgade 35") {
		t.Errorf("home %d", r.status)
	}
}

func TestSlotsFollowTheCalendar(t *testing.T) {
	a := newApp(t, "sqlite", thursday)

	monday := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
	if len(monday) != 11 { // 09:00 ... 14:00 every 30 minutes; a 45-minute slot ends by 15:00
		t.Errorf("%d Monday slots, want 11: %v", len(monday), monday)
	}
	if monday["2026-11-30T09:00:00+01:00"] != 3 || monday["2026-11-30T14:00:00+01:00"] != 3 {
		t.Errorf("Monday slots %v", monday)
	}
	if _, ok := monday["2026-11-30T14:30:00+01:00"]; ok {
		t.Error("a 45-minute slot at 14:30 would end after closing")
	}

	for _, tt := range []struct{ name, day string }{
		{"Saturday", "2026-11-28"},
		{"Sunday", "2026-11-29"},
		{"Christmas Eve", "2026-12-24"},
		{"Juledag", "2026-12-25"},
		{"2. juledag", "2026-12-26"},
		{"New Year's Eve", "2026-12-31"},
	} {
		if s := a.slots("aarhus", "service="+permit+"&from="+tt.day+"&to="+tt.day); len(s) != 0 {
			t.Errorf("%s %s has %d slots", tt.name, tt.day, len(s))
		}
	}

	// Too soon: today's slots start 2 hours from now (10:00 + 2h = 12:00).
	today := a.slots("aarhus", "service="+permit+"&from=2026-11-26&to=2026-11-26")
	if _, ok := today["2026-11-26T11:30:00+01:00"]; ok {
		t.Error("a slot within the 2-hour notice is listed")
	}
	if _, ok := today["2026-11-26T12:00:00+01:00"]; !ok {
		t.Errorf("today's slots %v lack 12:00", today)
	}
	// Beyond the 60-day horizon (26 January 2027 is the last day).
	if s := a.slots("aarhus", "service="+permit+"&from=2027-01-27&to=2027-01-29"); len(s) != 0 {
		t.Errorf("slots beyond the horizon: %v", s)
	}

	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service=general-information", nil), 422, "not_bookable")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service=nope", nil), 404, "not_found")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots", nil), 400, "invalid")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service="+permit+"&from=30-11-2026", nil), 400, "invalid")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service="+permit+"&from=2026-12-01&to=2026-11-30", nil), 400, "invalid")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service="+permit+"&from=2026-12-01&to=2027-01-20", nil), 400, "invalid")
	expectProblem(t, a.do("GET", "/api/v1/centers/aarhus/slots?service=document-translation", nil), 400, "invalid")
}

func TestSlotsAcrossDST(t *testing.T) {
	// Winter: 09:00 is 08:00Z. Summer: 09:00 is 07:00Z.
	winter := newApp(t, "sqlite", thursday)
	if _, ok := winter.slots("aarhus", "service="+permit+"&from=2026-12-07&to=2026-12-07")["2026-12-07T09:00:00+01:00"]; !ok {
		t.Error("no 09:00+01:00 slot in December")
	}
	summer := newApp(t, "sqlite", time.Date(2027, 5, 20, 8, 0, 0, 0, time.UTC))
	june := summer.slots("aarhus", "service="+permit+"&from=2027-06-07&to=2027-06-07")
	if _, ok := june["2027-06-07T09:00:00+02:00"]; !ok {
		t.Errorf("no 09:00+02:00 slot in June: %v", june)
	}
	ref, token := summer.book(bookingBody("aarhus", permit, "2027-06-07T07:00:00Z"))
	got := summer.do("GET", "/api/v1/bookings/"+ref, nil, "Authorization", "Bearer "+token).json(t)
	if got["start"] != "2027-06-07T09:00:00+02:00" {
		t.Errorf("07:00Z booked as %v", got["start"])
	}
	// The week after the clocks go back: Monday 2 November 2026 09:00 is 08:00Z.
	autumn := newApp(t, "sqlite", time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC))
	if _, ok := autumn.slots("aarhus", "service="+permit+"&from=2026-11-02&to=2026-11-02")["2026-11-02T09:00:00+01:00"]; !ok {
		t.Error("no 09:00+01:00 slot after the change to winter time")
	}
}

func TestBookingLifecycle(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		const nine, ten = "2026-11-30T09:00:00+01:00", "2026-11-30T10:00:00+01:00"

		body := bookingBody("aarhus", permit, nine)
		body["name"] = "محمد عبد الله"
		body["phone"] = "+45 12 34 56 78"
		body["notes"] = "Bringing my\nwife's passport"
		body["locale"] = "da"
		r := a.do("POST", "/api/v1/bookings", body)
		if r.status != http.StatusCreated {
			t.Fatalf("book: %d %s", r.status, r.body)
		}
		created := r.json(t)
		ref, token := created["reference"].(string), created["token"].(string)
		if !regexp.MustCompile(`^AAR-[0-9A-HJKMNP-TV-Z]{6}$`).MatchString(ref) {
			t.Errorf("reference %q", ref)
		}
		if len(token) < 43 || created["status"] != "confirmed" || created["start"] != nine || created["end"] != "2026-11-30T09:45:00+01:00" {
			t.Errorf("created %v", created)
		}
		if created["manage_url"] != "https://booking.example.dk/bookings/"+ref+"?token="+token {
			t.Errorf("manage_url %v", created["manage_url"])
		}

		// The 45-minute booking takes a seat at 09:00 and at 09:30, which it overlaps.
		s := a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
		if s[nine] != 2 || s["2026-11-30T09:30:00+01:00"] != 2 || s[ten] != 3 {
			t.Errorf("after booking: %v", s)
		}

		got := a.do("GET", "/api/v1/bookings/"+ref, nil, "Authorization", "Bearer "+token)
		if got.status != 200 {
			t.Fatalf("read back: %d %s", got.status, got.body)
		}
		b := got.json(t)
		if b["name"] != "محمد عبد الله" || b["notes"] != "Bringing my\nwife's passport" || b["locale"] != "da" || b["token"] != nil {
			t.Errorf("read back %v", b)
		}

		// A wrong token is answered exactly like an unknown reference
		// (each request has an ID of its own: here the same).
		wrong := a.do("GET", "/api/v1/bookings/"+ref, nil, "Authorization", "Bearer "+token[:len(token)-1]+"x", "X-Request-ID", "request-1")
		unknown := a.do("GET", "/api/v1/bookings/AAR-000000", nil, "Authorization", "Bearer "+token, "X-Request-ID", "request-1")
		expectProblem(t, wrong, 404, "not_found")
		expectProblem(t, unknown, 404, "not_found")
		if strings.ReplaceAll(string(wrong.body), ref, "X") != strings.ReplaceAll(string(unknown.body), "AAR-000000", "X") {
			t.Errorf("wrong token %s differs from unknown reference %s", wrong.body, unknown.body)
		}
		expectProblem(t, a.do("GET", "/api/v1/bookings/"+ref, nil), 401, "unauthorized")
		// Not a reference at all (PostgreSQL refuses a NUL byte): still just 404.
		for _, junk := range []string{"%00", "AAR-%00%00", strings.Repeat("A", 300), "aar-0000'--"} {
			expectProblem(t, a.do("GET", "/api/v1/bookings/"+junk, nil, "Authorization", "Bearer "+token), 404, "not_found")
		}

		moved := a.do("POST", "/api/v1/bookings/"+ref+"/reschedule", map[string]any{"start": ten}, "Authorization", "Bearer "+token)
		if moved.status != 200 {
			t.Fatalf("reschedule: %d %s", moved.status, moved.body)
		}
		if m := moved.json(t); m["reference"] != ref || m["start"] != ten {
			t.Errorf("rescheduled %v", m)
		}
		s = a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
		if s[nine] != 3 || s[ten] != 2 {
			t.Errorf("after reschedule: %v", s)
		}

		cancelled := a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Authorization", "Bearer "+token)
		if cancelled.status != 200 || cancelled.json(t)["status"] != "cancelled" {
			t.Fatalf("cancel: %d %s", cancelled.status, cancelled.body)
		}
		s = a.slots("aarhus", "service="+permit+"&from=2026-11-30&to=2026-11-30")
		if s[ten] != 3 {
			t.Errorf("after cancel: %v", s)
		}
		if a.activeBookings() != 0 {
			t.Errorf("%d active bookings after cancel", a.activeBookings())
		}
		// Cancelling again changes nothing; moving a cancelled booking is refused.
		if r := a.do("POST", "/api/v1/bookings/"+ref+"/cancel", nil, "Authorization", "Bearer "+token); r.status != 200 {
			t.Errorf("second cancel: %d", r.status)
		}
		expectProblem(t, a.do("POST", "/api/v1/bookings/"+ref+"/reschedule", map[string]any{"start": nine}, "Authorization", "Bearer "+token), 409, "conflict")
	})
}

func TestBookingRefusals(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		detail string
	}{
		{"walk-in service", bookingBody("aarhus", "general-information", "2026-11-30T09:00:00+01:00"), 422, "not_bookable", "walk-in"},
		{"weekend", bookingBody("aarhus", permit, "2026-11-28T09:00:00+01:00"), 422, "not_bookable", "Saturdays"},
		{"holiday", bookingBody("aarhus", permit, "2026-12-25T09:00:00+01:00"), 422, "not_bookable", "Juledag"},
		{"christmas eve", bookingBody("aarhus", permit, "2026-12-24T09:00:00+01:00"), 422, "not_bookable", "closed"},
		{"before opening", bookingBody("aarhus", permit, "2026-11-30T08:30:00+01:00"), 422, "not_bookable", "opening hours"},
		{"ends after closing", bookingBody("aarhus", permit, "2026-11-30T14:30:00+01:00"), 422, "not_bookable", "opening hours"},
		{"off the grid", bookingBody("aarhus", permit, "2026-11-30T09:15:00+01:00"), 422, "not_bookable", "slot"},
		{"too soon", bookingBody("aarhus", permit, "2026-11-26T11:00:00+01:00"), 422, "not_bookable", "too soon"},
		{"in the past", bookingBody("aarhus", permit, "2026-11-25T11:00:00+01:00"), 422, "not_bookable", "too soon"},
		{"beyond horizon", bookingBody("aarhus", permit, "2027-02-01T09:00:00+01:00"), 422, "not_bookable", "60 days"},
		{"unknown center", bookingBody("roskilde", permit, "2026-11-30T09:00:00+01:00"), 404, "not_found", "roskilde"},
		{"unknown service", bookingBody("aarhus", "haircut", "2026-11-30T09:00:00+01:00"), 404, "not_found", "haircut"},
		{"bad start", bookingBody("aarhus", permit, "Monday at nine"), 400, "invalid", "start"},
	}
	lang := func(l string) map[string]any {
		b := bookingBody("aarhus", permit, "2026-12-02T09:00:00+01:00")
		b["language"] = l
		return b
	}
	cases = append(cases,
		struct {
			name   string
			body   map[string]any
			status int
			code   string
			detail string
		}{"language not offered", lang("is"), 422, "not_bookable", "interpreter"},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := expectProblem(t, a.do("POST", "/api/v1/bookings", tt.body), tt.status, tt.code)
			if !strings.Contains(p["detail"].(string), tt.detail) {
				t.Errorf("detail %q lacks %q", p["detail"], tt.detail)
			}
		})
	}
	if n := a.activeBookings(); n != 0 {
		t.Errorf("%d bookings written by refused requests", n)
	}
}

func TestInterpreterNotice(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	withLang := func(start, lang string) map[string]any {
		b := bookingBody("aarhus", permit, start)
		b["language"] = lang
		return b
	}
	// Thursday: two business days ahead is Monday 30 November.
	p := expectProblem(t, a.do("POST", "/api/v1/bookings", withLang("2026-11-27T13:00:00+01:00", "ar")), 422, "not_bookable")
	if !strings.Contains(p["detail"].(string), "business days") {
		t.Errorf("detail %q", p["detail"])
	}
	a.book(withLang("2026-11-30T09:00:00+01:00", "ar"))
	// Danish and English need no interpreter, so no notice beyond 2 hours,
	// and the booking holds no interpreter (its language is the interpreter's).
	r := a.do("POST", "/api/v1/bookings", withLang("2026-11-27T13:00:00+01:00", "da"))
	if r.status != 201 || r.json(t)["language"] != "" {
		t.Errorf("Danish booking: %d %s", r.status, r.body)
	}

	// Aarhus has 2 Arabic interpreters and 1 Ukrainian: the third Arabic booking in a slot is full
	// although desks are free.
	a.book(withLang("2026-12-01T09:00:00+01:00", "uk"))
	expectProblem(t, a.do("POST", "/api/v1/bookings", withLang("2026-12-01T09:00:00+01:00", "uk")), 409, "slot_full")
	if s := a.slots("aarhus", "service="+permit+"&from=2026-12-01&to=2026-12-01&language=uk"); s["2026-12-01T09:00:00+01:00"] != 0 || s["2026-12-01T10:00:00+01:00"] != 1 {
		t.Errorf("Ukrainian slots %v", s)
	}
	if s := a.slots("aarhus", "service="+permit+"&from=2026-12-01&to=2026-12-01"); s["2026-12-01T09:00:00+01:00"] != 2 {
		t.Errorf("desk slots %v", s)
	}
	// Listing with an interpreter language starts two business days ahead.
	if s := a.slots("aarhus", "service="+permit+"&from=2026-11-27&to=2026-11-30&language=ar"); len(s) == 0 {
		t.Error("no Arabic slots on Monday")
	} else {
		for start := range s {
			if !strings.HasPrefix(start, "2026-11-30") {
				t.Errorf("Arabic slot %s before Monday", start)
			}
		}
	}

	// Document translation needs a language and the same notice.
	tr := withLang("2026-12-02T09:00:00+01:00", "ar")
	tr["service"] = "document-translation"
	a.book(tr)
	tr["language"] = ""
	expectProblem(t, a.do("POST", "/api/v1/bookings", tr), 400, "invalid")
}

func TestMalformedInput(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	expectProblem(t, a.do("POST", "/api/v1/bookings", `{"center":`), 400, "malformed")
	expectProblem(t, a.do("POST", "/api/v1/bookings", ``), 400, "malformed")
	expectProblem(t, a.do("POST", "/api/v1/bookings", `{"centre":"aarhus"}`), 400, "malformed")
	expectProblem(t, a.do("POST", "/api/v1/bookings", `{"center":1}`), 400, "invalid")
	expectProblem(t, a.do("POST", "/api/v1/bookings", `{"name":"`+strings.Repeat("a", 70<<10)+`"}`), 413, "too_large")
	expectProblem(t, a.do("POST", "/api/v1/bookings", `a=b`, "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type")

	p := expectProblem(t, a.do("POST", "/api/v1/bookings", map[string]any{"center": "aarhus", "service": permit, "email": "nope"}), 400, "invalid")
	fields := map[string]bool{}
	for _, e := range p["errors"].([]any) {
		fields[e.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"start", "name", "email"} {
		if !fields[f] {
			t.Errorf("errors %v lack %s", p["errors"], f)
		}
	}

	crlf := bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00")
	crlf["name"] = "Ana\r\nBcc: victim@example.com"
	p = expectProblem(t, a.do("POST", "/api/v1/bookings", crlf), 400, "invalid")
	if e := p["errors"].([]any)[0].(map[string]any); e["field"] != "name" {
		t.Errorf("errors %v", p["errors"])
	}
	expectProblem(t, a.do("DELETE", "/api/v1/bookings", nil), 405, "method_not_allowed")
	expectProblem(t, a.do("GET", "/api/v2/nothing", nil), 404, "not_found")
	if n := a.activeBookings(); n != 0 {
		t.Errorf("%d bookings written by malformed requests", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		key := "3f1c2a9e-7b4d-4e8a-9c1f-0a2b3c4d5e6f"
		body := bookingBody("odense", permit, "2026-12-01T10:00:00+01:00")
		ref1, token1 := a.book(body, "Idempotency-Key", key)
		ref2, token2 := a.book(body, "Idempotency-Key", key)
		if ref1 != ref2 || token1 != token2 {
			t.Errorf("retry made %s/%s after %s/%s", ref2, token2, ref1, token1)
		}
		if n := a.activeBookings(); n != 1 {
			t.Errorf("%d bookings after a retried request", n)
		}
		other := bookingBody("odense", permit, "2026-12-01T11:00:00+01:00")
		expectProblem(t, a.do("POST", "/api/v1/bookings", other, "Idempotency-Key", key), 422, "idempotency_key_reused")
		expectProblem(t, a.do("POST", "/api/v1/bookings", other, "Idempotency-Key", "short"), 400, "invalid")
	})
}

// TestNoOverbookingOverHTTP races 120 requests at a slot with 3 desks.
func TestNoOverbookingOverHTTP(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		const n = 120
		start := make(chan struct{})
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := strings.NewReader(fmt.Sprintf(`{"center":"aarhus","service":%q,"start":"2026-12-03T11:00:00+01:00","name":"P %d","email":"p%d@example.com"}`, permit, i, i))
				<-start
				res, err := a.srv.Client().Post(a.srv.URL+"/api/v1/bookings", "application/json", data)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				statuses <- res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		full := expectProblem(t, a.do("POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-12-03T11:00:00+01:00")), 409, "slot_full")
		if d := full["detail"].(string); !strings.Contains(d, "11:00 on Thursday 3 December 2026 is full") {
			t.Errorf("detail %q", d)
		}
		if count[201] != 3 || count[409] != n-3 {
			t.Errorf("statuses %v, want 3 x 201 and %d x 409", count, n-3)
		}
		if got := a.activeBookings(); got != 3 {
			t.Errorf("%d active bookings, want 3", got)
		}
		if s := a.slots("aarhus", "service="+permit+"&from=2026-12-03&to=2026-12-03"); s["2026-12-03T11:00:00+01:00"] != 0 {
			t.Errorf("slot shows %d available", s["2026-12-03T11:00:00+01:00"])
		}
	})
}

func TestClosureEnteredByStaff(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	day := booking.Date{Year: 2026, Month: time.December, Day: 2}
	if _, err := a.scheduler.AddClosure(context.Background(), booking.Closure{Center: "odense", Day: day, Reason: "staff training"}); err != nil {
		t.Fatal(err)
	}
	if s := a.slots("odense", "service="+permit+"&from=2026-12-02&to=2026-12-02"); len(s) != 0 {
		t.Errorf("closed day has slots %v", s)
	}
	p := expectProblem(t, a.do("POST", "/api/v1/bookings", bookingBody("odense", permit, "2026-12-02T09:00:00+01:00")), 422, "not_bookable")
	if !strings.Contains(p["detail"].(string), "staff training") {
		t.Errorf("detail %q", p["detail"])
	}
	// Only Odense closed: Aarhus is open that day.
	if s := a.slots("aarhus", "service="+permit+"&from=2026-12-02&to=2026-12-02"); len(s) == 0 {
		t.Error("a closure in Odense closed Aarhus")
	}
}

func TestStaffCalendarFeed(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	ref, _ := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	other := bookingBody("odense", permit, "2026-11-30T09:00:00+01:00")
	other["name"] = "Someone Else"
	a.book(other)

	r := a.do("GET", "/centers/aarhus/calendar.ics?token="+feedToken, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", r.status, r.body)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			t.Error("a subscription feed has a METHOD")
		}
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events in Aarhus' feed", len(events))
	}
	e := events[0]
	if e.Id() != ref+"@booking.example.dk" || e.GetProperty(ics.ComponentPropertySummary).Value != "Ana Silva – Residence permit renewal guidance" ||
		e.GetProperty(ics.ComponentPropertyDtStart).Value != "20261130T080000Z" {
		t.Errorf("event:\n%s", r.body)
	}
	if strings.Contains(string(r.body), "ana@example.com") {
		t.Error("the feed shows the email address")
	}

	expectProblem(t, a.do("GET", "/centers/aarhus/calendar.ics?token=wrong", nil), 404, "not_found")
	expectProblem(t, a.do("GET", "/centers/aarhus/calendar.ics", nil), 404, "not_found")
	expectProblem(t, a.do("GET", "/centers/odense/calendar.ics?token="+feedToken, nil), 404, "not_found") // no token configured
}

// TestSlotsOnNightsTheClocksChange opens Aarhus on Sunday nights, so that
// its hours cover the change to summer time (2027-03-28, 02:00 becomes
// 03:00) and back (2027-10-31, 03:00 becomes 02:00): every instant is
// listed once, every listed slot can be booked and nothing else can.
func TestSlotsOnNightsTheClocksChange(t *testing.T) {
	at := bytes.Index(configs.Catalogue, []byte("id: aarhus"))
	sunday := at + bytes.Index(configs.Catalogue[at:], []byte("sun: closed"))
	night := slices.Concat(configs.Catalogue[:sunday], []byte(`sun: "00:00-06:00"`), configs.Catalogue[sunday+len("sun: closed"):])

	for _, tt := range []struct {
		day        string
		now        time.Time
		from, to   time.Time // UTC range to try every quarter hour of
		wantStarts int
	}{
		// 00:00+01:00 to 06:00+02:00 is five hours.
		{"2027-03-28", time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC),
			time.Date(2027, 3, 27, 22, 0, 0, 0, time.UTC), time.Date(2027, 3, 28, 5, 0, 0, 0, time.UTC), 9},
		// 00:00+02:00 to 06:00+01:00 is seven hours.
		{"2027-10-31", time.Date(2027, 10, 25, 9, 0, 0, 0, time.UTC),
			time.Date(2027, 10, 30, 21, 0, 0, 0, time.UTC), time.Date(2027, 10, 31, 6, 0, 0, 0, time.UTC), 13},
	} {
		t.Run(tt.day, func(t *testing.T) {
			a := newApp(t, "sqlite", tt.now, withCatalogue(night))
			listed := map[time.Time]bool{}
			for _, slot := range a.slotList("aarhus", "service="+permit+"&from="+tt.day+"&to="+tt.day) {
				start := slot.Start
				instant, err := time.Parse(time.RFC3339, start)
				if err != nil {
					t.Fatal(err)
				}
				if listed[instant.UTC()] {
					t.Errorf("%s listed twice", start)
				}
				listed[instant.UTC()] = true
			}
			if len(listed) != tt.wantStarts {
				t.Errorf("%d slots listed, want %d", len(listed), tt.wantStarts)
			}
			for at := tt.from; at.Before(tt.to); at = at.Add(15 * time.Minute) {
				body := bookingBody("aarhus", permit, at.In(a.loc).Format(time.RFC3339))
				r := a.do("POST", "/api/v1/bookings", body)
				switch {
				case listed[at] && r.status != http.StatusCreated:
					t.Errorf("listed slot %s: %d %s", at.In(a.loc).Format(time.RFC3339), r.status, r.body)
				case !listed[at] && r.status != http.StatusUnprocessableEntity:
					t.Errorf("unlisted time %s: %d %s", at.In(a.loc).Format(time.RFC3339), r.status, r.body)
				}
			}
		})
	}
}
