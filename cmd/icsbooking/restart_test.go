package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/internal/servertest"
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
	// Every request of the tests ends, so that a server that stops
	// answering fails a test instead of holding it until go test's timeout.
	http.DefaultClient.Timeout = time.Minute
	os.Exit(m.Run())
}

// startProcess runs `icsbooking serve` (this test binary, see TestMain)
// as a process of its own with the settings vars and nothing else of this
// process's environment, and waits until it serves. The process is killed
// when the test ends, and its log shown if the test failed.
func startProcess(t *testing.T, vars map[string]string) *servertest.Process {
	t.Helper()
	env := maps.Clone(vars)
	env[runMainVar] = "1"
	p, err := servertest.Start(os.Args[0], env, "serve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Kill(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("log of the server at %s:\n%s", p.URL, p.Log())
		}
	})
	return p
}

// terminate sends SIGTERM and expects a clean exit within a minute.
func terminate(t *testing.T, p *servertest.Process) {
	t.Helper()
	if err := p.Terminate(time.Minute); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, p.Log())
	}
}

// kill sends SIGKILL: nothing of the server's shutdown runs.
func kill(t *testing.T, p *servertest.Process) {
	t.Helper()
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
}

// A deploy while the mail server is slow: SIGTERM during a send, then a
// start whose server is killed (SIGKILL) during a send, then a start with
// the mail server healthy. Every email of the booking, including one made
// after the last start, is delivered within 3 minutes of it, once each, in
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
				// A stall outlasts the shutdown timeout, and a busy machine
				// never cuts a send the mail server accepted (it would go
				// again); a killed server's delivery is taken up after three
				// times this and some seconds.
				"ICS_SMTP_TIMEOUT":       "10s",
				"ICS_SHUTDOWN_TIMEOUT":   "1s",
				"ICS_MAIL_RETRY_BASE":    "10ms",
				"ICS_MAIL_RETRY_MAX":     "1s",
				"ICS_JOBS_POLL_INTERVAL": "100ms",
				"ICS_REMINDER_AT":        "off",
			}
			smtp.Stall()

			server := startProcess(t, vars)
			slots := freeSlots(t, server.URL)
			ref, token := book(t, server.URL, slots[0])
			smtp.AwaitStall()
			terminate(t, server)
			// The send was cut, and recorded: by the shutdown timeout (River
			// cancels the job, "stop initiated"), or, when the SIGTERM came
			// late on a busy machine, by the SMTP timeout first (and a second
			// attempt by the shutdown, or not begun). Either way the email
			// waits for the next server.
			e := emailsOf(t, dbURL, ref)[0]
			if e.State != booking.EmailQueued || e.Attempts < 1 ||
				(!strings.Contains(e.LastError, "stop initiated") && !strings.Contains(e.LastError, "timeout")) {
				t.Errorf("after SIGTERM: email %s after %d attempts (%q), want queued after a cut attempt", e.State, e.Attempts, e.LastError)
			}

			server = startProcess(t, vars)
			call(t, "POST", server.URL+"/api/v1/bookings/"+ref+"/reschedule", token,
				fmt.Sprintf(`{"start":%q}`, slots[1]), 200, nil)
			smtp.AwaitStall()
			kill(t, server)

			smtp.Unstall()
			server = startProcess(t, vars)
			call(t, "POST", server.URL+"/api/v1/bookings/"+ref+"/cancel", token, "", 200, nil)
			deadline := time.After(3 * time.Minute) // the killed delivery is taken up after 41 s, the rescuer looks every 30 s
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
					t.Fatalf("email %d not delivered within 3 minutes of the restart", i+1)
				}
			}
			terminate(t, server)
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
