package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// joinBody is a place in line for mitid at Aarhus until Monday 30 November.
func joinBody(email string) map[string]any {
	return map[string]any{"center": "aarhus", "service": "mitid", "name": "Ana Silva", "email": email, "until": nov30}
}

// The waitlist over the API: a seat freed by a cancellation is held for the
// first in line (the listing hides it and a booking gets 409), accepted it
// is a booking, declined it goes to the next, and every route of an entry
// wants its token.
func TestWaitlistOverTheAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		nine := aarhusTime(nov30, "09:00")
		var refs, tokens []string
		for i := range 3 { // Aarhus has three desks
			ref, tok := a.book(withField(bookingBody("aarhus", "mitid", nine), "email", fmt.Sprintf("holder%d@example.com", i)))
			refs, tokens = append(refs, ref), append(tokens, tok)
		}

		var entries, etokens []string
		for i := range 2 {
			r := a.do("POST", "/api/v1/waitlist", joinBody(fmt.Sprintf("waiter%d@example.com", i)))
			if r.status != http.StatusCreated {
				t.Fatalf("join: %d %s", r.status, r.body)
			}
			m := r.json(t)
			if m["status"] != "waiting" || m["position"] != float64(i+1) || m["token"] == "" || m["until"] != nov30 || m["offer"] != nil {
				t.Errorf("joined: %v", m)
			}
			entries, etokens = append(entries, m["reference"].(string)), append(etokens, m["token"].(string))
		}
		auth := func(i int) []string { return []string{"Authorization", "Bearer " + etokens[i]} }

		// Nothing is offered yet: accept and decline are conflicts.
		if r := a.do("POST", "/api/v1/waitlist/"+entries[0]+"/accept", nil, auth(0)...); r.status != http.StatusConflict {
			t.Errorf("accept with nothing offered: %d %s", r.status, r.body)
		}
		// A freed seat goes to the first in line, not to the listing.
		if r := a.do("POST", "/api/v1/bookings/"+refs[0]+"/cancel", nil, "Authorization", "Bearer "+tokens[0]); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		got := a.do("GET", "/api/v1/waitlist/"+entries[0], nil, auth(0)...).json(t)
		offer, _ := got["offer"].(map[string]any)
		if got["status"] != "offered" || offer["start"] != nine || offer["end"] != aarhusTime(nov30, "09:30") || offer["expires_at"] != "2026-11-26T10:30:00+01:00" {
			t.Errorf("first in line: %v", got)
		}
		if n := a.slots("aarhus", "service=mitid&from="+nov30+"&to="+nov30)[nine]; n != 0 {
			t.Errorf("the held seat is listed: %d free", n)
		}
		if r := a.do("POST", "/api/v1/bookings", withField(bookingBody("aarhus", "mitid", nine), "email", "racer@example.com")); r.status != http.StatusConflict {
			t.Errorf("booking the held seat: %d %s", r.status, r.body)
		}

		// Declined, it goes to the second, and the first keeps its place.
		r := a.do("POST", "/api/v1/waitlist/"+entries[0]+"/decline", nil, auth(0)...)
		if m := r.json(t); r.status != http.StatusOK || m["status"] != "waiting" || m["position"] != float64(1) {
			t.Errorf("decline: %d %s", r.status, r.body)
		}
		if m := a.do("GET", "/api/v1/waitlist/"+entries[1], nil, auth(1)...).json(t); m["status"] != "offered" {
			t.Errorf("second after the decline: %v", m)
		}
		// Accepted, it is a booking as POST /api/v1/bookings answers it.
		r = a.do("POST", "/api/v1/waitlist/"+entries[1]+"/accept", nil, auth(1)...)
		if r.status != http.StatusCreated {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		b := r.json(t)
		if b["start"] != nine || b["email"] != "waiter1@example.com" || b["token"] == "" || b["status"] != "confirmed" {
			t.Errorf("accepted booking: %v", b)
		}
		if m := a.do("GET", "/api/v1/bookings/"+b["reference"].(string), nil, "Authorization", "Bearer "+b["token"].(string)).json(t); m["start"] != nine {
			t.Errorf("the booking read back: %v", m)
		}
		if m := a.do("GET", "/api/v1/waitlist/"+entries[1], nil, auth(1)...).json(t); m["status"] != "booked" || m["position"] != float64(0) {
			t.Errorf("after accepting: %v", m)
		}

		// Leave; leave again changes nothing.
		for range 2 {
			r := a.do("POST", "/api/v1/waitlist/"+entries[0]+"/leave", nil, auth(0)...)
			if m := r.json(t); r.status != http.StatusOK || m["status"] != "left" {
				t.Errorf("leave: %d %s", r.status, r.body)
			}
		}

		// The token: missing 401, wrong 404 like an unknown reference.
		if r := a.do("GET", "/api/v1/waitlist/"+entries[0], nil); r.status != http.StatusUnauthorized {
			t.Errorf("no token: %d", r.status)
		}
		for _, path := range []string{"", "/accept", "/decline", "/leave"} {
			method := "POST"
			if path == "" {
				method = "GET"
			}
			wrong := a.do(method, "/api/v1/waitlist/"+entries[0]+path, nil, auth(1)...)
			unknown := a.do(method, "/api/v1/waitlist/AAR-000000"+path, nil, auth(1)...)
			if wrong.status != http.StatusNotFound || unknown.status != http.StatusNotFound {
				t.Errorf("%s %s: wrong token %d, unknown reference %d", method, path, wrong.status, unknown.status)
			}
		}
	})
}

