package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAndShutDown starts the real binary's run on a fresh SQLite file,
// answers a request, and shuts down cleanly when its context ends.
func TestServeAndShutDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	vars := map[string]string{
		"ICS_ADDR":            "127.0.0.1:0",
		"ICS_DATABASE_URL":    "sqlite:" + filepath.Join(dir, "data", "ics.db"),
		"ICS_SECRET_KEY_FILE": filepath.Join(dir, "data", "secret.key"),
		"ICS_MAIL_DIR":        filepath.Join(dir, "data", "mail"),
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
