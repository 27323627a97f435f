package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// pageIn gets a page in lang and returns its status and its text with the
// entities decoded.
func (a *app) pageIn(path, lang string) (int, string) {
	a.t.Helper()
	r := a.do("GET", path, nil, "Cookie", "lang="+lang)
	return r.status, html.UnescapeString(string(r.body))
}

// postIn sends a form as a browser in lang does, without following the
// redirect.
func (a *app) postIn(path string, values url.Values, lang string) response {
	a.t.Helper()
	body, h := form(values)
	return a.doNoRedirect("POST", path, body, append(h, "Cookie", "lang="+lang)...)
}

// waitEntryAt is the reference and token of the entry a redirect leads to.
func waitEntryAt(t *testing.T, r response) (string, string) {
	t.Helper()
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.Path, "/waitlist/") {
		t.Fatalf("not sent to an entry's page: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	return strings.TrimPrefix(loc.Path, "/waitlist/"), loc.Query().Get("token")
}

// waitEntryPath is an entry's page.
func waitEntryPath(ref, token string) string {
	return "/waitlist/" + ref + "?token=" + url.QueryEscape(token)
}

// errorNextTo is the message next to a field of a page, or "".
func errorNextTo(body, field string) string {
	m := regexp.MustCompile(`class="field-error" id="` + field + `-error">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// waitJoinForm is the join form as the times page's link leads to it, for
// lang: its address and its fields as a browser would send them.
func (a *app) waitJoinForm(times, lang string) (string, url.Values) {
	a.t.Helper()
	status, body := a.pageIn(times, lang)
	link := regexp.MustCompile(`<a [^>]*href="([^"]+)" id="join-waitlist"`).FindStringSubmatch(body)
	if status != http.StatusOK || link == nil {
		a.t.Fatalf("%s: %d, no link to the waitlist:\n%s", times, status, body)
	}
	status, body = a.pageIn(link[1], lang)
	if status != http.StatusOK {
		a.t.Fatalf("%s: %d\n%s", link[1], status, body)
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(body)
	if action == nil {
		a.t.Fatalf("no form:\n%s", body)
	}
	values := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="(?:hidden|date)"[^>]* name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		values.Add(m[1], m[2])
	}
	return action[1], values
}

// waitJoinAs fills in and sends a join form for name and email, consent
// given, and returns the entry it made.
func (a *app) waitJoinAs(action string, values url.Values, name, email string) (string, string) {
	a.t.Helper()
	values = copyValues(values)
	values.Set("name", name)
	values.Set("email", email)
	values.Set("consent", "yes")
	values.Set("key", "form-"+strings.Repeat(email, 2))
	return waitEntryAt(a.t.(*testing.T), a.postIn(action, values, "en"))
}

// fill books every desk of a center at start (Aarhus has three), and
// returns the last booking.
func (a *app) fill(center, service, start string) (string, string) {
	a.t.Helper()
	var ref, token string
	for i := range 3 {
		b := bookingBody(center, service, start)
		b["email"] = fmt.Sprintf("full%d-%s@example.com", i, strings.NewReplacer(":", "", "+", "").Replace(start))
		ref, token = a.book(b)
	}
	if slots := a.slots(center, "service="+service+"&from="+start[:10]+"&to="+start[:10]); slots[start] != 0 {
		a.t.Fatalf("%s not full: %v", start, slots)
	}
	return ref, token
}

func copyValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}

