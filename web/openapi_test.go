package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web"
)

// apiOperations is every operation of the JSON API: the document must
// describe exactly these, and the server must answer each of them.
var apiOperations = slices.Concat(bookingOperations, queueOperations, deskOperations, waitlistOperations)

// bookingOperations are the catalogue's and the bookings' operations,
// which TestOpenAPIContract exercises.
var bookingOperations = []string{
	"GET /api/v1/centers",
	"GET /api/v1/centers/{center}",
	"GET /api/v1/centers/{center}/slots",
	"GET /api/v1/services",
	"POST /api/v1/bookings",
	"GET /api/v1/bookings/{reference}",
	"POST /api/v1/bookings/{reference}/cancel",
	"POST /api/v1/bookings/{reference}/reschedule",
	"GET /api/v1/staff/me",
}

// queueOperations are the walk-in queue's, which TestOpenAPIQueueContract
// exercises.
var queueOperations = []string{
	"POST /api/v1/centers/{center}/tickets",
	"POST /api/v1/centers/{center}/check-ins",
	"GET /api/v1/centers/{center}/queue",
}

// deskOperations are the desks' in the back office, which
// TestOpenAPIDeskContract exercises.
var deskOperations = []string{
	"POST /api/v1/staff/centers/{center}/desks/{desk}/call",
	"POST /api/v1/staff/centers/{center}/tickets/{ticket}/recall",
	"POST /api/v1/staff/centers/{center}/tickets/{ticket}/attend",
	"POST /api/v1/staff/centers/{center}/tickets/{ticket}/serve",
	"POST /api/v1/staff/centers/{center}/tickets/{ticket}/no-show",
	"POST /api/v1/staff/centers/{center}/tickets/{ticket}/move",
}

// openAPIFile is the OpenAPI document, which package api embeds.
const openAPIFile = "api/openapi.json"

// examplePath fills a documented path's parameters with examples.
var examplePath = strings.NewReplacer("{center}", "aarhus", "{reference}", "AAR-000000", "{desk}", "1", "{ticket}", "1")

