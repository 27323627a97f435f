package servertest

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeVar makes this test binary play a server instead of running its
// tests: it logs as icsbooking does, then serves until SIGTERM, or fails at
// once if told to.
const fakeVar = "SERVERTEST_FAKE"

func TestMain(m *testing.M) {
	switch os.Getenv(fakeVar) {
	case "serve":
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		fmt.Fprintln(os.Stderr, `level=INFO msg="database migrated"`)
		fmt.Fprintln(os.Stderr, "level=INFO msg=serving addr=127.0.0.1:8080 base_url=http://127.0.0.1:8080")
		<-stop
		fmt.Fprintln(os.Stderr, `level=INFO msg="shutting down"`)
		os.Exit(0)
	case "fail":
		fmt.Fprintln(os.Stderr, "icsbooking: configuration: ICS_ADDR is wrong")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestStartAndTerminate(t *testing.T) {
	p, err := Start(os.Args[0], map[string]string{fakeVar: "serve"}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "http://127.0.0.1:8080" {
		t.Errorf("URL %q", p.URL)
	}
	if err := p.Terminate(time.Minute); err != nil {
		t.Errorf("Terminate: %v", err)
	}
	if log := p.Log(); !strings.Contains(log, "database migrated") || !strings.Contains(log, "shutting down") {
		t.Errorf("log:\n%s", log)
	}
	if err := p.Kill(); err != nil {
		t.Errorf("Kill after the end: %v", err)
	}
}

func TestKill(t *testing.T) {
	p, err := Start(os.Args[0], map[string]string{fakeVar: "serve"}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Log(), "shutting down") {
		t.Error("a killed server ran its shutdown")
	}
}

func TestStartFails(t *testing.T) {
	_, err := Start(os.Args[0], map[string]string{fakeVar: "fail"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "ICS_ADDR is wrong") {
		t.Errorf("err = %v, want the server's log", err)
	}
}

// The settings book at any hour: the catalogue they name is round the
// clock, and everything else a test would trip over is off.
func TestSettings(t *testing.T) {
	dir := t.TempDir()
	vars, err := Settings(dir, "postgres://db", "smtp://127.0.0.1:2525")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(vars["ICS_CATALOGUE"])
	if err != nil || !strings.Contains(string(data), "sun: 00:00-24:00") {
		t.Errorf("catalogue %s: %v\n%s", vars["ICS_CATALOGUE"], err, data)
	}
	for name, want := range map[string]string{"ICS_DATABASE_URL": "postgres://db", "ICS_SMTP_URL": "smtp://127.0.0.1:2525",
		"ICS_BOOKING_NOTICE": "0s", "ICS_WALKIN_CUTOFF": "0s", "ICS_CLOSED_DAYS": "none"} {
		if vars[name] != want {
			t.Errorf("%s=%q, want %q", name, vars[name], want)
		}
	}
}
