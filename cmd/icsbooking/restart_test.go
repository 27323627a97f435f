package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// runMainVar makes this test binary run the program instead of its tests,
// so that a test can start the server as a process of its own and kill it.
const runMainVar = "ICSBOOKING_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainVar) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// process is the server running as a process of its own.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://host:port
	done chan error
	mu   sync.Mutex
	logs bytes.Buffer
}

var servingAt = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startProcess runs `icsbooking serve` with the settings vars and nothing
// else of this process's environment, and waits until it serves.
func startProcess(t *testing.T, vars map[string]string) *process {
	t.Helper()
	p := &process{t: t, cmd: exec.Command(os.Args[0], "serve"), done: make(chan error, 1)}
	p.cmd.Env = []string{runMainVar + "=1"}
	for k, v := range vars {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			p.mu.Lock()
			p.logs.Write(lines.Bytes())
			p.logs.WriteByte('\n')
			p.mu.Unlock()
			if m := servingAt.FindSubmatch(lines.Bytes()); m != nil {
				addr <- string(m[1])
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server log:\n%s", p.log())
		}
	})
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		p.done <- err
		t.Fatalf("server stopped: %v\n%s", err, p.log())
	case <-time.After(time.Minute):
		t.Fatalf("server did not start:\n%s", p.log())
	}
	return p
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// terminate sends SIGTERM and expects a clean exit.
func (p *process) terminate() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			p.t.Fatalf("after SIGTERM: %v\n%s", err, p.log())
		}
	case <-time.After(time.Minute):
		p.t.Fatalf("no exit after SIGTERM:\n%s", p.log())
	}
}

// kill sends SIGKILL: nothing of the server's shutdown runs.
func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
	err := <-p.done
	p.done <- err
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		p.t.Fatalf("after SIGKILL: %v", err)
	}
}

// stalledSend waits until the mail server holds a message without
// answering.
func stalledSend(t *testing.T, smtp *smtptest.Server) {
	t.Helper()
	select {
	case <-smtp.Stalled:
	case <-time.After(time.Minute):
		t.Fatal("no send to the stalled mail server")
	}
}

// A deploy while the mail server is slow: SIGTERM during a send, then a
// start whose server is killed (SIGKILL) during a send, then a start with
// the mail server healthy. Every email of the booking, including one made
// after the last start, is delivered within 2 minutes of it, once each, in
// order.
func TestEmailsSurviveRestartsDuringSlowSends(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			smtp := smtptest.Start(t)
			dbURL := storetest.URL(t, dialect)
			vars := map[string]string{
				"ICS_ADDR":            "127.0.0.1:0",
				"ICS_DATABASE_URL":    dbURL,
				"ICS_SECRET_KEY_FILE": filepath.Join(t.TempDir(), "secret.key"),
				"ICS_SMTP_URL":        smtp.URL(),
				// A stall outlasts the shutdown timeout.
				"ICS_SMTP_TIMEOUT":       "3s",
				"ICS_SHUTDOWN_TIMEOUT":   "1s",
				"ICS_MAIL_RETRY_BASE":    "10ms",
				"ICS_MAIL_RETRY_MAX":     "1s",
				"ICS_JOBS_POLL_INTERVAL": "100ms",
				"ICS_REMINDER_AT":        "off",
			}
			smtp.Stall()

			server := startProcess(t, vars)
			slots := freeSlots(t, server.base)
			ref, token := book(t, server.base, slots[0])
			stalledSend(t, smtp)
			server.terminate()
			// The send was cancelled at the shutdown timeout, and recorded.
			if e := emailsOf(t, dbURL, ref)[0]; e.State != booking.EmailQueued || e.Attempts != 1 {
				t.Errorf("after SIGTERM: email %s after %d attempts, want queued after 1", e.State, e.Attempts)
			}

			server = startProcess(t, vars)
			call(t, "POST", server.base+"/api/v1/bookings/"+ref+"/reschedule", token,
				fmt.Sprintf(`{"start":%q}`, slots[1]), 200, nil)
			stalledSend(t, smtp)
			server.kill()

			smtp.Unstall()
			server = startProcess(t, vars)
			call(t, "POST", server.base+"/api/v1/bookings/"+ref+"/cancel", token, "", 200, nil)
			deadline := time.After(2 * time.Minute)
			for i, want := range []struct{ method, sequence string }{{"REQUEST", "0"}, {"REQUEST", "1"}, {"CANCEL", "2"}} {
				select {
				case m := <-smtp.Messages:
					p, err := smtptest.Parse(m.Data)
					if err != nil {
						t.Fatal(err)
					}
					if seq := sequence(p.Calendar); p.CalendarMethod != want.method || seq != want.sequence {
						t.Errorf("email %d: %s sequence %s, want %s %s", i+1, p.CalendarMethod, seq, want.method, want.sequence)
					}
				case <-deadline:
					t.Fatalf("email %d not delivered within 2 minutes of the restart:\n%s", i+1, server.log())
				}
			}
			server.terminate()
			for _, e := range emailsOf(t, dbURL, ref) {
				if e.State != booking.EmailSent {
					t.Errorf("email %d (%s) is %s", e.ID, e.Kind, e.State)
				}
			}
			select {
			case m := <-smtp.Messages:
				t.Errorf("a fourth email:\n%s", m.Data)
			default:
			}
		})
	}
}

var sequenceLine = regexp.MustCompile(`(?m)^SEQUENCE:(\d+)\r?$`)

// sequence is the SEQUENCE of an invitation.
func sequence(calendar []byte) string {
	if m := sequenceLine.FindSubmatch(calendar); m != nil {
		return string(m[1])
	}
	return ""
}

// emailsOf reads the email records of a booking from the database.
func emailsOf(t *testing.T, dbURL, ref string) []booking.Email {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := st.Booking(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	emails, err := st.Emails(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return emails
}
