package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/staff"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != "sqlite:data/icsbooking.db" || c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Notice != 2*time.Hour || c.HorizonDays != 60 || c.InterpreterNoticeDays != 2 || len(c.ClosedDays) != 2 || c.MaxBodyBytes != 65536 {
		t.Errorf("defaults: %+v", c)
	}
	if c.WalkInCutoff != 30*time.Minute || c.CheckInEarly != 15*time.Minute || c.CheckInLate != 15*time.Minute || c.NoShowCalls != 3 {
		t.Errorf("queue defaults: cutoff %s, check-in %s before to %s after, no-show after %d calls",
			c.WalkInCutoff, c.CheckInEarly, c.CheckInLate, c.NoShowCalls)
	}
	// Two workers and River's 100ms between fetches capped delivery at 20
	// emails a second; 16 workers took the CPU bookings need in a rush,
	// delivering no faster than 8 (make bench).
	if c.RetentionDays != 30 || c.SlotCacheTTL != 2*time.Second || c.RateLimitPerMinute != 30 || c.MaxActiveBookings != 3 || c.PprofAddr != "" {
		t.Errorf("defaults: retention %d days, slot cache %s, rate limit %d, active bookings %d, pprof %q",
			c.RetentionDays, c.SlotCacheTTL, c.RateLimitPerMinute, c.MaxActiveBookings, c.PprofAddr)
	}
	if c.LoginThrottle != staff.DefaultThrottle || c.TicketsPerAddress != 2 || c.MaxStreams != 1000 || c.MaxStreamsPerAddress != 10 {
		t.Errorf("abuse defaults: login throttle %+v, want %+v; %d tickets per address; %d streams, %d per address",
			c.LoginThrottle, staff.DefaultThrottle, c.TicketsPerAddress, c.MaxStreams, c.MaxStreamsPerAddress)
	}
	if c.MailWorkers != 4 || c.JobsFetchCooldown != 10*time.Millisecond || c.JobsPollInterval != time.Second {
		t.Errorf("job defaults: %d workers, fetch cooldown %s, poll interval %s", c.MailWorkers, c.JobsFetchCooldown, c.JobsPollInterval)
	}
}

// STARTTLS is required of a mail server elsewhere unless set otherwise, and
// opportunistic for one on this machine.
func TestConfigSMTPTLSDefault(t *testing.T) {
	for _, tt := range []struct{ url, tls, want string }{
		{"", "", "required"},
		{"smtp://mail.example.dk:587", "", "required"},
		{"smtp://user:pass@10.0.0.25", "", "required"},
		{"smtp://127.0.0.1:25", "", "opportunistic"},
		{"smtp://localhost:1025", "", "opportunistic"},
		{"smtp://[::1]:25", "", "opportunistic"},
		{"smtp://mail.example.dk:587", "opportunistic", "opportunistic"},
		{"smtp://127.0.0.1:25", "required", "required"},
	} {
		c, err := loadConfig(env(map[string]string{"ICS_SMTP_URL": tt.url, "ICS_SMTP_TLS": tt.tls}))
		if err != nil {
			t.Fatal(err)
		}
		if c.SMTPTLS != tt.want {
			t.Errorf("ICS_SMTP_URL=%s ICS_SMTP_TLS=%s: %s, want %s", tt.url, tt.tls, c.SMTPTLS, tt.want)
		}
	}
}

func TestConfigOverrides(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"ICS_BOOKING_HORIZON_DAYS": "90",
		"ICS_CLOSED_DAYS":          "none",
		"ICS_BASE_URL":             "https://booking.ics.dk/",
		"ICS_TRUSTED_PROXIES":      "10.0.0.0/8, ::1",
		"ICS_MAX_STREAMS":          "50",
		// 0: no cap per address, for a network whose displays share one.
		"ICS_MAX_STREAMS_PER_ADDRESS": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HorizonDays != 90 || c.ClosedDays != nil || c.BaseURL != "https://booking.ics.dk" || len(c.TrustedProxies) != 2 ||
		c.MaxStreams != 50 || c.MaxStreamsPerAddress != 0 {
		t.Errorf("overrides: %+v", c)
	}
}

