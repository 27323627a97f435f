package notify

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// keepingSender is a sender to srv that keeps idle connections open for
// idle (an hour: until the test closes them).
func keepingSender(t *testing.T, srv *smtptest.Server, idle time.Duration) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(SMTPConfig{URL: srv.URL(), TLS: TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.idleTimeout = idle
	t.Cleanup(func() { s.Close() })
	return s
}

// numbered is message n, to n@example.com.
func numbered(t *testing.T, n int) *mail.Msg {
	t.Helper()
	e := testEmail(MethodRequest)
	e.MessageID = fmt.Sprintf("<%d@booking.example.dk>", n)
	e.ToAddress = fmt.Sprintf("%d@example.com", n)
	m, err := e.Msg()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// arrived reads want messages from srv, failing on a recipient seen twice,
// and returns the recipients.
func arrived(t *testing.T, srv *smtptest.Server, want int) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for range want {
		select {
		case m := <-srv.Messages:
			if len(m.To) != 1 || seen[m.To[0]] {
				t.Fatalf("message to %q: twice, or not to one recipient", m.To)
			}
			seen[m.To[0]] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d messages arrived", len(seen), want)
		}
	}
	return seen
}

// eventually polls cond until it holds, for up to 30 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30 seconds: %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing one
	}
}

func TestSMTPSenderKeepsTheConnection(t *testing.T) {
	srv := smtptest.Start(t)
	s := keepingSender(t, srv, time.Hour)
	const n = 30
	for i := range n {
		if err := s.Send(context.Background(), numbered(t, i)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	arrived(t, srv, n)
	if got := srv.Connections(); got != 1 {
		t.Errorf("%d messages over %d connections, want 1", n, got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Close closes the kept connection", func() bool { return srv.OpenConnections() == 0 })
}

// Workers sending at once each use a connection of their own, and keep
// reusing them: no more connections than workers, every message once.
func TestSMTPSenderConcurrentSends(t *testing.T) {
	srv := smtptest.Start(t)
	s := keepingSender(t, srv, time.Hour)
	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := s.Send(context.Background(), numbered(t, w*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	arrived(t, srv, workers*each)
	if got := srv.Connections(); got > workers {
		t.Errorf("%d connections for %d workers", got, workers)
	}
	expectNoneLeft(t, srv)
}

// A refused message fails alone: the connection it was on is not kept, the
// message is not tried again, and the next message goes out on a new one.
func TestSMTPSenderRefusedMessageOnKeptConnection(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Refuse("1@example.com", 550)
	s := keepingSender(t, srv, time.Hour)
	ctx := context.Background()
	if err := s.Send(ctx, numbered(t, 0)); err != nil {
		t.Fatal(err)
	}
	err := s.Send(ctx, numbered(t, 1))
	if err == nil || !IsPermanent(err) {
		t.Fatalf("refused message: err = %v, want a permanent error", err)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("the refused message was tried on %d connections", got)
	}
	if err := s.Send(ctx, numbered(t, 2)); err != nil {
		t.Fatal(err)
	}
	if got := arrived(t, srv, 2); !got["0@example.com"] || !got["2@example.com"] {
		t.Errorf("arrived: %v", got)
	}
	if got := srv.Connections(); got != 2 {
		t.Errorf("%d connections, want 2", got)
	}
	expectNoneLeft(t, srv)
}

// A server that closes a connection while it waits unused, with a word or
// without, costs no attempt: the message goes out on a new connection, once.
func TestSMTPSenderServerClosedIdleConnection(t *testing.T) {
	for name, goodbye := range map[string]string{
		"without a word": "",
		"with 421":       "421 4.4.2 Idle timeout, bye bye",
	} {
		t.Run(name, func(t *testing.T) {
			srv := smtptest.Start(t)
			s := keepingSender(t, srv, time.Hour)
			ctx := context.Background()
			if err := s.Send(ctx, numbered(t, 0)); err != nil {
				t.Fatal(err)
			}
			srv.DropConnections(goodbye)
			if err := s.Send(ctx, numbered(t, 1)); err != nil {
				t.Fatalf("after the server closed the idle connection: %v", err)
			}
			arrived(t, srv, 2)
			if got := srv.Connections(); got != 2 {
				t.Errorf("%d connections, want 2", got)
			}
			expectNoneLeft(t, srv)
		})
	}
}

// A kept connection that fails once the message's content went out is not
// retried: the server may have taken the message, and a second copy is
// worse than a later attempt that the record of the email governs.
func TestSMTPSenderNoRetryAfterContent(t *testing.T) {
	srv := smtptest.Start(t)
	s := keepingSender(t, srv, time.Hour)
	ctx := context.Background()
	if err := s.Send(ctx, numbered(t, 0)); err != nil {
		t.Fatal(err)
	}
	arrived(t, srv, 1)
	srv.Stall()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, numbered(t, 1)) }()
	srv.AwaitStall() // the content is in; the server holds its answer
	srv.DropConnections("")
	select {
	case err := <-done:
		if err == nil || IsPermanent(err) {
			t.Errorf("err = %v, want a temporary error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send did not return when the server closed the connection")
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("the message was tried again: %d connections", got)
	}
	srv.Unstall()
	expectNoneLeft(t, srv)
}

// A connection unused for the idle timeout is closed, and the next message
// goes out on a new one.
func TestSMTPSenderClosesIdleConnections(t *testing.T) {
	srv := smtptest.Start(t)
	s := keepingSender(t, srv, 10*time.Millisecond)
	ctx := context.Background()
	if err := s.Send(ctx, numbered(t, 0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the idle connection is closed", func() bool { return srv.OpenConnections() == 0 })
	if err := s.Send(ctx, numbered(t, 1)); err != nil {
		t.Fatal(err)
	}
	arrived(t, srv, 2)
	if got := srv.Connections(); got != 2 {
		t.Errorf("%d connections, want 2", got)
	}
}

func expectNoneLeft(t *testing.T, srv *smtptest.Server) {
	t.Helper()
	select {
	case m := <-srv.Messages:
		t.Errorf("one more message, to %q", m.To)
	default:
	}
}