// An entry for an earlier time moves its booking when it accepts: 200 with
// the moved booking.
func TestWaitlistImprovesABookingOverTheAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		nine := aarhusTime(nov30, "09:00")
		var refs, tokens []string
		for i := range 3 {
			ref, tok := a.book(withField(bookingBody("aarhus", "mitid", nine), "email", fmt.Sprintf("holder%d@example.com", i)))
			refs, tokens = append(refs, ref), append(tokens, tok)
		}
		late, lateToken := a.book(bookingBody("aarhus", "mitid", aarhusTime(dec1, "14:00")))
		r := a.do("POST", "/api/v1/waitlist", map[string]any{"booking": late}, "Authorization", "Bearer "+lateToken)
		if r.status != http.StatusCreated {
			t.Fatalf("join for an earlier time: %d %s", r.status, r.body)
		}
		e := r.json(t)
		if e["until"] != nov30 || e["email"] != nil {
			t.Errorf("entry: %v", e)
		}
		if r := a.do("POST", "/api/v1/waitlist", map[string]any{"booking": late}, "Authorization", "Bearer wrong"); r.status != http.StatusNotFound {
			t.Errorf("with a wrong booking token: %d %s", r.status, r.body)
		}
		a.do("POST", "/api/v1/bookings/"+refs[2]+"/cancel", nil, "Authorization", "Bearer "+tokens[2])
		r = a.do("POST", "/api/v1/waitlist/"+e["reference"].(string)+"/accept", nil, "Authorization", "Bearer "+e["token"].(string))
		if r.status != http.StatusOK {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		if m := r.json(t); m["reference"] != late || m["start"] != nine || m["token"] != nil {
			t.Errorf("moved booking: %v", m)
		}
		if n := a.slots("aarhus", "service=mitid&from="+dec1+"&to="+dec1)[aarhusTime(dec1, "14:00")]; n != 3 {
			t.Errorf("the seat left on Tuesday: %d free, want 3", n)
		}
	})
}

// Joining refuses bad input as 400 naming the field, and counts against
// the per-address rate limit.
func TestWaitlistJoinRefusals(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withRateLimit(8))
		if r := a.do("POST", "/api/v1/waitlist", joinBody("ana@example.com")); r.status != http.StatusCreated {
			t.Fatalf("join: %d %s", r.status, r.body)
		}
		for field, body := range map[string]map[string]any{
			"email":   joinBody("ANA@example.com"), // waits already
			"until":   withField(joinBody("bo@example.com"), "until", "2026-11-25"),
			"center":  withField(joinBody("bo@example.com"), "center", "nowhere"),
			"service": withField(joinBody("bo@example.com"), "service", "nothing"),
			"name":    withField(joinBody("bo@example.com"), "name", ""),
		} {
			r := a.do("POST", "/api/v1/waitlist", body)
			errs, _ := r.json(t)["errors"].([]any)
			first, _ := errs[0].(map[string]any)
			if r.status != http.StatusBadRequest || len(errs) == 0 || first["field"] != field {
				t.Errorf("%s: %d %s", field, r.status, r.body)
			}
		}
		if r := a.do("POST", "/api/v1/waitlist", withField(joinBody("cy@example.com"), "until", "2027-06-01")); r.status != http.StatusBadRequest {
			t.Errorf("until beyond the horizon: %d %s", r.status, r.body)
		}
		// Eight requests a minute from one address: seven made, the next
		// two refused.
		for i, want := range []int{http.StatusCreated, http.StatusTooManyRequests} {
			if r := a.do("POST", "/api/v1/waitlist", joinBody(fmt.Sprintf("late%d@example.com", i))); r.status != want {
				t.Errorf("join %d: %d, want %d", i+8, r.status, want)
			}
		}
	})
}

// waitlistOperations are the waitlist's, which TestOpenAPIWaitlistContract
// exercises.
var waitlistOperations = []string{
	"POST /api/v1/waitlist",
	"GET /api/v1/waitlist/{reference}",
	"POST /api/v1/waitlist/{reference}/accept",
	"POST /api/v1/waitlist/{reference}/decline",
	"POST /api/v1/waitlist/{reference}/leave",
}

