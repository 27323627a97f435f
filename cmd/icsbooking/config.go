package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// config is every setting of the server. Each comes from an ICS_* variable
// with a default; configs/example.env lists them all.
type config struct {
	Addr                  string
	BaseURL               string
	DatabaseURL           string
	Catalogue             string // path of a catalogue YAML; empty for the built-in one
	LogLevel              slog.Level
	LogFormat             string
	Notice                time.Duration
	HorizonDays           int
	InterpreterNoticeDays int
	ClosedDays            []booking.MonthDay
	MaxSlotDays           int
	MaxBodyBytes          int64
	ShutdownTimeout       time.Duration
}

// loadConfig reads the settings; an invalid value is an error naming the
// variable.
func loadConfig(getenv func(string) string) (config, error) {
	l := &loader{getenv: getenv}
	c := readConfig(l)
	return c, errors.Join(l.errs...)
}

// readConfig reads every setting through l.
func readConfig(l *loader) config {
	c := config{
		Addr:                  l.string("ICS_ADDR", "127.0.0.1:8080"),
		DatabaseURL:           l.string("ICS_DATABASE_URL", "sqlite:data/icsbooking.db"),
		Catalogue:             l.string("ICS_CATALOGUE", ""),
		LogLevel:              l.logLevel("ICS_LOG_LEVEL", "info"),
		LogFormat:             l.oneOf("ICS_LOG_FORMAT", "text", "text", "json"),
		Notice:                l.duration("ICS_BOOKING_NOTICE", "2h"),
		HorizonDays:           l.int("ICS_BOOKING_HORIZON_DAYS", "60", 1, 3650),
		InterpreterNoticeDays: l.int("ICS_INTERPRETER_NOTICE_DAYS", "2", 0, 60),
		ClosedDays:            l.monthDays("ICS_CLOSED_DAYS", "12-24,12-31"),
		MaxSlotDays:           l.int("ICS_SLOTS_MAX_DAYS", "31", 1, 366),
		MaxBodyBytes:          int64(l.int("ICS_MAX_BODY_BYTES", "65536", 1024, 10<<20)),
		ShutdownTimeout:       l.duration("ICS_SHUTDOWN_TIMEOUT", "15s"),
	}
	c.BaseURL = l.baseURL("ICS_BASE_URL", "http://"+c.Addr)
	return c
}

// loader reads variables and collects every problem, so that one start
// reports them all.
type loader struct {
	getenv func(string) string
	errs   []error
	names  []string // every variable read, for the test that keeps example.env complete
}

func (l *loader) value(name, def string) string {
	l.names = append(l.names, name)
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) fail(name, v, want string) {
	l.errs = append(l.errs, fmt.Errorf("%s=%q: %s", name, v, want))
}

func (l *loader) string(name, def string) string { return l.value(name, def) }

func (l *loader) oneOf(name, def string, allowed ...string) string {
	v := l.value(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	l.fail(name, v, "must be one of "+strings.Join(allowed, ", "))
	return def
}

func (l *loader) int(name, def string, lo, hi int) int {
	v := l.value(name, def)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		l.fail(name, v, fmt.Sprintf("must be a whole number from %d to %d", lo, hi))
	}
	return n
}

func (l *loader) duration(name, def string) time.Duration {
	v := l.value(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.fail(name, v, "must be a duration such as 90m or 2h")
	}
	return d
}

func (l *loader) logLevel(name, def string) slog.Level {
	v := l.value(name, def)
	var level slog.Level
	if err := level.UnmarshalText([]byte(v)); err != nil {
		l.fail(name, v, "must be debug, info, warn or error")
	}
	return level
}

func (l *loader) monthDays(name, def string) []booking.MonthDay {
	v := l.value(name, def)
	if v == "none" {
		return nil
	}
	var days []booking.MonthDay
	for _, part := range strings.Split(v, ",") {
		d, err := booking.ParseMonthDay(strings.TrimSpace(part))
		if err != nil {
			l.fail(name, v, "must be days of the form MM-DD separated by commas, or none")
			return nil
		}
		days = append(days, d)
	}
	return days
}

func (l *loader) baseURL(name, def string) string {
	v := l.value(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		l.fail(name, v, "must be an absolute http or https URL such as https://booking.example.dk")
	}
	return strings.TrimRight(v, "/")
}
