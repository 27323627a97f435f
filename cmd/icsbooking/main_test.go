package main

import (
	"context"
	"encoding/json"
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

	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// TestServeAndShutDown starts the real binary's run on a fresh SQLite file,
// answers a request, and shuts down cleanly when its context ends.
func TestServeAndShutDown(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startServer(t, dir, nil)
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
	if err := stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// startServer runs the binary's run on a fresh SQLite file in dir with the given
// extra settings, and returns its address and a function that shuts it
// down and returns run's error.
func startServer(t *testing.T, dir string, extra map[string]string) (string, func() error) {
	t.Helper()
	vars := map[string]string{
		"ICS_ADDR":               "127.0.0.1:0",
		"ICS_DATABASE_URL":       "sqlite:" + filepath.Join(dir, "data", "ics.db"),
		"ICS_SECRET_KEY_FILE":    filepath.Join(dir, "data", "secret.key"),
		"ICS_MAIL_DIR":           filepath.Join(dir, "data", "mail"),
		"ICS_JOBS_POLL_INTERVAL": "50ms",
	}
	maps.Copy(vars, extra)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), io.Discard, ready) }()
	select {
	case addr := <-ready:
		stop := sync.OnceValue(func() error {
			cancel()
			return <-done
		})
		t.Cleanup(func() { _ = stop() })
		return addr, stop
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v", err)
		return "", nil
	}
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

// bookFirstSlot books the first free slot in Aarhus in the next two weeks
// for email, and returns the status and the booking's reference.
func bookFirstSlot(t *testing.T, base, email string) (int, string) {
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
	body := fmt.Sprintf(`{"center":"aarhus","service":"residence-permit-renewal","start":%q,"name":"Ana Silva","email":%q}`, slots.Slots[0].Start, email)
	res, err = http.Post(base+"/api/v1/bookings", "application/json", strings.NewReader(body))
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