// The waitlist's answers, good and bad, are as the document describes them.
// TestWaitlistJoinIdempotent: a join sent again with its Idempotency-Key
// gets the entry the first made, with its token; the key with another
// body is refused.
func TestWaitlistJoinIdempotent(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		key := []string{"Idempotency-Key", "join-0123456789abcdef"}
		first := a.do("POST", "/api/v1/waitlist", joinBody("ana@example.com"), key...)
		again := a.do("POST", "/api/v1/waitlist", joinBody("ana@example.com"), key...)
		if first.status != http.StatusCreated || again.status != http.StatusCreated {
			t.Fatalf("join, and again: %d %s, %d %s", first.status, first.body, again.status, again.body)
		}
		f, g := first.json(t), again.json(t)
		if f["reference"] != g["reference"] || f["token"] != g["token"] || g["position"] != 1.0 {
			t.Errorf("the join sent again: %v, the first %v", g, f)
		}
		expectProblem(t, a.do("POST", "/api/v1/waitlist", joinBody("bo@example.com"), key...), http.StatusUnprocessableEntity, "idempotency_key_reused")
		expectProblem(t, a.do("POST", "/api/v1/waitlist", joinBody("bo@example.com"), "Idempotency-Key", "short"), http.StatusBadRequest, "invalid")
		if line, err := a.scheduler.Waitlist(t.Context(), "aarhus"); err != nil || len(line) != 1 {
			t.Errorf("%d entries in line, want 1: %v", len(line), err)
		}
	})
}

func TestOpenAPIWaitlistContract(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))
	const valid, invalid = true, false
	nine := aarhusTime(nov30, "09:00")
	var refs, tokens []string
	for i := range 3 {
		ref, tok := a.book(withField(bookingBody("aarhus", "mitid", nine), "email", fmt.Sprintf("holder%d@example.com", i)))
		refs, tokens = append(refs, ref), append(tokens, tok)
	}
	created := c.exchange(a, "POST", "/api/v1/waitlist", joinBody("ana@example.com"), 201, valid).json(t)
	ref, auth := created["reference"].(string), []string{"Authorization", "Bearer " + created["token"].(string)}
	entry := "/api/v1/waitlist/" + ref
	c.exchange(a, "POST", "/api/v1/waitlist", joinBody("ana@example.com"), 400, valid)
	c.exchange(a, "POST", "/api/v1/waitlist", `{"centre":"aarhus"}`, 400, invalid)
	c.exchange(a, "POST", "/api/v1/waitlist", joinBody("bo@example.com"), 403, valid, "Sec-Fetch-Site", "cross-site")
	c.exchange(a, "POST", "/api/v1/waitlist", `center=aarhus`, 415, invalid, "Content-Type", "text/plain")
	c.exchange(a, "POST", "/api/v1/waitlist", map[string]any{"booking": refs[0]}, 401, valid)
	c.exchange(a, "POST", "/api/v1/waitlist", map[string]any{"booking": refs[0]}, 404, valid, "Authorization", "Bearer wrong")
	c.exchange(a, "GET", entry, nil, 200, valid, auth...)
	c.exchange(a, "GET", entry, nil, 401, invalid)
	c.exchange(a, "GET", entry, nil, 404, valid, "Authorization", "Bearer wrong")
	c.exchange(a, "POST", entry+"/accept", nil, 409, valid, auth...)
	c.exchange(a, "POST", entry+"/decline", nil, 409, valid, auth...)
	a.do("POST", "/api/v1/bookings/"+refs[0]+"/cancel", nil, "Authorization", "Bearer "+tokens[0])
	if m := c.exchange(a, "GET", entry, nil, 200, valid, auth...).json(t); m["offer"] == nil {
		t.Fatalf("no offer after a cancellation: %v", m)
	}
	c.exchange(a, "POST", entry+"/decline", nil, 200, valid, auth...)
	a.do("POST", "/api/v1/bookings/"+refs[1]+"/cancel", nil, "Authorization", "Bearer "+tokens[1])
	c.exchange(a, "POST", entry+"/accept", nil, 201, valid, auth...)
	c.exchange(a, "POST", entry+"/leave", nil, 200, valid, auth...)

	late, lateToken := a.book(bookingBody("aarhus", "mitid", aarhusTime(dec1, "14:00")))
	improving := c.exchange(a, "POST", "/api/v1/waitlist", map[string]any{"booking": late}, 201, valid, "Authorization", "Bearer "+lateToken).json(t)
	a.do("POST", "/api/v1/bookings/"+refs[2]+"/cancel", nil, "Authorization", "Bearer "+tokens[2])
	c.exchange(a, "POST", "/api/v1/waitlist/"+improving["reference"].(string)+"/accept", nil, 200, valid, "Authorization", "Bearer "+improving["token"].(string))
}
