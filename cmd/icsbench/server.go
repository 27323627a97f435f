package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/internal/servertest"
)

// createDatabase creates a fresh database next to the admin URL's and
// returns its URL and a function that drops it.
func createDatabase(ctx context.Context, adminURL string) (string, func(), error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", adminURL, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "icsbench_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "icsbench: drop database %s: %v\n", name, err)
		}
		admin.Close(context.Background())
	}
	return u.String(), drop, nil
}

// retentionDays is how long the server keeps personal data after an
// appointment; the history is erased as the server would have erased it.
const retentionDays = 30

// writeCatalogue writes bookingtest.RoundTheClock with centers centers (at
// least the built-in ones) into dir, so that the bench finds slots at any
// hour, and returns the file's path.
func writeCatalogue(dir string, centers int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("catalogue-%d.yaml", centers))
	return path, os.WriteFile(path, bookingtest.RoundTheClock(centers), 0o600)
}

// binary is the icsbooking binary built for the bench.
type binary struct{ path, dir string }

// build builds cmd/icsbooking into dir.
func build(dir string) (binary, error) {
	path, err := servertest.Build(dir)
	return binary{path: path, dir: dir}, err
}

// serve runs `serve` on the database at dbURL with the bench's settings
// and catalogue, sending emails to the SMTP server at smtpAddr, waiting
// until it serves.
func (b binary) serve(dbURL, catalogue, smtpAddr string) (*servertest.Process, error) {
	vars, err := b.settings(dbURL, catalogue, "smtp://"+smtpAddr)
	if err != nil {
		return nil, err
	}
	return start(b.path, vars)
}

// serveFiles is serve with the emails written as .eml files into mailDir,
// as `make run` writes them (ICS_SMTP_URL empty, ICS_MAIL_DIR).
func (b binary) serveFiles(dbURL, catalogue, mailDir string) (*servertest.Process, error) {
	vars, err := b.settings(dbURL, catalogue, "")
	if err != nil {
		return nil, err
	}
	vars["ICS_MAIL_DIR"] = mailDir
	return start(b.path, vars)
}

var profilesAt = regexp.MustCompile(`pprof_addr=(\S+)`)

// start runs `serve` with vars and, when the server serves profiles, says
// where: with ICSBENCH_PPROF_ADDR=127.0.0.1:0 each server of the bench
// picks a port of its own.
func start(path string, vars map[string]string) (*servertest.Process, error) {
	p, err := servertest.Start(path, vars, "serve")
	if err == nil && vars["ICS_PPROF_ADDR"] != "" {
		if m := profilesAt.FindStringSubmatch(p.Log()); m != nil {
			progress("server at %s serves profiles at http://%s/debug/pprof/", p.URL, m[1])
		}
	}
	return p, err
}

// migrate runs `migrate` on the database at dbURL: the server's tables
// and River's, and nothing else.
func (b binary) migrate(dbURL string) error {
	vars, err := b.settings(dbURL, "", "")
	if err != nil {
		return err
	}
	cmd := exec.Command(b.path, "migrate")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("icsbooking migrate: %w\n%s", err, out)
	}
	return nil
}

// settings are the server's settings in the bench; an empty catalogue
// keeps servertest's.
func (b binary) settings(dbURL, catalogue, smtpURL string) (map[string]string, error) {
	vars, err := servertest.Settings(b.dir, dbURL, smtpURL)
	if err != nil {
		return nil, err
	}
	vars["PATH"] = os.Getenv("PATH")
	if catalogue != "" {
		vars["ICS_CATALOGUE"] = catalogue
	}
	vars["ICS_BOOKING_HORIZON_DAYS"] = "3650"
	vars["ICS_RETENTION_DAYS"] = strconv.Itoa(retentionDays)
	// For a look inside while it runs: go tool pprof http://ADDR/debug/pprof/profile
	vars["ICS_PPROF_ADDR"] = pprofAddr(os.Getenv("ICSBENCH_PPROF_ADDR"))
	// The shared pages' cache, set to 0s to measure the pages without it.
	if ttl := os.Getenv("ICSBENCH_PAGE_CACHE_TTL"); ttl != "" {
		vars["ICS_PAGE_CACHE_TTL"] = ttl
	}
	return vars, nil
}

// pprofAddr is addr, or the same host with a port of the system's choice
// when another of the bench's servers holds addr's port already.
func pprofAddr(addr string) string {
	if addr == "" {
		return ""
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		host, _, _ := net.SplitHostPort(addr)
		return net.JoinHostPort(host, "0")
	}
	ln.Close()
	return addr
}

// stop sends SIGTERM and waits for the process to end, killing it after
// 30 seconds.
func stop(p *servertest.Process) {
	if err := p.Terminate(30 * time.Second); err != nil {
		progress("server at %s: %v", p.URL, err)
	}
}

// rss returns the process's resident set and its high-water mark in bytes.
func rss(p *servertest.Process) (now, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak
}