// TestWaitlistOnSite follows newcomers through the waitlist's pages: they
// join from the times page's link (the errors of the form next to its
// fields), see their place, get the seat a cancellation frees, decline it
// (keeping their place, the next in line getting it) or accept it (a
// booking and its confirmation), find the hold ended, and leave; a wrong
// token finds nothing.
func TestWaitlistOnSite(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		ctx := context.Background()

		// The times page always links to the waitlist; a week with no
		// free time says it first.
		_, body := a.pageIn("/book/aarhus/"+permit+"?week=2026-11-30", "en")
		if !strings.Contains(body, `id="waitlist-link">No time suits you?`) || strings.Contains(body, `class="button" href="/book/aarhus/`+permit+`/waitlist`) {
			t.Errorf("a week with times:\n%s", body)
		}
		_, body = a.pageIn("/book/aarhus/"+permit+"?week=2027-02-01", "da")
		if !strings.Contains(body, `id="no-times"`) || !strings.Contains(body, `<a class="button" href="/book/aarhus/`+permit+`/waitlist?" id="join-waitlist">Skriv dig på ventelisten</a>`) {
			t.Errorf("a week without times:\n%s", body)
		}

		action, values := a.waitJoinForm("/book/aarhus/"+permit+"?week=2026-11-30", "en")
		if action != "/book/aarhus/"+permit+"/waitlist" || values.Get("until") != "2027-01-25" || len(values.Get("key")) < 16 {
			t.Fatalf("join form %s %v", action, values)
		}

		// Sent wrong: each problem next to its field, the values kept.
		bad := copyValues(values)
		bad.Set("name", "Ana Silva")
		bad.Set("email", "ana@")
		r := a.postIn(action, bad, "en")
		body = html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || errorNextTo(body, "email") != "Enter an email address such as name@example.com" ||
			!strings.Contains(errorNextTo(body, "consent"), "Tick the box") || !strings.Contains(body, `value="Ana Silva"`) ||
			!strings.Contains(body, `<li><a href="#email">`) || !strings.Contains(body, `<li><a href="#consent">`) {
			t.Errorf("bad email, no consent: %d\n%s", r.status, body)
		}
		// The answer to the post links the other language to the form,
		// with what was typed.
		if !regexp.MustCompile(`<a href="/book/aarhus/` + permit + `/waitlist\?email=ana%40&lang=da&name=Ana\+Silva&until=2027-01-25" lang="da"`).MatchString(body) {
			t.Errorf("the language switch of the answer:\n%s", body)
		}
		for _, tt := range []struct{ until, message string }{
			{"2026-11-25", "Choose a day from today to Monday 25 January 2027"},
			{"2027-01-26", "Choose a day from today to Monday 25 January 2027"},
			{"25/1/2027", "Enter the day as year-month-day, such as 2027-01-25"},
		} {
			bad = copyValues(values)
			for k, v := range map[string]string{"name": "Ana Silva", "email": "ana@example.com", "consent": "yes", "until": tt.until} {
				bad.Set(k, v)
			}
			r = a.postIn(action, bad, "en")
			body = html.UnescapeString(string(r.body))
			if r.status != http.StatusUnprocessableEntity || errorNextTo(body, "until") != tt.message || !strings.Contains(body, `value="`+tt.until+`"`) {
				t.Errorf("until %s: %d\n%s", tt.until, r.status, body)
			}
		}

		// Joined: the entry's page shows the place.
		first, firstToken := a.waitJoinAs(action, values, "Ana Silva", "ana.wait@example.com")
		status, body := a.pageIn(waitEntryPath(first, firstToken)+"&done=joined", "en")
		if status != http.StatusOK || !strings.Contains(body, `id="done">You are on the waitlist.`) ||
			!strings.Contains(body, "You are number 1 in line for Residence permit renewal guidance at Aarhus ICS Center, for a time up to Monday 25 January 2027.") ||
			!strings.Contains(body, "Banegårdspladsen 1A") || strings.Contains(body, `id="accept"`) {
			t.Fatalf("entry page: %d\n%s", status, body)
		}
		if r := a.do("GET", waitEntryPath(first, firstToken), nil); r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("entry page headers %v", r.header)
		}
		// In Danish too.
		if _, body = a.pageIn(waitEntryPath(first, firstToken), "da"); !strings.Contains(body, `<html lang="da">`) ||
			!strings.Contains(body, "Du er nummer 1 i køen til Vejledning om forlængelse af opholdstilladelse hos Aarhus ICS Center") {
			t.Errorf("Danish entry page:\n%s", body)
		}

		// The same form sent again (a double click) leads to the same
		// entry; another form for the same address is refused.
		again := copyValues(values)
		for k, v := range map[string]string{"name": "Ana Silva", "email": "ana.wait@example.com", "consent": "yes", "key": "form-" + strings.Repeat("ana.wait@example.com", 2)} {
			again.Set(k, v)
		}
		if ref, token := waitEntryAt(t, a.postIn(action, again, "en")); ref != first || token != firstToken {
			t.Errorf("the form sent twice made %s, then %s", first, ref)
		}
		again.Set("key", "form-another-key-0123456789")
		r = a.postIn(action, again, "en")
		if body = html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(errorNextTo(body, "email"), "already on the waitlist for this visit") {
			t.Errorf("the same address twice: %d\n%s", r.status, body)
		}

		second, secondToken := a.waitJoinAs(action, values, "Bo Berg", "bo.wait@example.com")
		if _, body = a.pageIn(waitEntryPath(second, secondToken), "en"); !strings.Contains(body, "You are number 2 in line") {
			t.Errorf("second entry:\n%s", body)
		}

		// A booking cancelled on its manage page frees a seat of a full
		// time: the first in line is offered it, held for half an hour.
		ref, token := a.fill("aarhus", permit, "2026-11-30T09:00:00+01:00")
		if r := a.postIn("/bookings/"+ref+"/cancel", url.Values{"token": {token}}, "en"); r.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		_, body = a.pageIn(waitEntryPath(first, firstToken), "en")
		if !strings.Contains(body, `id="offer-when">Monday 30 November 2026, 09:00–09:45 Copenhagen time (CET)`) ||
			!strings.Contains(body, "We hold it for you until today at 10:30.") || !strings.Contains(body, `id="accept"`) || !strings.Contains(body, `id="decline"`) {
			t.Fatalf("offered:\n%s", body)
		}
		if _, body = a.pageIn(waitEntryPath(second, secondToken), "en"); strings.Contains(body, `id="accept"`) {
			t.Errorf("the second in line is offered the first's time:\n%s", body)
		}

		// Declined: the first keeps the place, the second gets the time.
		r = a.postIn("/waitlist/"+first+"/decline", url.Values{"token": {firstToken}}, "en")
		if ref, token := waitEntryAt(t, r); ref != first || token != firstToken || !strings.HasSuffix(r.header.Get("Location"), "&done=declined") {
			t.Errorf("declined to %s", r.header.Get("Location"))
		}
		if _, body = a.pageIn(r.header.Get("Location"), "en"); !strings.Contains(body, "You declined the time.") ||
			!strings.Contains(body, "You are number 1 in line") || strings.Contains(body, `id="accept"`) {
			t.Errorf("after declining:\n%s", body)
		}
		if _, body = a.pageIn(waitEntryPath(second, secondToken), "en"); !strings.Contains(body, `id="accept"`) {
			t.Fatalf("the declined time is not offered to the second in line:\n%s", body)
		}

		// Accepted: a booking, and its confirmation.
		r = a.postIn("/waitlist/"+second+"/accept", url.Values{"token": {secondToken}}, "en")
		confirmation, err := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || err != nil || !strings.HasSuffix(confirmation.Path, "/confirmation") {
			t.Fatalf("accept: %d %q %s", r.status, r.header.Get("Location"), r.body)
		}
		if status, body = a.pageIn(confirmation.RequestURI(), "en"); status != http.StatusOK || !strings.Contains(body, "Your appointment is booked") ||
			!strings.Contains(body, "Monday 30 November 2026, 09:00–09:45") {
			t.Errorf("confirmation: %d\n%s", status, body)
		}
		b, err := a.scheduler.Get(ctx, strings.Split(confirmation.Path, "/")[2], confirmation.Query().Get("token"))
		if err != nil || b.Email != "bo.wait@example.com" || b.Status != booking.Confirmed {
			t.Errorf("booked %+v, %v", b, err)
		}
		if _, body = a.pageIn(waitEntryPath(second, secondToken), "en"); !strings.Contains(body, "You accepted a time, and it is booked.") ||
			strings.Contains(body, `id="leave"`) {
			t.Errorf("after accepting:\n%s", body)
		}
		// Accepting again is told so, never a failure.
		r = a.postIn("/waitlist/"+second+"/accept", url.Values{"token": {secondToken}}, "en")
		if body = html.UnescapeString(string(r.body)); r.status != http.StatusConflict || !strings.Contains(body, "You have accepted this time already.") {
			t.Errorf("accepted twice: %d\n%s", r.status, body)
		}

		// A hold that ran out offers nothing, and accepting it is refused
		// on the entry's page.
		ref, token = a.fill("aarhus", permit, "2026-11-30T10:00:00+01:00")
		if _, err := a.scheduler.Cancel(ctx, ref, token); err != nil {
			t.Fatal(err)
		}
		if _, body = a.pageIn(waitEntryPath(first, firstToken), "en"); !strings.Contains(body, `id="offer-when">Monday 30 November 2026, 10:00–10:45`) {
			t.Fatalf("offered again:\n%s", body)
		}
		a.advance(31 * time.Minute)
		if _, body = a.pageIn(waitEntryPath(first, firstToken), "en"); strings.Contains(body, `id="accept"`) {
			t.Errorf("a hold that ran out is offered:\n%s", body)
		}
		r = a.postIn("/waitlist/"+first+"/accept", url.Values{"token": {firstToken}}, "en")
		if body = html.UnescapeString(string(r.body)); r.status != http.StatusConflict || !strings.Contains(body, `id="problem">This time is no longer held for you`) ||
			!strings.Contains(body, `id="wait-status"`) {
			t.Errorf("accepted too late: %d\n%s", r.status, body)
		}
		r = a.postIn("/waitlist/"+first+"/decline", url.Values{"token": {firstToken}}, "en")
		if r.status != http.StatusConflict && r.status != http.StatusSeeOther {
			t.Errorf("declined too late: %d\n%s", r.status, r.body)
		}

		// Leaving asks first; asking changes nothing.
		status, body = a.pageIn("/waitlist/"+first+"/leave?token="+url.QueryEscape(firstToken), "en")
		if status != http.StatusOK || !strings.Contains(body, "<h1>Leave the waitlist?</h1>") || !strings.Contains(body, `id="confirm-leave"`) {
			t.Errorf("leave? %d\n%s", status, body)
		}
		if v, err := a.scheduler.WaitEntry(ctx, first, firstToken); err != nil || !v.Status.Active() {
			t.Errorf("after asking to leave: %+v %v", v, err)
		}
		r = a.postIn("/waitlist/"+first+"/leave", url.Values{"token": {firstToken}}, "en")
		if !strings.HasSuffix(r.header.Get("Location"), "&done=left") {
			t.Errorf("left to %d %q", r.status, r.header.Get("Location"))
		}
		if _, body = a.pageIn(r.header.Get("Location"), "en"); !strings.Contains(body, "You have left the waitlist.") ||
			!strings.Contains(body, `href="/book/aarhus/`+permit+`" id="book-again"`) || strings.Contains(body, `id="leave"`) {
			t.Errorf("after leaving:\n%s", body)
		}

		// A wrong token, a missing one and an unknown reference find
		// nothing, and change nothing.
		for _, bad := range []string{waitEntryPath(second, "wrong"), "/waitlist/" + second, waitEntryPath("AAR-000000", secondToken)} {
			if status, body := a.pageIn(bad, "en"); status != http.StatusNotFound || !strings.Contains(body, "Waitlist place not found") {
				t.Errorf("%s: %d\n%s", bad, status, body)
			}
		}
		for _, op := range []string{"accept", "decline", "leave"} {
			if r := a.postIn("/waitlist/"+second+"/"+op, url.Values{"token": {"wrong"}}, "en"); r.status != http.StatusNotFound {
				t.Errorf("%s with a wrong token: %d", op, r.status)
			}
		}
		// Another site cannot post the forms.
		body2, h := form(url.Values{"token": {secondToken}})
		if r := a.doNoRedirect("POST", "/waitlist/"+second+"/leave", body2, append(h, "Sec-Fetch-Site", "cross-site")...); r.status != http.StatusForbidden {
			t.Errorf("cross-site leave: %d", r.status)
		}
	})
}

