package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/configs"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// TestServeAndShutDown starts the real binary's run on a fresh SQLite file,
// answers a request, and shuts down cleanly when its context ends.
func TestServeAndShutDown(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startServer(t, dir, nil)
	// Ready: the database answers, is migrated, and the workers run.
	if res, err := http.Get("http://" + addr + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	res, err := http.Get("http://" + addr + "/api/v1/centers/aalborg")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Boulevarden 13, 9000 Aalborg") {
		t.Errorf("GET aalborg: %d %s", res.StatusCode, body)
	}

	// Without ICS_SMTP_URL a booking's email lands in ICS_MAIL_DIR.
	status, ref := bookFirstSlot(t, "http://"+addr, "ana@example.com")
	if status != http.StatusCreated {
		t.Fatalf("book: %d", status)
	}
	eml := waitForFile(t, filepath.Join(dir, "data", "mail"))
	if !strings.Contains(string(eml), "Message-ID: <"+ref+".0.confirmation@127.0.0.1>") ||
		!strings.Contains(string(eml), "text/calendar; method=REQUEST") {
		t.Errorf("email file:\n%s", eml)
	}
	// An .eml file takes any address.
	if status, _ := bookFirstSlot(t, "http://"+addr, "müller@example.com"); status != http.StatusCreated {
		t.Errorf("book for müller@example.com: %d", status)
	}

	// The metrics count the bookings, the requests and the emails; the
	// second email may still be on its way.
	deadline := time.Now().Add(30 * time.Second)
	for want := []string{
		`icsbooking_bookings_total{outcome="created"} 2`,
		`icsbooking_http_request_duration_seconds_count{method="POST",route="/api/v1/bookings",status="201"} 2`,
		`icsbooking_emails_total{outcome="sent"} 2`,
		`icsbooking_email_delivery_seconds_count 2`,
		`icsbooking_emails_queued 0`,
		`icsbooking_jobs{state="available"}`,
		`icsbooking_queue_waiting{center="aarhus"} 0`,
	}; ; {
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		missing := slices.DeleteFunc(slices.Clone(want), func(w string) bool { return strings.Contains(string(body), w) })
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %q:\n%s", missing, body)
		}
		time.Sleep(100 * time.Millisecond) // polling the condition, with a deadline
	}
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// serverVars are the settings of a test server on the given database, with
// its files in dir.
func serverVars(dir, databaseURL string) map[string]string {
	return map[string]string{
		"ICS_ADDR":               "127.0.0.1:0",
		"ICS_DATABASE_URL":       databaseURL,
		"ICS_SECRET_KEY_FILE":    filepath.Join(dir, "data", "secret.key"),
		"ICS_MAIL_DIR":           filepath.Join(dir, "data", "mail"),
		"ICS_JOBS_POLL_INTERVAL": "50ms",
	}
}

// startRun runs the binary's run with the settings vars until ctx ends and
// waits until it serves: it returns the address and the channel run's
// error will come on, or the error that kept the server from serving.
func startRun(t *testing.T, ctx context.Context, vars map[string]string) (string, <-chan error, error) {
	t.Helper()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), nil, io.Discard, io.Discard, ready) }()
	select {
	case addr := <-ready:
		return addr, done, nil
	case err := <-done:
		if err == nil {
			t.Fatal("serve returned before serving, without an error")
		}
		return "", nil, err
	case <-time.After(time.Minute):
		t.Fatal("the server neither served nor failed within a minute")
		return "", nil, nil
	}
}

// serveOnce starts the server and stops it as soon as it serves. It returns
// the error that kept the server from serving, or nil if it served.
func serveOnce(t *testing.T, vars map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, done, err := startRun(t, ctx, vars)
	if err != nil {
		return err
	}
	cancel()
	if err := within(t, done, "shut down"); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return nil
}

// within returns the value that comes on ch, failing the test if none
// comes within a minute; what says what it waited for.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("did not %s within a minute", what)
		var zero T
		return zero
	}
}

// startServer runs the binary's run on a fresh SQLite file in dir with the
// given extra settings, and returns its address and a function that shuts
// it down and returns run's error.
func startServer(t *testing.T, dir string, extra map[string]string) (string, func() error) {
	t.Helper()
	vars := serverVars(dir, "sqlite:"+filepath.Join(dir, "data", "ics.db"))
	maps.Copy(vars, extra)
	// Not the test's context: the server runs until stop, which the
	// cleanups call after that context has ended.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // also if it never serves
	addr, done, err := startRun(t, ctx, vars)
	if err != nil {
		t.Fatalf("serve stopped: %v", err)
	}
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			return errors.New("the server did not shut down within a minute")
		}
	})
	t.Cleanup(func() { _ = stop() })
	return addr, stop
}

