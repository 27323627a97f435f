// Package smtptest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp): every message it accepts arrives on a
// channel, and it can be stopped and started again on the same port to play
// a mail server outage, stall to play one that stops answering, fail RSET or
// QUIT after accepting a message, refuse a recipient, or drop its clients'
// connections as servers do with idle ones. It counts the connections it
// accepts.
package smtptest

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
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
	// Stalled receives a value whenever a message starts to stall (see
	// Stall); when nobody reads it, values are dropped.
	Stalled chan struct{}

	mu     sync.Mutex
	srv    *smtp.Server
	stall  chan struct{}  // not nil while stalling; closed to release
	fail   map[string]int // reply codes by command, instead of the usual
	refuse map[string]int // reply codes by recipient, to RCPT TO

	// connMu guards the connections apart from mu: Stop closes them
	// while it holds mu.
	connMu   sync.Mutex
	accepted int
	open     map[*failConn]bool
}

// Start runs a server on 127.0.0.1 with a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0", Messages: make(chan Message, 100), Stalled: make(chan struct{}, 1),
		open: map[*failConn]bool{}}
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
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // writes to connections a client gave up on
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(failListener{ln, s})
}

// Stop closes the server, and ends a stall: connections are refused until
// Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
	s.unstall()
}

// Restart listens again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.listen()
}

// Stall makes the server stop answering, as a mail server under trouble
// does: from now on it reads each message and then says nothing until
// Unstall or Stop. A stalled message is not delivered: when released it is
// refused with a temporary error, to a client that has usually given up.
func (s *Server) Stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stall == nil {
		s.stall = make(chan struct{})
	}
}

// Unstall ends a stall: the stalled messages are refused, later ones
// accepted.
func (s *Server) Unstall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unstall()
}

func (s *Server) unstall() {
	if s.stall != nil {
		close(s.stall)
		s.stall = nil
	}
}

// Fail makes the server answer command, RSET or QUIT, with code (such as
// 421 or 502) instead of its usual reply; 0 restores that. Clients send
// them after a message was accepted, so the message is delivered all the
// same.
func (s *Server) Fail(command string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = map[string]int{}
	}
	s.fail[strings.ToUpper(command)] = code
}

// Refuse makes the server answer RCPT TO:<to> with code (such as 550),
// which refuses the message; 0 restores accepting it.
func (s *Server) Refuse(to string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse == nil {
		s.refuse = map[string]int{}
	}
	s.refuse[to] = code
}

// Connections is how many connections the server has accepted.
func (s *Server) Connections() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.accepted
}

// OpenConnections is how many of them are still open.
func (s *Server) OpenConnections() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.open)
}

// DropConnections closes every open connection from the server's side, as
// servers do with clients idle too long, first writing goodbye (such as
// "421 4.4.2 Idle timeout") unless it is empty. Call it only while no
// message is on its way, or that message fails.
func (s *Server) DropConnections(goodbye string) {
	s.connMu.Lock()
	open := make([]*failConn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.connMu.Unlock()
	for _, c := range open {
		if goodbye != "" {
			fmt.Fprintf(c.Conn, "%s\r\n", goodbye)
		}
		c.Close()
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s   *Server
	msg Message
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.msg.From = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.s.mu.Lock()
	code := s.s.refuse[to]
	s.s.mu.Unlock()
	if code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "Refused"}
	}
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
	s.s.mu.Lock()
	stall := s.s.stall
	s.s.mu.Unlock()
	if stall != nil {
		select {
		case s.s.Stalled <- struct{}{}:
		default:
		}
		<-stall
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Stalled, try again"}
	}
	s.msg.Data = data
	s.s.Messages <- s.msg
	return nil
}

// failListener hands out connections that answer as Fail says: go-smtp has
// no hook for RSET or QUIT, so the connection rewrites the reply to the
// command it has just read.
type failListener struct {
	net.Listener
	s *Server
}

func (l failListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &failConn{Conn: c, s: l.s}
	l.s.connMu.Lock()
	l.s.accepted++
	l.s.open[fc] = true
	l.s.connMu.Unlock()
	return fc, nil
}

type failConn struct {
	net.Conn
	s       *Server
	mu      sync.Mutex
	pending int // the code to answer the command just read with
}

func (c *failConn) Close() error {
	c.s.connMu.Lock()
	delete(c.s.open, c)
	c.s.connMu.Unlock()
	return c.Conn.Close()
}

func (c *failConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	command := strings.ToUpper(strings.TrimSpace(string(p[:n])))
	c.s.mu.Lock()
	code := c.s.fail[command]
	c.s.mu.Unlock()
	c.mu.Lock()
	c.pending = code
	c.mu.Unlock()
	return n, err
}

func (c *failConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	code := c.pending
	c.pending = 0
	c.mu.Unlock()
	if code == 0 {
		return c.Conn.Write(p)
	}
	if _, err := fmt.Fprintf(c.Conn, "%d %d.0.0 Refused\r\n", code, code/100); err != nil {
		return 0, err
	}
	return len(p), nil
}
