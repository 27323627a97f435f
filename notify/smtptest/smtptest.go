// Package smtptest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp): every message it accepts arrives on a
// channel, and it can be stopped and started again on the same port to play
// a mail server outage.
package smtptest

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server for one test.
type Server struct {
	t        testing.TB
	addr     string
	Messages chan Message

	mu  sync.Mutex
	srv *smtp.Server
}

// Start runs a server on 127.0.0.1 with a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0", Messages: make(chan Message, 100)}
	s.listen()
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server as ICS_SMTP_URL, without TLS or authentication.
func (s *Server) URL() string { return "smtp://" + s.addr }

func (s *Server) listen() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("smtptest: listen on %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	srv := smtp.NewServer(backend{s.Messages})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

// Restart listens again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.listen()
}

type backend struct{ out chan<- Message }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{out: b.out}, nil }

type session struct {
	out chan<- Message
	msg Message
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.msg.From = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}
func (s *session) Reset()        { s.msg = Message{} }
func (s *session) Logout() error { return nil }

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = data
	s.out <- s.msg
	return nil
}
