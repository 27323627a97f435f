package main

import (
	"strings"
	"testing"
)

// FuzzLoadConfig reads any value for every setting: the loader never
// panics, and a value it accepts is one the server can run with.
func FuzzLoadConfig(f *testing.F) {
	f.Add("ICS_BOOKING_NOTICE", "2h")
	f.Add("ICS_CLOSED_DAYS", "12-24,02-30")
	f.Add("ICS_CALENDAR_FEED_TOKENS", "aarhus=short")
	f.Add("ICS_REMINDER_AT", "25:61")
	f.Add("ICS_BASE_URL", "https://booking.example.dk/path?x")
	f.Fuzz(func(t *testing.T, name, value string) {
		cfg, err := loadConfig(func(n string) string {
			if n == name {
				return value
			}
			return ""
		})
		if err != nil {
			if !strings.Contains(err.Error(), "ICS_") {
				t.Fatalf("error names no setting: %v", err)
			}
			return
		}
		if cfg.HorizonDays < 1 || cfg.MaxBodyBytes < 1024 || cfg.Addr == "" || cfg.BaseURL == "" {
			t.Fatalf("accepted %s=%q into %+v", name, value, cfg)
		}
	})
}