func TestConfigInvalidNamesVariable(t *testing.T) {
	for _, tt := range []struct{ name, value string }{
		{"ICS_BOOKING_HORIZON_DAYS", "sixty"},
		{"ICS_BOOKING_NOTICE", "2 hours"},
		{"ICS_CLOSED_DAYS", "24.12"},
		{"ICS_LOG_LEVEL", "loud"},
		{"ICS_LOG_FORMAT", "xml"},
		{"ICS_BASE_URL", "booking.ics.dk"},
		{"ICS_BASE_URL", "https://booking.ics.dk/#x"},
		{"ICS_MAX_BODY_BYTES", "-1"},
		{"ICS_INTERPRETER_NOTICE_DAYS", "x"},
		{"ICS_WALKIN_CUTOFF", "half an hour"},
		{"ICS_CHECKIN_EARLY", "-5m"},
		{"ICS_CHECKIN_LATE", "15"},
		{"ICS_NO_SHOW_CALLS", "0"},
		{"ICS_MAIL_RETRY_MAX", "0s"},
		{"ICS_REMINDER_INTERVAL", "0s"},
		{"ICS_JOBS_POLL_INTERVAL", "1ns"},
		{"ICS_JOBS_FETCH_COOLDOWN", "0s"},
		{"ICS_JOBS_FETCH_COOLDOWN", "2s"}, // longer than the poll interval
		{"ICS_REMINDER_AT", "25:00"},
		{"ICS_MAIL_FROM", "ICS <booking@ics.dk>"},
		{"ICS_SMTP_TLS", "sometimes"},
		{"ICS_CALENDAR_FEED_TOKENS", "aarhus=short"},
		{"ICS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"},
		{"ICS_RATE_LIMIT_PER_MINUTE", "-1"},
		{"ICS_MAX_ACTIVE_BOOKINGS", "three"},
		{"ICS_SLOT_CACHE_TTL", "-1s"},
		{"ICS_PPROF_ADDR", ":6060"}, // every interface
		{"ICS_TICKETS_PER_ADDRESS", "-1"},
		{"ICS_TICKETS_PER_ADDRESS", "two"},
		{"ICS_MAX_STREAMS", "-1"},
		{"ICS_MAX_STREAMS", "a thousand"},
		{"ICS_MAX_STREAMS_PER_ADDRESS", "-10"},
		{"ICS_MAX_STREAMS_PER_ADDRESS", "10.5"},
		{"ICS_LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS", "0"},
		{"ICS_LOGIN_FAILURES_PER_EMAIL", "many"},
		{"ICS_LOGIN_FAILURES_PER_ADDRESS", "-5"},
		{"ICS_LOGIN_LOCKOUT", "1"},
		{"ICS_LOGIN_LOCKOUT", "2h"}, // longer than the longest lockout
		{"ICS_LOGIN_MAX_LOCKOUT", "0s"},
		{"ICS_LOGIN_FAILURES_FORGET", "a day"},
		{"ICS_LOGIN_FAILURES_FORGET", "30m"}, // shorter than the longest lockout
		{"ICS_PPROF_ADDR", "10.0.0.5:6060"},
	} {
		_, err := loadConfig(env(map[string]string{tt.name: tt.value}))
		if err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s=%q: error %v does not name it", tt.name, tt.value, err)
		}
	}
}

// Every variable the server reads is documented in configs/example.env and
// in the README's table.
func TestEveryVariableDocumented(t *testing.T) {
	l := &loader{getenv: env(nil)}
	readConfig(l)
	example, err := os.ReadFile("../../configs/example.env")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.names) < 10 {
		t.Fatalf("only %d variables seen", len(l.names))
	}
	for _, name := range l.names {
		if !strings.Contains(string(example), "\n"+name+"=") {
			t.Errorf("%s missing from configs/example.env", name)
		}
		if !strings.Contains(string(readme), "| "+name+" |") {
			t.Errorf("%s missing from the README's configuration table", name)
		}
	}
}
