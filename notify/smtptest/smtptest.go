// Package smtptest runs a real SMTP server on loopback for tests
// (github.com/emersion/go-smtp): every message it accepts arrives on a
// channel, and it can be stopped and started again on the same port to play
// a mail server outage, stall to play one that stops answering, fail RSET or
// QUIT after accepting a message, refuse a recipient, or drop its clients'
// connections as servers do with idle ones. It counts the connections it
// accepts, numbers the messages in the order it accepted them, and notes
// what each client said after each of its messages, so that a test can tell
// a message whose sender was killed right after it from one sent twice.
package smtptest

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	// Seq numbers the messages the server accepted, from 1, in the order
	// it accepted them. A message has its number before the server's 250
	// reply goes out, so a client that saw the 250 sent a message whose
	// number is at most Server.Seq read afterwards.
	Seq int
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
	ln     net.Listener   // closed by Stop too: Serve may not have taken it yet
	stall  chan struct{}  // not nil while stalling; closed to release
	fail   map[string]int // reply codes by command, instead of the usual
	refuse map[string]int // reply codes by recipient, to RCPT TO

	// connMu guards the connections and the messages apart from mu: Stop
	// closes connections while it holds mu.
	connMu   sync.Mutex
	accepted int
	open     map[*failConn]bool
	received []received // by Seq-1

	// hold keeps the port bound while the server is stopped (see listen).
	hold []net.Conn
}

// received is where a message came: its connection, and how many commands
// the client had sent on it before the server accepted it.
type received struct {
	conn   *failConn
	before int
}

// Start runs a server on 127.0.0.1 with a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0", Messages: make(chan Message, 100), Stalled: make(chan struct{}, 1),
		open: map[*failConn]bool{}}
	s.listen()
	t.Cleanup(func() {
		s.Stop()
		for _, c := range s.hold {
			c.Close()
		}
	})
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server as ICS_SMTP_URL, without TLS or authentication.
func (s *Server) URL() string { return "smtp://" + s.addr }

// listen starts serving on the server's address. The first time, it also
// connects to itself and keeps both ends of that connection until the test
// ends: the accepted end keeps the port bound, so that while the server is
// stopped the system gives the port to no other socket (connections to it
// are refused, as by a mail server that is down), and Restart can listen on
// it again.
func (s *Server) listen() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("smtptest: listen on %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	if s.hold == nil {
		client, err := net.Dial("tcp", s.addr)
		if err != nil {
			s.t.Fatalf("smtptest: hold %s: %v", s.addr, err)
		}
		held, err := ln.Accept()
		if err != nil {
			s.t.Fatalf("smtptest: hold %s: %v", s.addr, err)
		}
		s.hold = []net.Conn{client, held}
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // writes to connections a client gave up on
	s.mu.Lock()
	s.srv, s.ln = srv, ln
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
		s.ln.Close()
		s.srv, s.ln = nil, nil
	}
	s.unstall()
}

// Restart listens again on the same port, which the system gave nobody
// else meanwhile.
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

// AwaitStall waits until a message starts to stall (see Stall), and fails
// the test if none does within a minute. Call it from the test's goroutine.
func (s *Server) AwaitStall() {
	s.t.Helper()
	select {
	case <-s.Stalled:
	case <-time.After(time.Minute):
		s.t.Fatal("smtptest: no message came to stall within a minute")
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

// Seq is the number (Message.Seq) of the last message the server accepted,
// 0 before the first.
func (s *Server) Seq() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.received)
}

// Said returns what the client said on the connection of message seq after
// the server accepted that message: the commands (verbs such as RSET, MAIL,
// QUIT; no message content) in order, and whether the connection has ended.
// go-mail says RSET at once after each message; a client killed before
// that said nothing more, and one killed later ended without a QUIT.
func (s *Server) Said(seq int) (commands []string, ended bool) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if seq < 1 || seq > len(s.received) {
		return nil, false
	}
	r := s.received[seq-1]
	return append([]string(nil), r.conn.said[r.before:]...), r.conn.ended
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

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	fc, _ := c.Conn().(*failConn) // always, as failListener hands them out
	return &session{s: b.s, conn: fc}, nil
}

type session struct {
	s    *Server
	conn *failConn
	msg  Message
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
	s.s.connMu.Lock()
	s.conn.content = true
	s.s.connMu.Unlock()
	data, err := io.ReadAll(r)
	s.s.connMu.Lock()
	s.conn.content = false
	s.s.connMu.Unlock()
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
	s.s.connMu.Lock()
	s.s.received = append(s.s.received, received{conn: s.conn, before: len(s.conn.said)})
	s.msg.Seq = len(s.s.received)
	s.s.connMu.Unlock()
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

// failConn is a connection the server accepted. It also notes the commands
// the client sends, for Said.
type failConn struct {
	net.Conn
	s       *Server
	mu      sync.Mutex
	pending int // the code to answer the command just read with

	// Guarded by s.connMu.
	said    []string // the verbs of the commands read
	content bool     // reading a message's content, not commands
	ended   bool
}

func (c *failConn) Close() error {
	c.s.connMu.Lock()
	delete(c.s.open, c)
	c.ended = true
	c.s.connMu.Unlock()
	return c.Conn.Close()
}

func (c *failConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	command := strings.ToUpper(strings.TrimSpace(string(p[:n])))
	c.s.connMu.Lock()
	// The client waits for each reply, so that a read holds one command.
	if verb, _, _ := strings.Cut(command, " "); verb != "" && !c.content {
		if verb, _, _ = strings.Cut(verb, ":"); verb != "" {
			c.said = append(c.said, verb)
		}
	}
	c.s.connMu.Unlock()
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
