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
	vars := map[string]string{
		"ICS_ADDR":               "127.0.0.1:0",
		"ICS_DATABASE_URL":       "sqlite:" + filepath.Join(dir, "data", "ics.db"),
		"ICS_SECRET_KEY_FILE":    filepath.Join(dir, "data", "secret.key"),
		"ICS_MAIL_DIR":           filepath.Join(dir, "data", "mail"),
		"ICS_JOBS_POLL_INTERVAL": "50ms",
	}
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
	ref, _ := book(t, "http://"+addr, freeSlots(t, "http://"+addr)[0])
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

// freeSlots returns the start times of the free slots in Aarhus in the
// next two weeks, at least two of them.
func freeSlots(t *testing.T, base string) []string {
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
	if err := json.NewDecoder(res.Body).Decode(&slots); err != nil || len(slots.Slots) < 2 {
		t.Fatalf("slots: %v %+v", err, slots)
	}
	starts := make([]string, len(slots.Slots))
	for i, s := range slots.Slots {
		starts[i] = s.Start
	}
	return starts
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
