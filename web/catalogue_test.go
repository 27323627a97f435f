package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/configs"
	"github.com/ics-booking/icsbooking/staff"
)

// catalogueOperations are the catalogue's operations in the back office,
// which TestOpenAPICatalogueContract exercises.
var catalogueOperations = []string{
	"GET /api/v1/staff/catalogue",
	"PUT /api/v1/staff/catalogue",
}

func init() { apiOperations = append(apiOperations, catalogueOperations...) }

// seedCatalogue stores the app's built-in catalogue as version 1, as a
// server's first start does, and makes the app use it as that version.
func (a *app) seedCatalogue() {
	a.t.Helper()
	if _, err := catalogue.Seed(context.Background(), a.store, configs.CatalogueName, configs.Catalogue, a.clock.Now()); err != nil {
		a.t.Fatal(err)
	}
	if _, err := catalogue.Reload(context.Background(), a.store, a.scheduler, 0); err != nil {
		a.t.Fatal(err)
	}
}

// catalogueJSON is the catalogue as the staff API shows it.
type catalogueJSON struct {
	Version int `json:"version"`
	catalogue.File
	Cancelled []string `json:"cancelled,omitempty"`
}

// getCatalogue reads the catalogue through the API with a session.
func (a *app) getCatalogue(cookie string) catalogueJSON {
	a.t.Helper()
	r := a.do("GET", "/api/v1/staff/catalogue", nil, "Cookie", cookie)
	if r.status != 200 {
		a.t.Fatalf("GET catalogue: %d %s", r.status, r.body)
	}
	var doc catalogueJSON
	if err := json.Unmarshal(r.body, &doc); err != nil {
		a.t.Fatal(err)
	}
	if tag := r.header.Get("ETag"); tag != `"`+strconv.Itoa(doc.Version)+`"` {
		a.t.Errorf("ETag %s, version %d", tag, doc.Version)
	}
	return doc
}

// centerIn returns a pointer to the center with the id in f.
func centerIn(t testing.TB, f *catalogue.File, id string) *catalogue.Center {
	t.Helper()
	for i := range f.Centers {
		if f.Centers[i].ID == id {
			return &f.Centers[i]
		}
	}
	t.Fatalf("no center %s", id)
	return nil
}

// putCatalogue sends a change made from version base; query is added to
// the path.
func (a *app) putCatalogue(cookie string, base string, f catalogue.File, query string) response {
	a.t.Helper()
	path := "/api/v1/staff/catalogue"
	if query != "" {
		path += "?" + query
	}
	return a.do("PUT", path, catalogueJSON{File: f}, "Cookie", cookie, "If-Match", base)
}

// nextSaturday is the Saturday after thursday.
const nextSaturday = "2026-11-28"

// openSaturdays opens Aarhus on Saturdays from 10:00 to 14:00.
func openSaturdays(f *catalogue.File, t testing.TB) {
	c := centerIn(t, f, "aarhus")
	hours := catalogue.Hours{}
	for k, v := range c.Hours {
		hours[k] = v
	}
	hours["sat"] = "10:00-14:00"
	c.Hours = hours
}

