package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/configs"
	"github.com/ics-booking/icsbooking/metrics"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web"
	"github.com/ics-booking/icsbooking/web/middleware"
)

// app is the whole server over a real database, with the clock fixed.
type app struct {
	t         testing.TB
	srv       *httptest.Server
	store     *store.Store
	loc       *time.Location
	scheduler *booking.Scheduler
	queue     *booking.Queue
	web       *web.Server
	clock     *bookingtest.Clock
	staff     *staff.Directory
}

// advance moves the app's clock on by d.
func (a *app) advance(d time.Duration) { a.clock.Advance(d) }

// waitLimit bounds every wait for a condition in these tests: generous,
// because it only ends a test that fails, while two browsers and a server
// under the race detector may share two busy cores.
const waitLimit = time.Minute

// feedToken is Aarhus' staff calendar token in tests.
const feedToken = "aarhus-feed-token-0123456789abcdef0123456789"

// thursday is the fixed "now" of most tests: Thursday 26 November 2026,
// 10:00 in Copenhagen.
var thursday = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// appSetup is what options change in the app newApp builds.
type appSetup struct {
	log            io.Writer
	wrap           func(web.Scheduler) web.Scheduler
	utf8LocalParts bool
	catalogue      []byte
	livePoll       time.Duration
	baseURL        string
	trustedProxies []string
	throttle       *staff.Throttle
	ready          func(context.Context) []string
	databaseURL    string
	rateLimit      int
	maxActive      int
	ticketsPerAddr int
	maxStreams     [2]int
	wrapWalkIns    func(web.WalkIns) web.WalkIns
	pageCacheTTL   time.Duration
	storeLog       slog.Handler
	queueReadTTL   time.Duration
}

// withReady sets what /readyz asks.
func withReady(ready func(context.Context) []string) appOption {
	return func(s *appSetup) { s.ready = ready }
}

// withLivePoll sets how often live pages look for changes they were not
// told of.
func withLivePoll(d time.Duration) appOption { return func(s *appSetup) { s.livePoll = d } }

// appOption changes the app newApp builds.
type appOption func(*appSetup)

// withLog sends the server's log to w instead of discarding it.
func withLog(w io.Writer) appOption { return func(s *appSetup) { s.log = w } }

// withScheduler puts wrap's scheduler between the handlers and the real one.
func withScheduler(wrap func(web.Scheduler) web.Scheduler) appOption {
	return func(s *appSetup) { s.wrap = wrap }
}

// withCatalogue serves the catalogue YAML given instead of the built-in one.
func withCatalogue(yaml []byte) appOption { return func(s *appSetup) { s.catalogue = yaml } }

// withBaseURL serves the site as if at base instead of an https address.
func withBaseURL(base string) appOption { return func(s *appSetup) { s.baseURL = base } }

// withTrustedProxies trusts X-Forwarded-For from these addresses.
func withTrustedProxies(proxies ...string) appOption {
	return func(s *appSetup) { s.trustedProxies = proxies }
}

// withThrottle slows down failed staff logins with t instead of the
// default.
func withThrottle(t staff.Throttle) appOption { return func(s *appSetup) { s.throttle = &t } }

// withDatabase opens the database at url (from storetest.URL) instead of
// a new one, as a second server process on the same database does.
func withDatabase(url string) appOption { return func(s *appSetup) { s.databaseURL = url } }

// withRateLimit limits each client address to n limited requests a minute
// (none by default in tests, which book many times a minute).
func withRateLimit(n int) appOption { return func(s *appSetup) { s.rateLimit = n } }

// withMaxActiveBookings lets one email address hold n upcoming bookings
// (any number by default in tests).
func withMaxActiveBookings(n int) appOption { return func(s *appSetup) { s.maxActive = n } }

// withTicketsPerAddress lets one client address take n walk-in tickets at
// a center a day through the API (any number by default in tests).
func withTicketsPerAddress(n int) appOption { return func(s *appSetup) { s.ticketsPerAddr = n } }

// withMaxStreams caps the displays' streams open at once, in all and from
// one client address (none by default in tests).
func withMaxStreams(total, perAddress int) appOption {
	return func(s *appSetup) { s.maxStreams = [2]int{total, perAddress} }
}

// withWalkIns puts wrap's queue between the handlers and the real one.
func withWalkIns(wrap func(web.WalkIns) web.WalkIns) appOption {
	return func(s *appSetup) { s.wrapWalkIns = wrap }
}

// withUTF8LocalParts accepts email addresses with a local part outside
// ASCII, as with a mail server that offers SMTPUTF8.
func withUTF8LocalParts() appOption { return func(s *appSetup) { s.utf8LocalParts = true } }