// TestWaitlistFormSentTwice: a join form sent twice at once (a double
// click) makes one entry, and both answers lead to it; on PostgreSQL the
// two reach two server processes.
func TestWaitlistFormSentTwice(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		databaseURL := storetest.URL(t, dialect)
		a := newApp(t, dialect, thursday, withDatabase(databaseURL))
		servers := []*app{a, a}
		if dialect == "postgres" {
			servers[1] = newApp(t, dialect, thursday, withDatabase(databaseURL))
		}
		action, values := a.waitJoinForm("/book/aarhus/"+permit+"?week=2026-11-30", "en")
		for k, v := range map[string]string{"name": "Ana Silva", "email": "ana.twice@example.com", "consent": "yes"} {
			values.Set(k, v)
		}
		var wg sync.WaitGroup
		locations := make([]string, 2)
		for i, server := range servers {
			client := *server.srv.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			wg.Go(func() {
				res, err := client.PostForm(server.srv.URL+action, values)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				locations[i] = res.Header.Get("Location")
			})
		}
		wg.Wait()
		if line, err := a.scheduler.Waitlist(t.Context(), "aarhus"); err != nil || len(line) != 1 {
			t.Errorf("%d entries, %v", len(line), err)
		}
		if !strings.HasPrefix(locations[0], "/waitlist/") || locations[0] != locations[1] {
			t.Errorf("the two answers lead to %q and %q", locations[0], locations[1])
		}
	})
}

