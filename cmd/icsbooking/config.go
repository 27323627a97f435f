package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/notify"
	"github.com/ics-booking/icsbooking/staff"
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
	WaitlistHold          time.Duration // how long a freed seat is held for a waitlist entry
	LinkGrace             time.Duration
	RetentionDays         int // days after an appointment its personal data is kept
	HorizonDays           int
	InterpreterNoticeDays int
	ClosedDays            []booking.MonthDay
	MaxSlotDays           int
	MaxBodyBytes          int64
	ShutdownTimeout       time.Duration
	HTTPReadTimeout       time.Duration
	HTTPWriteTimeout      time.Duration
	DBMaxConns            int
	SecretKeyFile         string
	SMTPURL               string
	SMTPTLS               string
	SMTPTimeout           time.Duration
	MailFrom              string
	MailDir               string
	MailWorkers           int
	MailMaxAttempts       int
	MailRetryBase         time.Duration
	MailRetryMax          time.Duration
	JobsPollInterval      time.Duration
	JobsFetchCooldown     time.Duration
	Reminders             bool
	ReminderAt            time.Duration
	ReminderInterval      time.Duration
	FeedTokens            map[string]string
	TrustedProxies        []string
	WalkInCutoff          time.Duration
	CheckInEarly          time.Duration
	CheckInLate           time.Duration
	NoShowCalls           int
	RateLimitPerMinute    int
	MaxActiveBookings     int
	TicketsPerAddress     int // walk-in tickets per client address, center and day; 0: no limit
	MaxStreams            int // display streams open at once; 0: no cap
	MaxStreamsPerAddress  int // display streams open from one client address; 0: no cap
	LoginThrottle         staff.Throttle
	SlotCacheTTL          time.Duration
	PageCacheTTL          time.Duration
	PprofAddr             string
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
		Notice:                l.duration("ICS_BOOKING_NOTICE", "2h", 0),
		HorizonDays:           l.int("ICS_BOOKING_HORIZON_DAYS", "60", 1, 3650),
		WaitlistHold:          l.duration("ICS_WAITLIST_HOLD", "30m", time.Second),
		LinkGrace:             l.duration("ICS_MANAGE_LINK_GRACE", "24h", 0),
		RetentionDays:         l.int("ICS_RETENTION_DAYS", "30", 1, 3650),
		InterpreterNoticeDays: l.int("ICS_INTERPRETER_NOTICE_DAYS", "2", 0, 60),
		ClosedDays:            l.monthDays("ICS_CLOSED_DAYS", "12-24,12-31"),
		MaxSlotDays:           l.int("ICS_SLOTS_MAX_DAYS", "31", 1, 366),
		SlotCacheTTL:          l.duration("ICS_SLOT_CACHE_TTL", "2s", 0),
		PageCacheTTL:          l.duration("ICS_PAGE_CACHE_TTL", "1s", 0),
		PprofAddr:             l.loopback("ICS_PPROF_ADDR", ""),
		MaxBodyBytes:          int64(l.int("ICS_MAX_BODY_BYTES", "65536", 1024, 10<<20)),
		ShutdownTimeout:       l.duration("ICS_SHUTDOWN_TIMEOUT", "15s", time.Second),
		HTTPReadTimeout:       l.duration("ICS_HTTP_READ_TIMEOUT", "30s", time.Second),
		HTTPWriteTimeout:      l.duration("ICS_HTTP_WRITE_TIMEOUT", "60s", time.Second),
		DBMaxConns:            l.int("ICS_DB_MAX_CONNS", "20", 2, 1000),
		SecretKeyFile:         l.string("ICS_SECRET_KEY_FILE", "data/secret.key"),
		SMTPURL:               l.string("ICS_SMTP_URL", ""),
		SMTPTimeout:           l.duration("ICS_SMTP_TIMEOUT", "30s", time.Second),
		MailFrom:              l.mailbox("ICS_MAIL_FROM", "booking@localhost"),
		MailDir:               l.string("ICS_MAIL_DIR", "data/mail"),
		MailWorkers:           l.int("ICS_MAIL_WORKERS", "4", 1, 100),
		MailMaxAttempts:       l.int("ICS_MAIL_MAX_ATTEMPTS", "25", 1, 1000),
		MailRetryBase:         l.duration("ICS_MAIL_RETRY_BASE", "1s", time.Millisecond),
		MailRetryMax:          l.duration("ICS_MAIL_RETRY_MAX", "1h", time.Millisecond),
		JobsPollInterval:      l.duration("ICS_JOBS_POLL_INTERVAL", "1s", 10*time.Millisecond),
		JobsFetchCooldown:     l.duration("ICS_JOBS_FETCH_COOLDOWN", "10ms", time.Millisecond),
		ReminderInterval:      l.duration("ICS_REMINDER_INTERVAL", "15m", time.Minute),
		FeedTokens:            l.feedTokens("ICS_CALENDAR_FEED_TOKENS", ""),
		TrustedProxies:        l.proxies("ICS_TRUSTED_PROXIES", ""),
		WalkInCutoff:          l.duration("ICS_WALKIN_CUTOFF", "30m", 0),
		CheckInEarly:          l.duration("ICS_CHECKIN_EARLY", "15m", 0),
		CheckInLate:           l.duration("ICS_CHECKIN_LATE", "15m", 0),
		NoShowCalls:           l.int("ICS_NO_SHOW_CALLS", "3", 1, 20),
		RateLimitPerMinute:    l.int("ICS_RATE_LIMIT_PER_MINUTE", "30", 0, 1000000),
		MaxActiveBookings:     l.int("ICS_MAX_ACTIVE_BOOKINGS", "3", 0, 1000),
		TicketsPerAddress:     l.int("ICS_TICKETS_PER_ADDRESS", "2", 0, 1000),
		MaxStreams:            l.int("ICS_MAX_STREAMS", "1000", 0, 1000000),
		MaxStreamsPerAddress:  l.int("ICS_MAX_STREAMS_PER_ADDRESS", "10", 0, 1000000),
		LoginThrottle: staff.Throttle{
			Limit:        l.int("ICS_LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS", "5", 1, 1000000),
			EmailLimit:   l.int("ICS_LOGIN_FAILURES_PER_EMAIL", "50", 1, 1000000),
			AddressLimit: l.int("ICS_LOGIN_FAILURES_PER_ADDRESS", "50", 1, 1000000),
			Lockout:      l.duration("ICS_LOGIN_LOCKOUT", "1m", time.Second),
			MaxLockout:   l.duration("ICS_LOGIN_MAX_LOCKOUT", "1h", time.Second),
			Forget:       l.duration("ICS_LOGIN_FAILURES_FORGET", "24h", time.Second),
		},
	}
	// Required unless the mail server is on this machine.
	c.SMTPTLS = l.oneOf("ICS_SMTP_TLS", notify.DefaultTLSOf(c.SMTPURL), notify.TLSOpportunistic, notify.TLSRequired, notify.TLSNone)
	c.Reminders, c.ReminderAt = l.timeOfDay("ICS_REMINDER_AT", "10:00")
	c.BaseURL = l.baseURL("ICS_BASE_URL", "http://"+c.Addr)
	if c.JobsFetchCooldown > c.JobsPollInterval {
		l.errs = append(l.errs, fmt.Errorf("ICS_JOBS_FETCH_COOLDOWN=%s: must not be longer than ICS_JOBS_POLL_INTERVAL=%s",
			c.JobsFetchCooldown, c.JobsPollInterval))
	}
	if t := c.LoginThrottle; t.MaxLockout < t.Lockout {
		l.errs = append(l.errs, fmt.Errorf("ICS_LOGIN_MAX_LOCKOUT=%s: must not be shorter than ICS_LOGIN_LOCKOUT=%s", t.MaxLockout, t.Lockout))
	} else if t.Forget < t.MaxLockout {
		l.errs = append(l.errs, fmt.Errorf("ICS_LOGIN_FAILURES_FORGET=%s: must not be shorter than ICS_LOGIN_MAX_LOCKOUT=%s", t.Forget, t.MaxLockout))
	}
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