// loadDocument fetches the document the server serves, checks that it is the
// file on disk, and loads and validates it.
func loadDocument(t *testing.T, a *app) *openapi3.T {
	t.Helper()
	r := a.do("GET", "/api/openapi.json", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET /api/openapi.json: Content-Type %q, want application/json", ct)
	}
	file, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.body, file) {
		t.Error("GET /api/openapi.json does not serve web/" + openAPIFile)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

// documentedOperations lists the document's operations as "METHOD /path".
func documentedOperations(doc *openapi3.T) []string {
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

func TestOpenAPIDocument(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	doc := loadDocument(t, a)
	if doc.OpenAPI != "3.0.3" || doc.Info.Title != "ICS Booking API" || doc.Info.Version != "1.0.0" || doc.Info.Description == "" {
		t.Errorf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers %v, want one with url /", doc.Servers)
	}

	// Kept 2-space indented, so that diffs stay readable.
	file, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, file); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	if !bytes.Equal(indented.Bytes(), file) {
		t.Error("openapi.json is not indented with 2 spaces and ended by a newline")
	}

	// Every operation says what it does, and every error is a problem.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" || op.Description == "" {
				t.Errorf("%s %s lacks an operationId, summary or description", method, path)
			}
			for status, resp := range op.Responses.Map() {
				code, err := strconv.Atoi(status)
				if err != nil {
					t.Errorf("%s %s: response %q is not a status code", method, path, status)
					continue
				}
				if code >= 400 && resp.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s %s: response %s is not application/problem+json", method, path, status)
				}
			}
		}
	}
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	doc := loadDocument(t, a)

	want := slices.Sorted(slices.Values(apiOperations))
	if got := documentedOperations(doc); !slices.Equal(got, want) {
		t.Errorf("the document describes\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if got := ginRoutes(t, a, "/api/v1/"); !slices.Equal(got, want) {
		t.Errorf("the server registers\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}

	// Each documented operation reaches a handler: neither the NoRoute 404
	// nor the NoMethod 405 answers it.
	isNoRoute := func(r response) bool {
		if r.status == http.StatusMethodNotAllowed {
			return true
		}
		var p struct{ Code, Detail string }
		json.Unmarshal(r.body, &p)
		return r.status == http.StatusNotFound && p.Detail == "no such page or endpoint"
	}
	if r := a.do("GET", "/api/v1/nothing", nil); !isNoRoute(r) {
		t.Fatalf("GET /api/v1/nothing: %d %s, want the NoRoute answer", r.status, r.body)
	}
	for _, op := range documentedOperations(doc) {
		method, path, _ := strings.Cut(op, " ")
		var body any
		if method == "POST" {
			body = "{}"
		}
		if r := a.do(method, examplePath.Replace(path), body); isNoRoute(r) {
			t.Errorf("%s is documented but the server has no such route: %d %s", op, r.status, r.body)
		}
	}
}

// ginRoutes lists, as "METHOD /path" with {param} for :param, the routes
// under prefix that the app's engine has.
func ginRoutes(t *testing.T, a *app, prefix string) []string {
	t.Helper()
	param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
	var routes []string
	for _, r := range web.Routes(a.web) {
		if strings.HasPrefix(r.Path, prefix) {
			routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
		}
	}
	if len(routes) == 0 {
		t.Fatalf("the server has no route under %s", prefix)
	}
	slices.Sort(routes)
	return routes
}

// contract checks exchanges with the server against the document.
type contract struct {
	t      *testing.T
	router routers.Router
	opts   *openapi3filter.Options
	// seen holds the statuses each operation answered, by operationId.
	seen map[string]map[string]bool
}

func newContract(t *testing.T, doc *openapi3.T) *contract {
	t.Helper()
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{
		t:      t,
		router: router,
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			// Any bearer token or session cookie is accepted: the server
			// decides whether it is the booking's or a session, and it is its
			// answer that is checked. Only a missing one makes the request
			// itself wrong.
			AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				if in.SecuritySchemeName == "staffSession" {
					if c, err := in.RequestValidationInput.Request.Cookie("ics_staff"); err != nil || c.Value == "" {
						return errors.New("no session cookie")
					}
					return nil
				}
				scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
				if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
					return errors.New("no bearer token")
				}
				return nil
			},
		},
		seen: map[string]map[string]bool{},
	}
}

// validate finds the document's operation for a request and checks the
// server's response to it against the document, returning the response's
// error. It checks the request too: if validRequest, the document must
// accept it; if not (the server refuses it for its form), the document must
// refuse it as well.
func (c *contract) validate(method, target string, body []byte, hasBody bool, headers []string, res response, validRequest bool) error {
	c.t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s is not in the document: %v", method, target, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: c.opts}
	switch err := openapi3filter.ValidateRequest(c.t.Context(), in); {
	case validRequest && err != nil:
		c.t.Errorf("%s %s: the request does not match the document: %v", method, target, err)
	case !validRequest && err == nil:
		c.t.Errorf("%s %s: the document accepts the request, which the server refuses with %d", method, target, res.status)
	}
	if c.seen[route.Operation.OperationID] == nil {
		c.seen[route.Operation.OperationID] = map[string]bool{}
	}
	c.seen[route.Operation.OperationID][strconv.Itoa(res.status)] = true
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: c.opts}
	out.SetBodyBytes(res.body)
	return openapi3filter.ValidateResponse(c.t.Context(), out)
}

// exchange sends a request (body as for app.do), checks the status, and
// checks the response and the request against the document (see validate).
func (c *contract) exchange(a *app, method, target string, body any, status int, validRequest bool, headers ...string) response {
	c.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	var sent any
	if body != nil {
		sent = string(data)
	}
	res := a.do(method, target, sent, headers...)
	if res.status != status {
		c.t.Errorf("%s %s: status %d, want %d: %s", method, target, res.status, status, res.body)
	}
	if err := c.validate(method, target, data, body != nil, headers, res, validRequest); err != nil {
		c.t.Errorf("%s %s: the %d response does not match the document: %v\nbody: %s", method, target, res.status, err, res.body)
	}
	return res
}