// TestWaitlistVisit: the times page's link carries the visit (services
// added, people) to the join form and the entry, and the interpreter
// language chosen.
func TestWaitlistVisit(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	action, values := a.waitJoinForm("/book/aarhus/cpr-number?also=tax-card&people=2&language=ar&week=2026-11-30", "en")
	if !slices.Equal(values["also"], []string{"tax-card"}) || values.Get("people") != "2" {
		t.Fatalf("the form does not carry the visit: %v", values)
	}
	_, body := a.pageIn("/book/aarhus/cpr-number/waitlist?also=tax-card&people=2&language=ar", "en")
	if !strings.Contains(body, `<option value="ar" selected>`) || !strings.Contains(body, `<dd id="people">2</dd>`) {
		t.Errorf("join form:\n%s", body)
	}
	values.Set("language", "ar")
	ref, token := a.waitJoinAs(action, values, "Amal Haddad", "amal.wait@example.com")
	v, err := a.scheduler.WaitEntry(context.Background(), ref, token)
	if err != nil || !slices.Equal(v.Services, []string{"cpr-number", "tax-card"}) || v.People != 2 || v.Language != "ar" || v.Locale != "en" {
		t.Fatalf("entry %+v, %v", v, err)
	}
	_, body = a.pageIn(waitEntryPath(ref, token), "en")
	if !strings.Contains(body, "<li>CPR number application guidance</li><li>Tax card application support</li>") ||
		!strings.Contains(body, `<dd id="people">2</dd>`) || !strings.Contains(body, "<dd>Arabic</dd>") {
		t.Errorf("entry page:\n%s", body)
	}

	// A visit the center cannot take goes back to the times page, which
	// says why; a walk-in service has no waitlist.
	if r := a.do("GET", "/book/aarhus/cpr-number/waitlist?people=9", nil); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.body), `id="people-error"`) {
		t.Errorf("a visit for nine: %d\n%s", r.status, r.body)
	}
	if r := a.do("GET", "/book/aarhus/general-information/waitlist", nil); r.status != http.StatusOK || strings.Contains(string(r.body), `id="join"`) {
		t.Errorf("a walk-in service: %d\n%s", r.status, r.body)
	}
	// A translation needs the language of the documents.
	_, values = a.waitJoinForm("/book/aarhus/document-translation?language=ar&week=2026-11-30", "en")
	values.Del("language")
	values.Set("name", "Amal Haddad")
	values.Set("email", "amal.docs@example.com")
	values.Set("consent", "yes")
	r := a.postIn("/book/aarhus/document-translation/waitlist", values, "en")
	if body := html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity || errorNextTo(body, "language") != "Choose a language from the list" {
		t.Errorf("a translation without a language: %d\n%s", r.status, body)
	}
}