func newApp(t testing.TB, dialect string, now time.Time, options ...appOption) *app {
	t.Helper()
	setup := appSetup{log: io.Discard, wrap: func(s web.Scheduler) web.Scheduler { return s }, catalogue: configs.Catalogue,
		baseURL: "https://booking.example.dk", wrapWalkIns: func(q web.WalkIns) web.WalkIns { return q }}
	for _, o := range options {
		o(&setup)
	}
	cat, loc, err := catalogue.Parse(configs.CatalogueName, setup.catalogue)
	if err != nil {
		t.Fatal(err)
	}
	var st *store.Store
	if setup.databaseURL == "" && setup.storeLog == nil {
		st = storetest.Open(t, dialect)
	} else {
		if setup.databaseURL == "" {
			setup.databaseURL = storetest.URL(t, dialect)
		}
		var log *slog.Logger
		if setup.storeLog != nil {
			log = slog.New(setup.storeLog)
		}
		if st, err = store.Open(context.Background(), setup.databaseURL, log); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	clk := bookingtest.NewClock(now)
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	policy := bookingtest.Policy(loc)
	policy.UTF8LocalParts = setup.utf8LocalParts
	policy.MaxActiveBookings = setup.maxActive
	// Longer than any test: a listing that misses a change shows.
	policy.SeatCacheTTL = time.Hour
	scheduler := booking.NewScheduler(cat, st, sealer, policy, clk.Now)
	queuePolicy := bookingtest.QueuePolicy()
	queuePolicy.TicketsPerClient = setup.ticketsPerAddr
	queuePolicy.ReadTTL = setup.queueReadTTL
	queue := booking.NewQueue(scheduler, st, queuePolicy)
	directory := staff.NewDirectory(st, clk.Now)
	if setup.throttle != nil {
		directory.SetThrottle(*setup.throttle)
	}
	logger := slog.New(middleware.LogHandler(slog.NewTextHandler(setup.log, nil)))
	streams, endStreams := context.WithCancel(context.Background())
	server := web.New(setup.wrap(scheduler), setup.wrapWalkIns(queue), web.Config{
		BaseURL:               setup.baseURL,
		MailFrom:              "booking@example.dk",
		InterpreterNoticeDays: 2,
		HorizonDays:           60,
		RetentionDays:         45, // not the default 30: the privacy page must show the setting
		MaxBodyBytes:          64 << 10,
		FeedTokens:            map[string]string{"aarhus": feedToken},
		LivePoll:              setup.livePoll,
		Ready:                 setup.ready,
		Metrics:               metrics.New(),
		Streams:               streams,
		MaxStreams:            setup.maxStreams[0],
		MaxStreamsPerAddress:  setup.maxStreams[1],
		TrustedProxies:        setup.trustedProxies,
		RateLimitPerMinute:    setup.rateLimit,
		RateCounter:           st,
		AddressKey:            sealer.DeriveKey("client address"),
		Staff:                 directory,
		Sessions:              st.Sessions(),
		PageCacheTTL:          setup.pageCacheTTL,
		Logger:                logger,
		Now:                   clk.Now,
	})
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	t.Cleanup(endStreams) // before Close, which waits for them
	return &app{t: t, srv: srv, store: st, loc: loc, scheduler: scheduler, queue: queue, web: server, clock: clk, staff: directory}
}

// withReadTimeout returns the app served by a second server, on the same
// handler and database, whose ReadTimeout is d, as cmd/icsbooking sets
// one. Only the requests of a test of that timeout go to it: any other
// request would race the timeout on a busy machine.
func (a *app) withReadTimeout(d time.Duration) *app {
	a.t.Helper()
	srv := httptest.NewUnstartedServer(a.web)
	srv.Config.ReadTimeout = d
	srv.Start()
	a.t.Cleanup(srv.Close)
	slow := *a
	slow.srv = srv
	return &slow
}

// forEachDatabase runs the test on SQLite and on PostgreSQL.
func forEachDatabase(t *testing.T, test func(t *testing.T, dialect string)) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { test(t, d) })
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). headers are name, value pairs.
func (a *app) do(method, path string, body any, headers ...string) response {
	a.t.Helper()
	return a.read(a.srv.Client().Do(a.request(method, path, body, headers...)))
}

// doNoRedirect is do without following a redirect, to see it.
func (a *app) doNoRedirect(method, path string, body any, headers ...string) response {
	a.t.Helper()
	client := *a.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return a.read(client.Do(a.request(method, path, body, headers...)))
}

// request builds the request of do.
func (a *app) request(method, path string, body any, headers ...string) *http.Request {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// read reads an answer, failing the test if there is none.
func (a *app) read(res *http.Response, err error) response {
	a.t.Helper()
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// expectProblem checks an RFC 9457 answer and returns it.
func expectProblem(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["status"] != float64(status) || p["code"] != code || p["title"] != http.StatusText(status) || p["detail"] == "" {
		t.Errorf("problem %v, want status %d code %s", p, status, code)
	}
	return p
}

func bookingBody(center, service, start string) map[string]any {
	return map[string]any{"center": center, "service": service, "start": start, "name": "Ana Silva", "email": "ana@example.com"}
}

// book makes a booking and returns its reference and token.
func (a *app) book(body map[string]any, headers ...string) (string, string) {
	a.t.Helper()
	r := a.do("POST", "/api/v1/bookings", body, headers...)
	if r.status != http.StatusCreated {
		a.t.Fatalf("book %v: %d %s", body, r.status, r.body)
	}
	m := r.json(a.t)
	return m["reference"].(string), m["token"].(string)
}

// slots lists slots as start -> available.
func (a *app) slots(center, query string) map[string]int {
	a.t.Helper()
	m := map[string]int{}
	for _, s := range a.slotList(center, query) {
		m[s.Start] = s.Available
	}
	return m
}

// listedSlot is a slot as the API lists it.
type listedSlot struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Available int    `json:"available"`
}

// slotList lists slots in the order the API gives them.
func (a *app) slotList(center, query string) []listedSlot {
	a.t.Helper()
	r := a.do("GET", "/api/v1/centers/"+center+"/slots?"+query, nil)
	if r.status != http.StatusOK {
		a.t.Fatalf("slots %s: %d %s", query, r.status, r.body)
	}
	var out struct {
		Slots []listedSlot `json:"slots"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		a.t.Fatal(err)
	}
	return out.Slots
}

func (a *app) activeBookings() int {
	a.t.Helper()
	var n int64
	if err := a.store.DB().WithContext(context.Background()).Table("bookings").Where("status = ?", "confirmed").Count(&n).Error; err != nil {
		a.t.Fatal(err)
	}
	return int(n)
}