func TestOpenAPIContract(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))
	const (
		valid   = true
		invalid = false
		nine    = "2026-11-30T09:00:00+01:00"
		ten     = "2026-11-30T10:00:00+01:00"
		full    = "2026-12-03T11:00:00+01:00"
	)
	slots := "/api/v1/centers/aarhus/slots"

	// The catalogue.
	c.exchange(a, "GET", "/api/v1/centers", nil, 200, valid)
	c.exchange(a, "GET", "/api/v1/centers/aarhus", nil, 200, valid)
	c.exchange(a, "GET", "/api/v1/centers/roskilde", nil, 404, valid)
	c.exchange(a, "GET", "/api/v1/services", nil, 200, valid)

	// Slots.
	c.exchange(a, "GET", slots+"?service="+permit+"&from=2026-11-30&to=2026-11-30", nil, 200, valid)
	c.exchange(a, "GET", slots+"?service="+permit+"&from=2026-11-27&to=2026-12-01&language=ar", nil, 200, valid)
	c.exchange(a, "GET", slots+"?service="+permit+"&from=2027-06-07&to=2027-06-07", nil, 200, valid) // beyond the horizon: none
	c.exchange(a, "GET", slots+"?service=document-translation&language=uk", nil, 200, valid)
	c.exchange(a, "GET", "/api/v1/centers/copenhagen/slots?service="+permit, nil, 200, valid)
	c.exchange(a, "GET", slots, nil, 400, valid) // service or services: a rule between parameters, which OpenAPI 3.0 cannot state
	c.exchange(a, "GET", slots+"?service="+permit+"&from=30-11-2026", nil, 400, invalid)
	c.exchange(a, "GET", slots+"?service="+permit+"&from=2026-12-01&to=2026-11-30", nil, 400, valid)
	c.exchange(a, "GET", slots+"?service=document-translation", nil, 400, valid)
	c.exchange(a, "GET", slots+"?service=nope", nil, 404, valid)
	c.exchange(a, "GET", "/api/v1/centers/roskilde/slots?service="+permit, nil, 404, valid)
	c.exchange(a, "GET", slots+"?service=general-information", nil, 422, valid)
	c.exchange(a, "GET", slots+"?service="+permit+"&language=is", nil, 422, valid)

	// Creating bookings.
	key := "3f1c2a9e-7b4d-4e8a-9c1f-0a2b3c4d5e6f"
	body := bookingBody("aarhus", permit, nine)
	body["phone"] = "+45 12 34 56 78"
	body["language"] = "ar"
	body["notes"] = "Bringing my\nwife's passport"
	body["locale"] = "da"
	created := c.exchange(a, "POST", "/api/v1/bookings", body, 201, valid, "Idempotency-Key", key)
	m := created.json(t)
	ref, tok := m["reference"].(string), m["token"].(string)
	if loc := created.header.Get("Location"); loc != "/api/v1/bookings/"+ref {
		t.Errorf("Location %q", loc)
	}
	c.exchange(a, "POST", "/api/v1/bookings", body, 201, valid, "Idempotency-Key", key) // a retry
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 422, valid, "Idempotency-Key", key)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 400, invalid, "Idempotency-Key", "short")
	c.exchange(a, "POST", "/api/v1/bookings", `{"center":`, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", ``, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", `{"centre":"aarhus"}`, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", `{"center":1}`, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", map[string]any{"center": "aarhus", "service": permit, "email": "nope"}, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "Monday at nine"), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", `{"name":"`+strings.Repeat("a", 70<<10)+`"}`, 413, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", `a=b`, 415, invalid, "Content-Type", "application/x-www-form-urlencoded")
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 415, valid, "Content-Encoding", "gzip")
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T10:00:00+24:00"), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T10:00:30+01:00"), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", `{"center":"aarhus","service":"`+permit+`","start":"`+ten+`","name":"Ana","Email":"ana@example.com"}`, 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("roskilde", permit, ten), 404, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", "haircut", ten), 404, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", "general-information", ten), 422, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-28T09:00:00+01:00"), 422, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T09:15:00+01:00"), 422, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-26T11:00:00+01:00"), 422, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 403, valid, "Sec-Fetch-Site", "cross-site")
	for range 3 { // Aarhus has 3 desks.
		c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, full), 201, valid)
	}
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, full), 409, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, "2026-11-30T08:00:00Z"), 201, valid) // any offset: 09:00 in Aarhus

	// Reading a booking.
	auth := []string{"Authorization", "Bearer " + tok}
	bookingPath := "/api/v1/bookings/" + ref
	got := c.exchange(a, "GET", bookingPath, nil, 200, valid, auth...)
	if _, ok := got.json(t)["token"]; ok {
		t.Error("GET shows the token")
	}
	c.exchange(a, "GET", "/api/v1/bookings/"+strings.ToLower(ref), nil, 200, valid, auth...)
	c.exchange(a, "GET", bookingPath, nil, 401, invalid)
	c.exchange(a, "GET", bookingPath, nil, 401, invalid, "Authorization", "Basic "+tok)
	c.exchange(a, "GET", bookingPath, nil, 404, valid, "Authorization", "Bearer "+tok[:len(tok)-1]+"x")
	c.exchange(a, "GET", "/api/v1/bookings/AAR-000000", nil, 404, valid, auth...)

	// Moving it.
	reschedule := bookingPath + "/reschedule"
	moved := c.exchange(a, "POST", reschedule, map[string]any{"start": "2026-12-02T10:00:00+01:00"}, 200, valid, auth...)
	if s := moved.json(t)["start"]; s != "2026-12-02T10:00:00+01:00" {
		t.Errorf("moved to %v", s)
	}
	c.exchange(a, "POST", reschedule, map[string]any{"start": full}, 409, valid, auth...)
	c.exchange(a, "POST", reschedule, map[string]any{"start": "2026-12-25T09:00:00+01:00"}, 422, valid, auth...)
	c.exchange(a, "POST", reschedule, map[string]any{"start": "2026-11-27T09:00:00+01:00"}, 422, valid, auth...) // interpreter notice
	c.exchange(a, "POST", reschedule, map[string]any{"start": "tomorrow"}, 400, invalid, auth...)
	c.exchange(a, "POST", reschedule, `{}`, 400, invalid, auth...)
	c.exchange(a, "POST", reschedule, `{"start":"2026-12-02T10:00:00+01:00","center":"odense"}`, 400, invalid, auth...)
	c.exchange(a, "POST", reschedule, `{"start":"`+strings.Repeat("1", 70<<10)+`"}`, 413, invalid, auth...)
	c.exchange(a, "POST", reschedule, `start=x`, 415, invalid, "Content-Type", "text/plain", auth[0], auth[1])
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 415, valid, "Content-Encoding", "br", auth[0], auth[1])
	c.exchange(a, "POST", reschedule, map[string]any{"start": "2026-12-02T10:00:00,000+01:00"}, 400, invalid, auth...)
	c.exchange(a, "POST", reschedule, `{"Start":"2026-12-02T10:00:00+01:00"}`, 400, invalid, auth...)
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 401, invalid)
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 404, valid, "Authorization", "Bearer nope")
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 403, valid, "Sec-Fetch-Site", "cross-site", auth[0], auth[1])

	// Cancelling it.
	cancel := bookingPath + "/cancel"
	c.exchange(a, "POST", cancel, nil, 401, invalid)
	c.exchange(a, "POST", cancel, nil, 404, valid, "Authorization", "Bearer nope")
	c.exchange(a, "POST", cancel, nil, 403, valid, "Sec-Fetch-Site", "cross-site", auth[0], auth[1])
	c.exchange(a, "POST", cancel, `{}`, 415, valid, "Content-Encoding", "gzip", auth[0], auth[1])
	if r := c.exchange(a, "POST", cancel, nil, 200, valid, auth...); r.json(t)["status"] != "cancelled" {
		t.Errorf("cancelled %s", r.body)
	}
	c.exchange(a, "POST", cancel, nil, 200, valid, auth...) // again
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 409, valid, auth...)
	c.exchange(a, "GET", bookingPath, nil, 200, valid, auth...)

	// A booking whose time has come can be neither moved nor cancelled.
	pastToken := "past-token-past-token-past-token-past-token"
	start := thursday.Add(-24 * time.Hour)
	_, err := a.store.CreateBooking(t.Context(), booking.Booking{
		Reference: "AAR-PAST01", TokenHash: booking.HashToken(pastToken), TokenSealed: []byte("sealed"), Center: "aarhus", Service: permit,
		Start: start, End: start.Add(45 * time.Minute), Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
		Status: booking.Confirmed, CreatedAt: start.Add(-72 * time.Hour), UpdatedAt: start.Add(-72 * time.Hour),
	}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	pastAuth := []string{"Authorization", "Bearer " + pastToken}
	c.exchange(a, "GET", "/api/v1/bookings/AAR-PAST01", nil, 200, valid, pastAuth...)
	c.exchange(a, "POST", "/api/v1/bookings/AAR-PAST01/cancel", nil, 409, valid, pastAuth...)
	c.exchange(a, "POST", "/api/v1/bookings/AAR-PAST01/reschedule", map[string]any{"start": ten}, 409, valid, pastAuth...)

	// A body that stops halfway is answered 408 once the server's read
	// timeout ends.
	fresh := newApp(t, "sqlite", thursday)
	slowRef, slowToken := fresh.book(bookingBody("aarhus", permit, nine))
	slow := fresh.withReadTimeout(500 * time.Millisecond)
	slowAuth := []string{"Authorization", "Bearer " + slowToken}
	for _, path := range []string{"/api/v1/bookings", "/api/v1/bookings/" + slowRef + "/reschedule"} {
		const partial = `{"start":"2026-`
		res := slow.rawRequest(slowRequest(path, "application/json", partial, slowAuth...))
		if res.status != http.StatusRequestTimeout {
			t.Errorf("POST %s with a slow body: %d %s", path, res.status, res.body)
		}
		if err := c.validate("POST", path, []byte(partial), true, slowAuth, res, invalid); err != nil {
			t.Errorf("POST %s: the %d response does not match the document: %v\nbody: %s", path, res.status, err, res.body)
		}
	}

	// Too many requests from one address in a minute.
	limited := newApp(t, "sqlite", thursday, withRateLimit(1))
	limited.spend(1, "")
	c.exchange(limited, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 429, valid)
	c.exchange(limited, "POST", cancel, nil, 429, valid, auth...)
	c.exchange(limited, "POST", reschedule, map[string]any{"start": ten}, 429, valid, auth...)

	// The back office.
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	session := []string{"Cookie", a.login("mette@ics.dk")}
	c.exchange(a, "GET", "/api/v1/staff/me", nil, 200, valid, session...)
	c.exchange(a, "GET", "/api/v1/staff/me", nil, 401, invalid)
	c.exchange(a, "GET", "/api/v1/staff/me", nil, 401, invalid, auth...)
	c.exchange(a, "GET", "/api/v1/staff/me", nil, 401, valid, "Cookie", "ics_staff="+tok)

	// When the database is gone, every operation that needs it answers 500.
	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	c.exchange(a, "GET", "/api/v1/staff/me", nil, 500, valid, session...)
	c.exchange(a, "GET", "/api/v1/centers", nil, 500, valid)
	c.exchange(a, "GET", "/api/v1/centers/aarhus", nil, 500, valid)
	c.exchange(a, "GET", slots+"?service="+permit, nil, 500, valid)
	c.exchange(a, "POST", "/api/v1/bookings", bookingBody("aarhus", permit, ten), 500, valid)
	c.exchange(a, "GET", bookingPath, nil, 500, valid, auth...)
	c.exchange(a, "POST", cancel, nil, 500, valid, auth...)
	c.exchange(a, "POST", reschedule, map[string]any{"start": ten}, 500, valid, auth...)

	// Every documented status was seen, except those no request can provoke:
	// the services are in memory, so only a panic would give a 500.
	c.sawEveryStatus(bookingOperations, "listServices 500")
}

