// Package servertest runs the icsbooking server as a process of its own, as
// a deploy runs it, for the tests that start, kill and restart real servers
// (cmd/icsbooking) and for the bench (cmd/icsbench). It imports no testing
// package: its functions return errors, and a test decides what they mean.
package servertest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/ics-booking/icsbooking/booking/bookingtest"
)

// StartTimeout bounds the wait for a started server to serve: migrating
// and starting take seconds even under -race on a busy machine.
const StartTimeout = time.Minute

// keptLog is how much of a server's log a Process keeps, the most recent.
const keptLog = 1 << 20

// Settings returns the settings (ICS_* variables) of a server on the
// database at databaseURL that sends its emails to the plain SMTP server at
// smtpURL (such as smtptest.Server.URL) and books at any hour: the
// catalogue is bookingtest.RoundTheClock, written into dir with the secret
// key file; no booking notice, no limit on requests or active bookings per
// address, no reminders, and no walk-in cutoff or closed days besides the
// public holidays. Callers add or change settings for what they test.
func Settings(dir, databaseURL, smtpURL string) (map[string]string, error) {
	catalogue := filepath.Join(dir, "round-the-clock.yaml")
	if err := os.WriteFile(catalogue, bookingtest.RoundTheClock(0), 0o600); err != nil {
		return nil, err
	}
	return map[string]string{
		"ICS_ADDR":                  "127.0.0.1:0",
		"ICS_DATABASE_URL":          databaseURL,
		"ICS_CATALOGUE":             catalogue,
		"ICS_SECRET_KEY_FILE":       filepath.Join(dir, "secret.key"),
		"ICS_SMTP_URL":              smtpURL,
		"ICS_SMTP_TLS":              "none",
		"ICS_REMINDER_AT":           "off",
		"ICS_RATE_LIMIT_PER_MINUTE": "0",
		// Tests take every walk-in ticket from one address.
		"ICS_TICKETS_PER_ADDRESS": "0",
		"ICS_MAX_ACTIVE_BOOKINGS": "0",
		"ICS_BOOKING_NOTICE":      "0s",
		"ICS_WALKIN_CUTOFF":       "0s",
		"ICS_CLOSED_DAYS":         "none",
	}, nil
}

// Build builds cmd/icsbooking into dir and returns the binary's path. It
// runs the go command, so the working directory must be inside the module.
func Build(dir string) (string, error) {
	path := filepath.Join(dir, "icsbooking")
	cmd := exec.Command("go", "build", "-o", path, "github.com/ics-booking/icsbooking/cmd/icsbooking")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build icsbooking: %w\n%s", err, out)
	}
	return path, nil
}

// Process is a server running as a process of its own.
type Process struct {
	// URL is where it serves, such as http://127.0.0.1:40123.
	URL string

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has ended and err is set
	err  error         // cmd.Wait's

	mu  sync.Mutex
	log bytes.Buffer
}

var servingAt = regexp.MustCompile(`msg=serving addr=(\S+)`)

// Start runs the program at path with args (such as "serve") and with env
// as its whole environment, nothing inherited, and waits until it logs the
// address it serves on (icsbooking's text log format), for StartTimeout at
// most. A process that does not serve by then is killed; the error holds
// its log.
func Start(path string, env map[string]string, args ...string) (*Process, error) {
	p := &Process{cmd: exec.Command(path, args...), done: make(chan struct{})}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		p.cmd.Env = append(p.cmd.Env, k+"="+env[k])
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		lines.Buffer(nil, keptLog)
		for lines.Scan() {
			p.keep(lines.Bytes())
			if m := servingAt.FindSubmatch(lines.Bytes()); m != nil {
				select {
				case addr <- string(m[1]):
				default:
				}
			}
		}
		// A line too long for the scanner ends it: keep the pipe drained,
		// or the process would block writing to it.
		_, _ = io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	select {
	case a := <-addr:
		p.URL = "http://" + a
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("server stopped before serving: %v\n%s", p.err, p.Log())
	case <-time.After(StartTimeout):
		p.Kill()
		return nil, fmt.Errorf("server did not serve within %s:\n%s", StartTimeout, p.Log())
	}
}

// keep adds a line to the log, dropping the oldest half once it holds
// twice keptLog.
func (p *Process) keep(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log.Len() > 2*keptLog {
		p.log.Next(p.log.Len() - keptLog)
	}
	p.log.Write(line)
	p.log.WriteByte('\n')
}

// Log returns what the process has written to its standard error, its log,
// up to the last megabyte or so.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Pid is the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Terminate sends SIGTERM and waits up to timeout for the process to end,
// as systemd stops a server. It returns nil if the process exited cleanly
// and otherwise why not; a process still running after timeout is killed.
func (p *Process) Terminate(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("no exit within %s of SIGTERM", timeout)
	}
}

// Kill sends SIGKILL, so that nothing of the server's shutdown runs, and
// waits for the process to end. Killing an ended process does nothing.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(time.Minute): // the kernel ends a killed process at once
		return errors.New("the process did not end within a minute of SIGKILL")
	}
}