// The API reads and changes the catalogue: admins only, from the latest
// version, with the loader's checks, refusing to strand bookings unless
// told to cancel them.
func TestCatalogueAPI(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.seedCatalogue()
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		a.addStaff("ole@ics.dk", "odense", staff.RoleStaff)
		admin, mette, ole := a.login("admin@ics.dk"), a.login("mette@ics.dk"), a.login("ole@ics.dk")

		expectProblem(t, a.do("GET", "/api/v1/staff/catalogue", nil), 401, "unauthenticated")
		doc := a.getCatalogue(mette)
		if doc.Version != 1 || doc.TimeZone != "Europe/Copenhagen" || len(doc.Centers) != 4 || centerIn(t, &doc.File, "aarhus").Hours["mon"] != "09:00-15:00" {
			t.Fatalf("catalogue %+v", doc)
		}
		if r := a.do("GET", "/api/v1/staff/catalogue", nil, "Cookie", mette, "If-None-Match", `"1"`); r.status != 304 {
			t.Errorf("GET with the current ETag: %d", r.status)
		}

		// Who may change it.
		next := doc.File
		next.Centers = slices.Clone(doc.Centers)
		openSaturdays(&next, t)
		expectProblem(t, a.putCatalogue("", `"1"`, next, ""), 401, "unauthenticated")
		expectProblem(t, a.putCatalogue(mette, `"1"`, next, ""), 403, "forbidden")
		expectProblem(t, a.putCatalogue(ole, `"1"`, next, ""), 403, "forbidden")
		expectProblem(t, a.do("PUT", "/api/v1/staff/catalogue", catalogueJSON{File: next}, "Cookie", admin), 428, "precondition_required")
		if n := len(a.slots("aarhus", "service="+permit+"&from="+nextSaturday+"&to="+nextSaturday)); n != 0 {
			t.Fatalf("%d Saturday slots before the change", n)
		}

		r := a.putCatalogue(admin, `"1"`, next, "")
		if r.status != 200 || r.header.Get("ETag") != `"2"` {
			t.Fatalf("PUT: %d %v %s", r.status, r.header, r.body)
		}
		if n := len(a.slots("aarhus", "service="+permit+"&from="+nextSaturday+"&to="+nextSaturday)); n == 0 {
			t.Error("no Saturday slots after the change")
		}
		if doc := a.getCatalogue(mette); doc.Version != 2 || centerIn(t, &doc.File, "aarhus").Hours["sat"] != "10:00-14:00" {
			t.Errorf("catalogue after the change: version %d, %v", doc.Version, centerIn(t, &doc.File, "aarhus").Hours)
		}
		entries, err := a.staff.Entries(context.Background(), 10)
		if err != nil || len(entries) == 0 || entries[0].Action != staff.ActionCatalogueChange || entries[0].Subject != "version 2" ||
			!strings.Contains(entries[0].Detail, `center "aarhus" hours.sat`) {
			t.Errorf("audit %+v (%v)", entries, err)
		}

		// A change made from version 1 comes too late.
		p := expectProblem(t, a.putCatalogue(admin, `"1"`, doc.File, ""), 412, "version_moved")
		if !strings.Contains(p["detail"].(string), "since version 1") {
			t.Errorf("detail %q", p["detail"])
		}

		// A catalogue the loader refuses, with its messages.
		bad := next
		bad.Centers = slices.Clone(next.Centers)
		bad.Services = slices.Clone(next.Services)
		centerIn(t, &bad, "odense").Desks = -1
		bad.Services[0].Mode = "walk-in"
		_, _, want := catalogue.Check("x", bad)
		p = expectProblem(t, a.putCatalogue(admin, `"2"`, bad, ""), 422, "invalid_catalogue")
		wantErrors := []any{
			map[string]any{"entry": `center "odense"`, "field": "desks", "detail": "-1 is negative"},
			map[string]any{"entry": `service "cpr-number"`, "field": "mode", "detail": `"walk-in" is not one of walk_in, appointment, both`},
		}
		if got := p["errors"]; !jsonEqual(got, wantErrors) {
			t.Errorf("errors %v, want %v (the loader: %v)", got, wantErrors, want)
		}
		tz := next
		tz.TimeZone = "Europe/Berlin"
		p = expectProblem(t, a.putCatalogue(admin, `"2"`, tz, ""), 422, "invalid_catalogue")
		if errs := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "time_zone" {
			t.Errorf("errors %v, want time_zone", errs)
		}
		expectProblem(t, a.do("PUT", "/api/v1/staff/catalogue", `{"centres":[]}`, "Cookie", admin, "If-Match", `"2"`), 400, "malformed")

		// A Saturday booking: closing Saturdays again would strand it.
		ref, _ := a.book(bookingBody("aarhus", permit, nextSaturday+"T10:00:00+01:00"))
		p = expectProblem(t, a.putCatalogue(admin, `"2"`, doc.File, ""), 409, "stranded_bookings")
		stranded, _ := p["stranded"].([]any)
		if len(stranded) != 1 || stranded[0].(map[string]any)["reference"] != ref || stranded[0].(map[string]any)["why"] != "hours" ||
			stranded[0].(map[string]any)["start"] != nextSaturday+"T10:00:00+01:00" {
			t.Errorf("stranded %v, want %s outside the hours", stranded, ref)
		}
		expectProblem(t, a.putCatalogue(admin, `"2"`, doc.File, "cancel_stranded=true"), 422, "invalid_catalogue") // no reason
		if n := a.activeBookings(); n != 1 {
			t.Fatalf("%d active bookings after refused changes, want 1", n)
		}
		r = a.putCatalogue(admin, `"2"`, doc.File, "cancel_stranded=true&reason="+url.QueryEscape("We no longer open on Saturdays"))
		if r.status != 200 {
			t.Fatalf("PUT cancelling: %d %s", r.status, r.body)
		}
		var changed catalogueJSON
		json.Unmarshal(r.body, &changed)
		if changed.Version != 3 || !slices.Equal(changed.Cancelled, []string{ref}) {
			t.Errorf("answer version %d cancelled %v", changed.Version, changed.Cancelled)
		}
		if n := a.activeBookings(); n != 0 {
			t.Errorf("%d active bookings, want none", n)
		}
		if n := a.emails(ref, "cancellation"); n != 1 {
			t.Errorf("%d cancellation emails, want 1", n)
		}

		// Taking away a service that bookings use is refused, naming it.
		a.book(bookingBody("aarhus", permit, "2026-11-30T10:00:00+01:00"))
		without := changed.File
		without.Services = slices.DeleteFunc(slices.Clone(without.Services), func(s catalogue.Service) bool { return s.ID == permit })
		p = expectProblem(t, a.putCatalogue(admin, `"3"`, without, ""), 422, "invalid_catalogue")
		errs := p["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["entry"] != `service "`+permit+`"` || errs[0].(map[string]any)["field"] != "id" {
			t.Errorf("errors %v, want the service", errs)
		}
	})
}