// TestEmailAddressesOverSMTP books through the binary with a real SMTP
// server that does not offer SMTPUTF8: an internationalized domain is sent
// in ASCII, and a local part outside ASCII is refused when booking.
func TestEmailAddressesOverSMTP(t *testing.T) {
	mailServer := smtptest.Start(t)
	addr, _ := startServer(t, t.TempDir(), map[string]string{"ICS_SMTP_URL": mailServer.URL(), "ICS_SMTP_TLS": "none"})
	base := "http://" + addr

	if status, _ := bookFirstSlot(t, base, "müller@example.com"); status != http.StatusBadRequest {
		t.Errorf("book for müller@example.com: %d, want 400", status)
	}
	if status, _ := bookFirstSlot(t, base, "ana@bücher.example"); status != http.StatusCreated {
		t.Fatalf("book for ana@bücher.example: %d", status)
	}
	select {
	case m := <-mailServer.Messages:
		if !slices.Equal(m.To, []string{"ana@xn--bcher-kva.example"}) {
			t.Errorf("RCPT TO %q", m.To)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no email arrived")
	}
}

// A catalogue may lose a center or service only once no booking the
// newcomer can still open, and no email still to send, uses it: otherwise
// the manage page would answer 404 and the cancellation email fail. The
// catalogue lives in the database, so it is an import that is refused; a
// different ICS_CATALOGUE at a restart only seeds a new database.
func TestImportRefusesCatalogueLackingBookedService(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vars := serverVars(dir, storetest.URL(t, dialect))
			// A first start seeds the catalogue and makes the key the
			// bookings are sealed with.
			if err := serveOnce(t, vars); err != nil {
				t.Fatalf("first start: %v", err)
			}
			st, err := store.Open(t.Context(), vars["ICS_DATABASE_URL"], nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			now := time.Now()
			add := func(ref, service string, start time.Time, email booking.EmailKind) {
				t.Helper()
				b := booking.Booking{
					Reference: ref, TokenHash: booking.HashToken(ref), TokenSealed: []byte(ref),
					Center: "aarhus", Service: service, Start: start, End: start.Add(time.Hour),
					Name: "Ana Silva", Email: "ana@example.com", Locale: "en", Status: booking.Confirmed,
					CreatedAt: now, UpdatedAt: now,
				}
				if _, err := st.CreateBooking(t.Context(), b, nil, nil, email); err != nil {
					t.Fatalf("CreateBooking(%s): %v", ref, err)
				}
			}
			add("AAR-AAAAA1", "tax-card", now.Add(72*time.Hour), "")
			add("AAR-AAAAA2", "tax-card", now.Add(96*time.Hour), "")
			add("AAR-AAAAA3", "families", now.Add(-72*time.Hour), booking.EmailCancellation)
			add("AAR-AAAAA4", "students", now.Add(-72*time.Hour), "")

			lacking := catalogueWithout(t, "tax-card", "families", "students")
			_, err = catalogueCLI(t, vars, "import", lacking)
			if err == nil || !strings.Contains(err.Error(), "still use") ||
				!strings.Contains(err.Error(), `2 bookings of service "tax-card" at center "aarhus"`) ||
				!strings.Contains(err.Error(), `1 booking of service "families"`) ||
				strings.Contains(err.Error(), "students") {
				t.Errorf("import of a catalogue lacking booked services: %v", err)
			}
			// A restart with that file keeps the catalogue of the database.
			vars["ICS_CATALOGUE"] = lacking
			if err := serveOnce(t, vars); err != nil {
				t.Errorf("restart with another ICS_CATALOGUE: %v", err)
			}
			if v, err := st.CatalogueVersion(t.Context(), 0); err != nil || v.Number != 1 {
				t.Errorf("latest version %d (%v), want 1", v.Number, err)
			}
			// A booking past its manage link with no email to send holds
			// nothing back.
			out, err := catalogueCLI(t, vars, "import", catalogueWithout(t, "students"))
			if err != nil || !strings.Contains(out, "as catalogue version 2") {
				t.Errorf("import of a catalogue lacking a service of past bookings: %q, %v", out, err)
			}
		})
	}
}