// TestWaitlistFromManagePage: the holder of a booking asks for an earlier
// time on its manage page; a seat freed before it is offered, and
// accepting moves the booking.
func TestWaitlistFromManagePage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		ctx := context.Background()
		ref, token := a.book(bookingBody("aarhus", permit, "2026-12-10T09:00:00+01:00"))
		manage := "/bookings/" + ref + "?token=" + url.QueryEscape(token)
		if _, body := a.pageIn(manage, "en"); !strings.Contains(body, `action="/bookings/`+ref+`/waitlist"`) ||
			!strings.Contains(body, `id="wait-earlier">Tell me if an earlier time frees up</button>`) {
			t.Fatalf("manage page:\n%s", body)
		}
		r := a.postIn("/bookings/"+ref+"/waitlist", url.Values{"token": {token}}, "da")
		entry, entryToken := waitEntryAt(t, r)
		_, body := a.pageIn(r.header.Get("Location"), "da")
		if !strings.Contains(body, "Du står på ventelisten.") || !strings.Contains(body, `<dd id="until">onsdag den 9. december 2026</dd>`) {
			t.Errorf("entry page:\n%s", body)
		}
		// Once is enough.
		r = a.postIn("/bookings/"+ref+"/waitlist", url.Values{"token": {token}}, "en")
		if body = html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, `id="earlier-error">You are already on the waitlist for this visit.`) ||
			!strings.Contains(body, `<a href="/bookings/`+ref+`?lang=da&token=`+url.QueryEscape(token)+`" lang="da"`) {
			t.Errorf("asked twice: %d\n%s", r.status, body)
		}
		if r = a.postIn("/bookings/"+ref+"/waitlist", url.Values{"token": {"wrong"}}, "en"); r.status != http.StatusNotFound {
			t.Errorf("with a wrong token: %d", r.status)
		}

		// A time freed before it is offered; accepting moves the booking.
		early, earlyToken := a.book(map[string]any{"center": "aarhus", "service": permit, "start": "2026-12-01T09:00:00+01:00", "name": "Bo", "email": "bo@example.com"})
		if _, err := a.scheduler.Cancel(ctx, early, earlyToken); err != nil {
			t.Fatal(err)
		}
		r = a.postIn("/waitlist/"+entry+"/accept", url.Values{"token": {entryToken}}, "en")
		if got, _ := waitEntryAt(t, r); got != entry || !strings.HasSuffix(r.header.Get("Location"), "&done=moved") {
			t.Fatalf("accepted to %q", r.header.Get("Location"))
		}
		if _, body = a.pageIn(r.header.Get("Location"), "en"); !strings.Contains(body, "Your appointment has been moved to the earlier time.") {
			t.Errorf("after accepting:\n%s", body)
		}
		if b, err := a.scheduler.Get(ctx, ref, token); err != nil || !b.Start.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, a.loc)) {
			t.Errorf("the booking is at %s, %v", b.Start, err)
		}
	})
}