// TestOpenAPIVisitContract checks visits for several services and people
// against the document: the slots that fit them, booking one, and the
// answers that show it.
func TestOpenAPIVisitContract(t *testing.T) {
	const (
		valid   = true
		invalid = false
	)
	slots := "/api/v1/centers/aarhus/slots?from=" + nov30 + "&to=" + nov30 + "&"
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))

	// Slots. The document cannot state that service and services exclude
	// each other, nor the limits of a center and its services.
	c.exchange(a, "GET", slots+familyQuery, nil, 200, valid)
	c.exchange(a, "GET", slots+"services="+cprNumber, nil, 200, valid)
	c.exchange(a, "GET", slots+"service="+permit+"&people=6", nil, 200, valid)
	c.exchange(a, "GET", slots+"service="+cprNumber+"&services="+taxCard, nil, 400, valid)
	c.exchange(a, "GET", slots+"services=", nil, 400, invalid)
	c.exchange(a, "GET", slots+"services="+cprNumber+","+cprNumber, nil, 400, invalid)
	c.exchange(a, "GET", slots+"services="+cprNumber+",haircut", nil, 400, valid)
	c.exchange(a, "GET", slots+"services="+cprNumber+","+taxCard+",mitid,eu-residence-document", nil, 400, valid)
	c.exchange(a, "GET", slots+"services="+cprNumber+"&people=0", nil, 400, invalid)
	c.exchange(a, "GET", slots+"services="+cprNumber+"&people=two", nil, 400, invalid)
	c.exchange(a, "GET", slots+"services="+cprNumber+","+taxCard+"&people=5", nil, 400, valid)
	c.exchange(a, "GET", slots+"services="+cprNumber+",general-information", nil, 422, valid)

	// Booking a visit, and refusals of what is wrong with it.
	nine := aarhusTime(nov30, "09:00")
	visit := []string{cprNumber, taxCard}
	created := c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", visit, 4, nine), 201, valid).json(t)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{"eu-residence-document", cprNumber}, 0, nine), 201, valid)
	c.exchange(a, "POST", "/api/v1/bookings", withField(bookingBody("aarhus", permit, nine), "people", 2), 201, valid)
	c.exchange(a, "POST", "/api/v1/bookings", withField(visitBody("aarhus", visit, 0, nine), "service", cprNumber), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{}, 0, nine), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{cprNumber, cprNumber}, 0, nine), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{cprNumber, "haircut"}, 0, nine), 400, valid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{cprNumber, taxCard, "mitid", "eu-residence-document"}, 0, nine), 400, valid)
	c.exchange(a, "POST", "/api/v1/bookings", withField(visitBody("aarhus", visit, 0, nine), "people", 0), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", withField(visitBody("aarhus", visit, 0, nine), "people", "4"), 400, invalid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", visit, 5, nine), 400, valid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", []string{cprNumber, "general-information"}, 0, nine), 422, valid)
	c.exchange(a, "POST", "/api/v1/bookings", visitBody("aarhus", visit, 4, aarhusTime(nov30, "13:00")), 422, valid)

	// Reading, moving and cancelling it.
	auth := []string{"Authorization", "Bearer " + created["token"].(string)}
	path := "/api/v1/bookings/" + created["reference"].(string)
	checkVisit(t, "read back", c.exchange(a, "GET", path, nil, 200, valid, auth...).json(t), visit, 4, nine, aarhusTime(nov30, "11:30"))
	c.exchange(a, "POST", path+"/reschedule", map[string]any{"start": aarhusTime(dec1, "13:00")}, 422, valid, auth...)
	moved := c.exchange(a, "POST", path+"/reschedule", map[string]any{"start": aarhusTime(dec1, "12:30")}, 200, valid, auth...).json(t)
	checkVisit(t, "moved", moved, visit, 4, aarhusTime(dec1, "12:30"), aarhusTime(dec1, "15:00"))
	c.exchange(a, "POST", path+"/cancel", nil, 200, valid, auth...)
}