// loopback reads an address to listen on that only this machine reaches
// (localhost or a loopback IP, with a port); empty is allowed.
func (l *loader) loopback(name, def string) string {
	v := l.value(name, def)
	if v == "" {
		return v
	}
	host, _, err := net.SplitHostPort(v)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		l.fail(name, v, "must be a loopback address with a port, such as 127.0.0.1:6060")
	}
	return v
}

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

// duration reads a duration of at least least.
func (l *loader) duration(name, def string, least time.Duration) time.Duration {
	v := l.value(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		l.fail(name, v, fmt.Sprintf("must be a duration of at least %s, such as %s", least, def))
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
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" ||
		u.Fragment != "" || strings.Trim(u.Path, "/") != "" || u.User != nil {
		l.fail(name, v, "must be the site's root URL, such as https://booking.example.dk (no path, query or fragment)")
	}
	return strings.TrimRight(v, "/")
}

func (l *loader) mailbox(name, def string) string {
	v := l.value(name, def)
	if a, err := mail.ParseAddress(v); err != nil || a.Name != "" || a.Address != v {
		l.fail(name, v, "must be a plain email address such as booking@ics.dk")
	}
	return v
}

// timeOfDay reads HH:MM, or "off".
func (l *loader) timeOfDay(name, def string) (bool, time.Duration) {
	v := l.value(name, def)
	if v == "off" {
		return false, 0
	}
	t, err := time.Parse("15:04", v)
	if err != nil {
		l.fail(name, v, "must be a time of day such as 10:00, or off")
		return false, 0
	}
	return true, time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

// feedTokens reads center=token pairs separated by commas. A token must be
// long enough not to be guessed.
func (l *loader) feedTokens(name, def string) map[string]string {
	v := l.value(name, def)
	tokens := map[string]string{}
	if v == "" {
		return tokens
	}
	for _, pair := range strings.Split(v, ",") {
		center, token, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || center == "" || len(token) < 32 {
			// Never echo the value: it holds secrets.
			l.errs = append(l.errs, fmt.Errorf("%s: must be center=token pairs separated by commas, each token at least 32 characters (e.g. from openssl rand -hex 32)", name))
			return map[string]string{}
		}
		tokens[center] = token
	}
	return tokens
}

// proxies reads IP addresses or CIDR ranges separated by commas.
func (l *loader) proxies(name, def string) []string {
	v := l.value(name, def)
	var proxies []string
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, err := netip.ParsePrefix(part); err != nil {
			if _, err := netip.ParseAddr(part); err != nil {
				l.fail(name, v, "must be IP addresses or CIDR ranges separated by commas, such as 10.0.0.0/8,::1")
				return nil
			}
		}
		proxies = append(proxies, part)
	}
	return proxies
}