// jsonEqual compares a decoded JSON value with want, written as Go values.
func jsonEqual(got, want any) bool {
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return string(a) == string(b)
}

// An hours change on one server process shows in the other's slot listing
// within a second: the version is announced on PostgreSQL and the other
// process loads it.
func TestCatalogueChangeReachesOtherServer(t *testing.T) {
	url := storetest.URL(t, "postgres")
	a := newApp(t, "postgres", thursday, withDatabase(url))
	b := newApp(t, "postgres", thursday, withDatabase(url))
	a.seedCatalogue()
	b.seedCatalogue()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan struct{}, 10)
	go b.store.Listen(ctx, store.Listeners{
		Queue: b.web.QueueChanged,
		Seats: b.scheduler.Changed,
		Catalogue: func(n int) {
			if _, err := catalogue.Reload(ctx, b.store, b.scheduler, n); err != nil {
				t.Errorf("reload: %v", err)
			}
			heard <- struct{}{}
		},
	})
	// Listening: the first call tells that a version may have come.
	select {
	case <-heard:
	case <-time.After(waitLimit):
		t.Fatal("not listening")
	}
	query := "service=" + permit + "&from=" + nextSaturday + "&to=" + nextSaturday
	if n := len(b.slots("aarhus", query)); n != 0 {
		t.Fatalf("%d Saturday slots before the change", n)
	}
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	admin := a.login("admin@ics.dk")
	doc := a.getCatalogue(admin)
	openSaturdays(&doc.File, t)
	if r := a.putCatalogue(admin, `"1"`, doc.File, ""); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	changed := time.Now()
	for len(b.slots("aarhus", query)) == 0 {
		if time.Since(changed) > time.Second {
			t.Fatal("the other server lists no Saturday slots a second after the change")
		}
		time.Sleep(10 * time.Millisecond) // polling the condition, with a deadline
	}
	if b.scheduler.CatalogueVersion() != 2 {
		t.Errorf("the other server uses version %d, want 2", b.scheduler.CatalogueVersion())
	}
}