// sawEveryStatus checks that the exchanges so far provoked every status the
// document gives for the operations, but the unreachable ones
// ("operationId status").
func (c *contract) sawEveryStatus(operations []string, unreachable ...string) {
	c.t.Helper()
	for _, op := range operations {
		method, path, _ := strings.Cut(op, " ")
		route, _, err := c.router.FindRoute(httptest.NewRequest(method, examplePath.Replace(path), nil))
		if err != nil {
			c.t.Fatal(err)
		}
		id := route.Operation.OperationID
		for status := range route.Operation.Responses.Map() {
			if !c.seen[id][status] && !slices.Contains(unreachable, id+" "+status) {
				c.t.Errorf("%s (%s) documents %s, which no request of this test provoked", id, op, status)
			}
		}
	}
}

// TestOpenAPIContractCatchesDrift makes sure the contract test would notice
// an undocumented status or an undocumented field.
func TestOpenAPIContractCatchesDrift(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	c := newContract(t, loadDocument(t, a))
	ok := a.do("GET", "/api/v1/centers/aarhus", nil)
	if err := c.validate("GET", "/api/v1/centers/aarhus", nil, false, nil, ok, true); err != nil {
		t.Fatalf("a real answer fails: %v", err)
	}
	teapot := ok
	teapot.status = http.StatusTeapot
	if c.validate("GET", "/api/v1/centers/aarhus", nil, false, nil, teapot, true) == nil {
		t.Error("an undocumented status passes")
	}
	extra := ok
	extra.body = bytes.Replace(ok.body, []byte(`{`), []byte(`{"surprise":1,`), 1)
	if c.validate("GET", "/api/v1/centers/aarhus", nil, false, nil, extra, true) == nil {
		t.Error("an undocumented field passes")
	}
	missing := ok
	missing.body = bytes.Replace(ok.body, []byte(`"desks":`), []byte(`"desk_count":`), 1)
	if c.validate("GET", "/api/v1/centers/aarhus", nil, false, nil, missing, true) == nil {
		t.Error("a missing field passes")
	}

	// The token is in the answer that creates a booking, and only there.
	ref, tok := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	auth := []string{"Authorization", "Bearer " + tok}
	read := a.do("GET", "/api/v1/bookings/"+ref, nil, auth...)
	if err := c.validate("GET", "/api/v1/bookings/"+ref, nil, false, auth, read, true); err != nil {
		t.Fatalf("a real answer fails: %v", err)
	}
	withToken := read
	withToken.body = bytes.Replace(read.body, []byte(`{`), []byte(`{"token":"`+tok+`",`), 1)
	if c.validate("GET", "/api/v1/bookings/"+ref, nil, false, auth, withToken, true) == nil {
		t.Error("a token in a 200 answer passes")
	}
	withoutToken := read
	withoutToken.status = http.StatusCreated
	withoutToken.header = read.header.Clone()
	withoutToken.header.Set("Location", "/api/v1/bookings/"+ref)
	body := []byte(`{}`)
	if c.validate("POST", "/api/v1/bookings", body, true, nil, withoutToken, false) == nil {
		t.Error("a 201 answer without a token passes")
	}
}
