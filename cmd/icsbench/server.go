package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ics-booking/icsbooking/configs"
)

var servingAt = regexp.MustCompile(`msg=serving addr=(\S+)`)

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

// roundTheClock writes the built-in catalogue with every center open every
// day, all day, so that the bench finds slots at any hour.
func roundTheClock(dir string) (string, error) {
	var out strings.Builder
	lines := strings.Split(string(configs.Catalogue), "\n")
	for i := 0; i < len(lines); i++ {
		out.WriteString(lines[i] + "\n")
		if lines[i] != "    hours:" {
			continue
		}
		for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			out.WriteString("      " + day + `: "00:00-24:00"` + "\n")
		}
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "      ") {
			i++
		}
	}
	path := filepath.Join(dir, "catalogue.yaml")
	return path, os.WriteFile(path, []byte(out.String()), 0o600)
}

// server is the icsbooking binary running as a separate process.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startServer builds ./cmd/icsbooking into dir and runs `serve` with the
// bench's settings, waiting until it logs its address.
func startServer(dir, dbURL, smtpAddr string) (*server, error) {
	bin := filepath.Join(dir, "icsbooking")
	build := exec.Command("go", "build", "-o", bin, "./cmd/icsbooking")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	catalogue, err := roundTheClock(dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"ICS_DATABASE_URL=" + dbURL,
		"ICS_ADDR=127.0.0.1:0",
		"ICS_CATALOGUE=" + catalogue,
		"ICS_SECRET_KEY_FILE=" + filepath.Join(dir, "secret.key"),
		"ICS_SMTP_URL=smtp://" + smtpAddr,
		"ICS_SMTP_TLS=none",
		"ICS_REMINDER_AT=off",
		"ICS_RATE_LIMIT_PER_MINUTE=0",
		"ICS_MAX_ACTIVE_BOOKINGS=0",
		"ICS_BOOKING_NOTICE=0s",
		"ICS_BOOKING_HORIZON_DAYS=3650",
		// For a look inside while it runs: go tool pprof http://ADDR/debug/pprof/profile
		"ICS_PPROF_ADDR=" + os.Getenv("ICSBENCH_PPROF_ADDR"),
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var head strings.Builder // the log until the address, for a failed start
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := servingAt.FindSubmatch(lines.Bytes()); m != nil {
				addr <- string(m[1])
			} else if head.Len() < 4000 {
				head.Write(lines.Bytes())
				head.WriteByte('\n')
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("server stopped: %v\n%s", err, head.String())
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		return nil, fmt.Errorf("server did not serve within a minute")
	}
}

// stop sends SIGTERM and waits for the process to end.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rss returns the process's resident set and its high-water mark in bytes.
func (s *server) rss() (now, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
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
