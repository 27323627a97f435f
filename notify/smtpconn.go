package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// smtpConn is one connection to the mail server, used by one Send at a time
// and kept open between them.
type smtpConn struct {
	client *mail.Client // its settings; it dials through dialed
	smtp   *smtp.Client // nil until dialed
	dialed *conns
	// idleSpell counts the times it was put back to wait, so that the
	// timer of an earlier wait cannot close it.
	idleSpell int
	timer     *time.Timer
}

// errStale is the error of a kept connection that can no longer be used.
var errStale = errors.New("the connection kept open is no longer usable")

// quitWait bounds the QUIT that closes a connection nobody waits for.
const quitWait = 2 * time.Second

// conn returns the connection that waited least, or a new one, not yet
// dialed.
func (s *SMTPSender) conn() (*smtpConn, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		c.timer.Stop()
		return c, nil
	}
	s.mu.Unlock()
	return s.newConn()
}

// newConn returns a connection, not yet dialed.
func (s *SMTPSender) newConn() (*smtpConn, error) {
	dialed := &conns{}
	client, err := s.client(dialed)
	if err != nil {
		return nil, err
	}
	return &smtpConn{client: client, dialed: dialed}, nil
}

// sendOn dials c if it is new and sends msg on it. It keeps c for the next
// message if all went well, and closes it otherwise: after a failure the
// state of the session is not worth finding out.
func (s *SMTPSender) sendOn(ctx context.Context, c *smtpConn, msg *mail.Msg) error {
	// go-mail heeds ctx only while dialing: close the connection when ctx
	// ends, so that a stalled server cannot hold a shutdown.
	stop := context.AfterFunc(ctx, c.dialed.close)
	err := s.exchange(ctx, c, msg)
	if stop() && err == nil {
		s.keep(c)
		return nil
	}
	c.dialed.close()
	return err
}

// exchange dials c if it is new and sends msg on it.
func (s *SMTPSender) exchange(ctx context.Context, c *smtpConn, msg *mail.Msg) error {
	if c.smtp == nil {
		client, err := c.client.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return fmt.Errorf("dial failed: %w", err)
		}
		c.smtp = client
	} else if err := c.smtp.UpdateDeadline(s.timeout); err != nil {
		// go-mail extends the deadline only after its NOOP, which it
		// would send on a connection idle past the timeout.
		return fmt.Errorf("%w: %w", errStale, err)
	}
	return c.client.SendWithSMTPClient(c.smtp, msg)
}

// keep puts c back to wait for the next message, and closes it if none
// comes within the idle timeout; after Close it closes c at once.
func (s *SMTPSender) keep(c *smtpConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go s.quit(c)
		return
	}
	c.idleSpell++
	spell := c.idleSpell
	c.timer = time.AfterFunc(s.idleTimeout, func() { s.expire(c, spell) })
	s.idle = append(s.idle, c)
}

// expire closes c if it is still waiting since idle spell number spell.
func (s *SMTPSender) expire(c *smtpConn, spell int) {
	s.mu.Lock()
	i := -1
	for j, idle := range s.idle {
		if idle == c {
			i = j
		}
	}
	if i < 0 || c.idleSpell != spell {
		s.mu.Unlock()
		return
	}
	s.idle = append(s.idle[:i], s.idle[i+1:]...)
	s.mu.Unlock()
	s.quit(c)
}

// quit says QUIT on c, which no Send is using, and closes it. A failure is
// of no consequence: every message sent on c has had its answer.
func (s *SMTPSender) quit(c *smtpConn) {
	if err := c.smtp.UpdateDeadline(min(s.timeout, quitWait)); err == nil {
		_ = c.client.CloseWithSMTPClient(c.smtp)
	}
	c.dialed.close()
}

// Close closes the connections kept open; those of Sends still running are
// closed when they end. Call it when no more messages are to be sent.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	s.closed = true
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range idle {
		c.timer.Stop()
		wg.Go(func() { s.quit(c) })
	}
	wg.Wait()
	return nil
}