// TestOpenAPICatalogueContract checks the catalogue's operations against
// the document, provoking every status it documents.
func TestOpenAPICatalogueContract(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	a.seedCatalogue()
	c := newContract(t, loadDocument(t, a))
	const valid, invalid = true, false
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	admin := []string{"Cookie", a.login("admin@ics.dk")}
	mette := []string{"Cookie", a.login("mette@ics.dk")}
	const path = "/api/v1/staff/catalogue"
	with := func(headers []string, more ...string) []string { return append(slices.Clone(headers), more...) }

	got := c.exchange(a, "GET", path, nil, 200, valid, mette...)
	var doc catalogueJSON
	if err := json.Unmarshal(got.body, &doc); err != nil {
		t.Fatal(err)
	}
	c.exchange(a, "GET", path, nil, 304, valid, with(mette, "If-None-Match", `"1"`)...)
	c.exchange(a, "GET", path, nil, 401, invalid)

	body := doc
	body.Version = 0
	body.Centers = slices.Clone(doc.Centers)
	openSaturdays(&body.File, t)
	c.exchange(a, "PUT", path, body, 401, invalid, "If-Match", `"1"`)
	c.exchange(a, "PUT", path, body, 403, valid, with(mette, "If-Match", `"1"`)...)
	c.exchange(a, "PUT", path, body, 403, valid, with(admin, "If-Match", `"1"`, "Sec-Fetch-Site", "cross-site")...)
	c.exchange(a, "PUT", path, body, 428, invalid, admin...)
	c.exchange(a, "PUT", path, body, 412, valid, with(admin, "If-Match", "one")...)
	c.exchange(a, "PUT", path, `{"centres":[]}`, 400, invalid, with(admin, "If-Match", `"1"`)...)
	c.exchange(a, "PUT", path, `{"name":"`+strings.Repeat("a", 70<<10)+`"}`, 413, invalid, with(admin, "If-Match", `"1"`)...)
	c.exchange(a, "PUT", path, body, 415, valid, with(admin, "If-Match", `"1"`, "Content-Encoding", "gzip")...)
	bad := body.File
	bad.Centers = slices.Clone(bad.Centers)
	centerIn(t, &bad, "aarhus").Desks = -1
	c.exchange(a, "PUT", path, catalogueJSON{File: bad}, 422, valid, with(admin, "If-Match", `"1"`)...)
	c.exchange(a, "PUT", path, body, 200, valid, with(admin, "If-Match", `"1"`)...)
	c.exchange(a, "PUT", path, body, 412, valid, with(admin, "If-Match", `"1"`)...)
	a.book(bookingBody("aarhus", permit, nextSaturday+"T10:00:00+01:00"))
	c.exchange(a, "PUT", path, doc, 409, valid, with(admin, "If-Match", `"2"`)...)
	c.exchange(a, "PUT", path+"?cancel_stranded=maybe", doc, 400, invalid, with(admin, "If-Match", `"2"`)...)
	c.exchange(a, "PUT", path+"?cancel_stranded=true&reason=Closed+on+Saturdays", doc, 200, valid, with(admin, "If-Match", `"2"`)...)

	// A body that stops halfway is answered 408 once the read timeout ends.
	slow := a.withReadTimeout(500 * time.Millisecond)
	const partial = `{"time_zone":"`
	res := slow.rawRequest(strings.Replace(slowRequest(path, "application/json", partial, with(admin, "If-Match", `"3"`)...), "POST ", "PUT ", 1))
	if res.status != 408 {
		t.Errorf("PUT with a slow body: %d %s", res.status, res.body)
	}
	if err := c.validate("PUT", path, []byte(partial), true, with(admin, "If-Match", `"3"`), res, invalid); err != nil {
		t.Errorf("the %d response does not match the document: %v", res.status, err)
	}

	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	c.exchange(a, "GET", path, nil, 500, valid, mette...)
	c.exchange(a, "PUT", path, body, 500, valid, with(admin, "If-Match", `"3"`)...)
	c.sawEveryStatus(catalogueOperations)
}
