package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeAndShutDown starts the real binary's run on a fresh SQLite file,
// answers a request, and shuts down cleanly when its context ends.
func TestServeAndShutDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	vars := serverVars(dir, "sqlite:"+filepath.Join(dir, "data", "ics.db"))
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), io.Discard, ready) }()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
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
	ref := bookFirstSlot(t, "http://"+addr)
	eml := waitForFile(t, filepath.Join(dir, "data", "mail"))
	if !strings.Contains(string(eml), "Message-ID: <"+ref+".0.confirmation@127.0.0.1>") ||
		!strings.Contains(string(eml), "text/calendar; method=REQUEST") {
		t.Errorf("email file:\n%s", eml)
	}
	cancel()
	if err := <-done; err != nil {
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

// serveOnce starts the server and stops it as soon as it serves. It returns
// the error that kept the server from serving, or nil if it served.
func serveOnce(t *testing.T, vars map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), io.Discard, ready) }()
	select {
	case <-ready:
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		return nil
	case err := <-done:
		if err == nil {
			t.Fatal("serve returned before serving, without an error")
		}
		return err
	}
}

func TestRunRefusesBadSettings(t *testing.T) {
	for _, tt := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"fly"}, nil, "serve or migrate"},
		{[]string{"serve"}, map[string]string{"ICS_BOOKING_HORIZON_DAYS": "0"}, "ICS_BOOKING_HORIZON_DAYS"},
		{[]string{"migrate"}, map[string]string{"ICS_DATABASE_URL": "mysql://x"}, "ICS_DATABASE_URL"},
		{[]string{"serve"}, map[string]string{
			"ICS_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "ics.db"),
			"ICS_CATALOGUE":    filepath.Join(t.TempDir(), "missing.yaml"),
		}, "missing.yaml"},
	} {
		err := run(context.Background(), tt.args, env(tt.vars), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run %v %v: error %v, want it to name %s", tt.args, tt.vars, err, tt.want)
		}
	}
}

func TestMigrateOnly(t *testing.T) {
	vars := map[string]string{"ICS_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "ics.db")}
	for range 2 { // twice: migrating a migrated database is a no-op
		if err := run(context.Background(), []string{"migrate"}, env(vars), io.Discard, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// bookFirstSlot books the first free slot in Aarhus in the next two weeks.
func bookFirstSlot(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/api/v1/centers/aarhus/slots?service=residence-permit-renewal&to=" + time.Now().AddDate(0, 0, 14).Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var slots struct {
		Slots []struct {
			Start     string `json:"start"`
			Available int    `json:"available"`
		} `json:"slots"`
	}
	if err := json.NewDecoder(res.Body).Decode(&slots); err != nil || len(slots.Slots) == 0 {
		t.Fatalf("slots: %v %+v", err, slots)
	}
	body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Ana Silva","email":"ana@example.com"}`, slots.Slots[0].Start)
	res, err = http.Post(base+"/api/v1/bookings", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var created struct{ Reference string }
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("book: %d %v", res.StatusCode, err)
	}
	return created.Reference
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
