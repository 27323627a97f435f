package smtptest

import (
	"errors"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// send sends one message on c from a@example.com to to.
func send(t *testing.T, c *smtp.Client, to string) {
	t.Helper()
	if err := c.SendMail("a@example.com", []string{to}, strings.NewReader("Subject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
}

// While stopped the server refuses connections; Restart serves on the same
// port again.
func TestStopRefusesAndRestartServes(t *testing.T) {
	s := Start(t)
	s.Stop()
	_, err := net.Dial("tcp", s.Addr())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a stopped server: %v, want connection refused", err)
	}
	s.Restart()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send(t, c, "b@example.com")
	if m := next(t, s); m.Seq != 1 || !slices.Equal(m.To, []string{"b@example.com"}) {
		t.Errorf("message %+v", m)
	}
}

// Messages are numbered in order across connections, and Said tells what
// followed each: a client that went on, one that said goodbye, and one cut
// off right after the server's reply.
func TestSeqAndSaid(t *testing.T) {
	s := Start(t)
	if s.Seq() != 0 {
		t.Errorf("Seq before any message: %d", s.Seq())
	}
	first, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	send(t, first, "one@example.com")
	send(t, first, "two@example.com")
	if err := first.Quit(); err != nil {
		t.Fatal(err)
	}
	second, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	send(t, second, "three@example.com") // SendMail says nothing after the reply
	second.Close()                       // without QUIT, as a killed client
	for want := 1; want <= 3; want++ {
		if m := next(t, s); m.Seq != want {
			t.Errorf("message to %s: Seq %d, want %d", m.To, m.Seq, want)
		}
	}
	if s.Seq() != 3 {
		t.Errorf("Seq %d, want 3", s.Seq())
	}
	eventually(t, func() bool { _, ended := s.Said(3); return ended })
	for seq, want := range map[int][]string{1: {"MAIL", "RCPT", "DATA", "QUIT"}, 2: {"QUIT"}, 3: nil} {
		said, ended := s.Said(seq)
		if !slices.Equal(said, want) || (seq != 3 && !ended) {
			t.Errorf("after message %d: %q (ended %v), want %q", seq, said, ended, want)
		}
	}
}

// next takes the next message the server accepted, which is on the channel
// before the client has the server's reply.
func next(t *testing.T, s *Server) Message {
	t.Helper()
	select {
	case m := <-s.Messages:
		return m
	default:
		t.Fatal("no message")
		return Message{}
	}
}

// eventually waits for cond, for a minute at most.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
		time.Sleep(time.Millisecond) // polling a condition
	}
}
