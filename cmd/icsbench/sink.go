package main

import (
	"bufio"
	"io"
	"log"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server that accepts every message and notes, by booking
// reference, when each confirmation arrived.
type sink struct {
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	total    int
	arrivals map[string][]time.Time // confirmation arrivals by reference
}

// startSink listens on a free loopback port.
func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), arrivals: map[string][]time.Time{}}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxRecipients = 10
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

// received is how many messages arrived in all.
func (s *sink) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// confirmations returns the arrival times of the confirmations of ref.
func (s *sink) confirmations(ref string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrivals[ref]
}

// record notes a message with the given Message-ID, such as
// <AAR-7K3M9Q.0.confirmation@host>.
func (s *sink) record(messageID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	id := strings.Trim(messageID, "<>")
	ref, rest, ok := strings.Cut(id, ".")
	if ok && strings.HasPrefix(rest, "0.confirmation@") {
		s.arrivals[ref] = append(s.arrivals[ref], at)
	}
}

// NewSession implements smtp.Backend.
func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return session{s}, nil }

type session struct{ s *sink }

func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Reset()                               {}
func (session) Logout() error                        { return nil }

// Data reads the header for the Message-ID and discards the rest.
func (ss session) Data(r io.Reader) error {
	br := bufio.NewReader(r)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	ss.s.record(h.Get("Message-Id"), time.Now())
	return nil
}