// catalogueWithout writes the built-in catalogue without the given services
// to a file and returns its path.
func catalogueWithout(t *testing.T, services ...string) string {
	t.Helper()
	lines := strings.SplitAfter(string(configs.Catalogue), "\n")
	var kept strings.Builder
	skipping := false
	for _, line := range lines {
		if id, ok := strings.CutPrefix(line, "  - id: "); ok {
			skipping = slices.Contains(services, strings.TrimSpace(id))
		}
		if !skipping {
			kept.WriteString(line)
		}
	}
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(kept.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"fly"}, nil, "serve, migrate, staff or catalogue"},
		{[]string{"serve"}, map[string]string{"ICS_BOOKING_HORIZON_DAYS": "0"}, "ICS_BOOKING_HORIZON_DAYS"},
		{[]string{"migrate"}, map[string]string{"ICS_DATABASE_URL": "mysql://x"}, "ICS_DATABASE_URL"},
		{[]string{"serve"}, map[string]string{
			"ICS_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "ics.db"),
			"ICS_CATALOGUE":    filepath.Join(t.TempDir(), "missing.yaml"),
		}, "missing.yaml"},
	} {
		err := run(context.Background(), tt.args, env(tt.vars), nil, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run %v %v: error %v, want it to name %s", tt.args, tt.vars, err, tt.want)
		}
	}
}

func TestMigrateOnly(t *testing.T) {
	vars := map[string]string{"ICS_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "ics.db")}
	for range 2 { // twice: migrating a migrated database is a no-op
		if err := run(context.Background(), []string{"migrate"}, env(vars), nil, io.Discard, io.Discard, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// nearest is how soon after now the slots a test books may start: the
// default booking notice and a margin, so that no slot becomes too near to
// book between its listing and its booking.
const nearest = 2*time.Hour + 15*time.Minute

// freeSlots returns the start times of the free slots in Aarhus in the next
// two weeks that start at least nearest from now, at least two of them.
func freeSlots(t *testing.T, base string) []string {
	t.Helper()
	today := time.Now()
	l := slotsOf(t, base, today.Format(time.DateOnly), today.AddDate(0, 0, 14).Format(time.DateOnly))
	var starts []string
	for _, start := range l.starts {
		if at, err := time.Parse(time.RFC3339, start); err == nil && l.available[start] > 0 && at.After(today.Add(nearest)) {
			starts = append(starts, start)
		}
	}
	if len(starts) < 2 {
		t.Fatalf("free slots: %q of %q", starts, l.starts)
	}
	return starts
}

// listing is the slots of the bookable service in Aarhus on some days.
type listing struct {
	starts    []string
	available map[string]int
}

// slotsOf lists the slots at base on the days from to to (YYYY-MM-DD). A
// failed listing is an error of the test and comes back empty, so that
// goroutines may list.
func slotsOf(t *testing.T, base, from, to string) listing {
	t.Helper()
	res, err := http.Get(base + "/api/v1/centers/aarhus/slots?service=residence-permit-renewal&from=" + from + "&to=" + to)
	if err != nil {
		t.Error(err)
		return listing{}
	}
	defer res.Body.Close()
	var body struct {
		Slots []struct {
			Start     string `json:"start"`
			Available int    `json:"available"`
		} `json:"slots"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("slots at %s: %d %v", base, res.StatusCode, err)
		return listing{}
	}
	l := listing{available: make(map[string]int)}
	for _, s := range body.Slots {
		l.starts = append(l.starts, s.Start)
		l.available[s.Start] = s.Available
	}
	return l
}

// bookFirstSlot books the first free slot in Aarhus in the next two weeks
// for email, and returns the status and the booking's reference.
func bookFirstSlot(t *testing.T, base, email string) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Ana Silva","email":%q}`,
		freeSlots(t, base)[0], email)
	res, err := http.Post(base+"/api/v1/bookings", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var created struct{ Reference string }
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil {
		t.Fatalf("book: %d %v", res.StatusCode, err)
	}
	return res.StatusCode, created.Reference
}

// book books the slot at start in Aarhus and returns the reference and the
// manage token.
func book(t *testing.T, base, start string) (string, string) {
	t.Helper()
	body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Ana Silva","email":"ana@example.com"}`, start)
	var created struct{ Reference, Token string }
	call(t, http.MethodPost, base+"/api/v1/bookings", "", body, http.StatusCreated, &created)
	return created.Reference, created.Token
}

// call makes an API request with an optional bearer token and JSON body,
// expects the status want and decodes the answer into out, if not nil.
func call(t *testing.T, method, url, token, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// waitForFile returns the first file to appear in dir.
func waitForFile(t *testing.T, dir string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if files, _ := filepath.Glob(filepath.Join(dir, "*.eml")); len(files) > 0 {
			data, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	t.Fatalf("no email in %s", dir)
	return nil
}
