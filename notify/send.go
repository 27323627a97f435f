package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
)

// Sender delivers a built message.
type Sender interface {
	Send(ctx context.Context, msg *mail.Msg) error
}

// The TLS modes of SMTPConfig.TLS.
const (
	TLSOpportunistic = "opportunistic" // STARTTLS when the server offers it
	TLSRequired      = "required"      // STARTTLS or fail
	TLSNone          = "none"          // plain text, for a local relay
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	// URL is smtp://user:password@host:port (STARTTLS, port 587 by
	// default) or smtps://user:password@host:port (TLS from the first byte,
	// port 465 by default); ICS_SMTP_URL. Without user and password no
	// SMTP AUTH is done. Special characters in them are percent-encoded.
	URL string
	// TLS is TLSOpportunistic, TLSRequired or TLSNone, for smtp:// URLs;
	// ICS_SMTP_TLS. Empty means DefaultTLS of the host.
	TLS string
	// Timeout bounds the connection and each exchange with the server;
	// go-mail's 15 seconds when zero.
	Timeout time.Duration
	// Logger hears of failures after a message was delivered (nil:
	// discarded).
	Logger *slog.Logger
}

// DefaultTLS is the STARTTLS policy for a mail server on host when none is
// set: TLSRequired, for a stripped STARTTLS must not let the manage links in
// the emails (bearer tokens) travel in clear; TLSOpportunistic for a relay
// on the machine itself (localhost, 127.0.0.0/8, ::1), where nobody sits on
// the path and such relays seldom have a certificate.
func DefaultTLS(host string) string {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return TLSOpportunistic
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return TLSOpportunistic
	}
	return TLSRequired
}

// DefaultTLSOf is DefaultTLS of the host in an ICS_SMTP_URL, TLSRequired if
// the URL does not parse (NewSMTPSender reports that).
func DefaultTLSOf(smtpURL string) string {
	u, err := url.Parse(strings.TrimSpace(smtpURL))
	if err != nil {
		return TLSRequired
	}
	return DefaultTLS(u.Hostname())
}

// SMTPSender delivers messages to a mail server (the submission service of
// a relay). It keeps connections open between messages, each used by one
// Send at a time, and closes one that has been idle for a few seconds.
type SMTPSender struct {
	host        string
	port        int
	implicitTLS bool
	policy      mail.TLSPolicy
	user, pass  string
	timeout     time.Duration
	log         *slog.Logger
	// rootCAs verifies the server's certificate; nil means the system's.
	rootCAs *x509.CertPool
	// idleTimeout is how long a connection is kept open unused.
	idleTimeout time.Duration

	mu     sync.Mutex
	idle   []*smtpConn // the most recently used last
	closed bool        // by Close: connections are no longer kept
}

// idleTimeout is how long SMTPSender keeps a connection open unused: long
// enough to carry a burst of emails over few connections, short enough not
// to hold a relay's connections while nothing is sent. A server that drops
// an idle connection sooner costs one failed command, not an attempt.
const idleTimeout = 5 * time.Second

// NewSMTPSender checks cfg and returns a sender for it. Its errors name the
// setting at fault (ICS_SMTP_URL, ICS_SMTP_TLS) and never contain the
// password.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil {
		// url.Parse's error quotes the URL, password included.
		return nil, errors.New("ICS_SMTP_URL is not a URL of the form smtp://user:password@host:port or smtps://user:password@host:port")
	}
	s := &SMTPSender{host: u.Hostname(), timeout: cfg.Timeout, log: cfg.Logger, idleTimeout: idleTimeout}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch u.Scheme {
	case "smtp":
		s.port = mail.DefaultPortTLS
	case "smtps":
		s.port, s.implicitTLS = mail.DefaultPortSSL, true
	default:
		return nil, fmt.Errorf("ICS_SMTP_URL %s: the scheme must be smtp or smtps", u.Redacted())
	}
	if s.host == "" {
		return nil, fmt.Errorf("ICS_SMTP_URL %s: no host", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("ICS_SMTP_URL %s: port %q is not a number from 1 to 65535", u.Redacted(), p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("ICS_SMTP_URL %s: only user, password, host and port are understood", u.Redacted())
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" || s.pass == "" {
			return nil, fmt.Errorf("ICS_SMTP_URL %s: give both a user name and a password, or neither", u.Redacted())
		}
	}

	mode := strings.ToLower(strings.TrimSpace(cfg.TLS))
	if mode == "" {
		mode = DefaultTLS(s.host)
	}
	switch mode {
	case TLSOpportunistic:
		s.policy = mail.TLSOpportunistic
	case TLSRequired:
		s.policy = mail.TLSMandatory
	case TLSNone:
		if s.implicitTLS {
			return nil, errors.New("ICS_SMTP_TLS=none contradicts ICS_SMTP_URL smtps://, which is TLS from the first byte")
		}
		if s.user != "" {
			return nil, errors.New("ICS_SMTP_TLS=none would send the password of ICS_SMTP_URL unencrypted; use required, or smtps://")
		}
		s.policy = mail.NoTLS
	default:
		return nil, fmt.Errorf("ICS_SMTP_TLS %q is not one of %s, %s, %s", cfg.TLS, TLSOpportunistic, TLSRequired, TLSNone)
	}

	if s.timeout < 0 {
		return nil, fmt.Errorf("the SMTP timeout %s is negative", cfg.Timeout)
	}
	if s.timeout == 0 {
		s.timeout = mail.DefaultTimeout
	}
	if _, err := s.client(&conns{}); err != nil {
		return nil, err
	}
	return s, nil
}

// client returns a go-mail client for one delivery, which dials through
// dialed.
func (s *SMTPSender) client(dialed *conns) (*mail.Client, error) {
	policy := s.policy
	if s.implicitTLS {
		// dial hands go-mail a connection already in TLS, which it
		// recognises as encrypted; there is no STARTTLS to negotiate.
		policy = mail.TLSOpportunistic
	}
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(s.tlsConfig()),
		mail.WithDialContextFunc(dialed.track(s.dial)),
		// A connection that died while idle shows at MAIL FROM, before
		// the message is offered, as well as at a NOOP: save the round trip.
		mail.WithoutNoop(),
	}
	if s.user != "" {
		// Auto-discovery picks the strongest mechanism the server offers
		// and offers PLAIN and LOGIN only over an encrypted connection.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client for %s:%d: %w", s.host, s.port, err)
	}
	return c, nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
}

// dial connects to the server, in TLS from the first byte for smtps://.
func (s *SMTPSender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if s.implicitTLS {
		return (&tls.Dialer{Config: s.tlsConfig()}).DialContext(ctx, network, addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// Send delivers msg on a connection left open by an earlier Send, or on a
// new one. The context bounds the whole delivery: when it ends (the job's
// timeout, or a shutdown) the connection is closed whatever the server is
// doing, while the timeout bounds the dial and the exchange of the message.
// A message the server has accepted is delivered, even if the RSET after it
// fails: that failure is logged, not returned, for sending the message
// again would duplicate it. A message that failed on a kept connection
// before it was offered, as when the server has closed the connection
// while it was idle, is tried once more on a new connection. Use
// IsPermanent to tell an error worth retrying from one that is not.
func (s *SMTPSender) Send(ctx context.Context, msg *mail.Msg) error {
	c, err := s.conn()
	if err != nil {
		return err
	}
	kept := c.smtp != nil
	err = s.sendOn(ctx, c, msg)
	if err != nil && kept && ctx.Err() == nil && diedIdle(err, msg) {
		if c, err = s.newConn(); err != nil {
			return err
		}
		err = s.sendOn(ctx, c, msg)
	}
	switch {
	case err == nil:
		return nil
	case msg.IsDelivered():
		s.log.WarnContext(ctx, "email delivered, but the mail server failed after accepting it",
			"server", net.JoinHostPort(s.host, strconv.Itoa(s.port)), "command", "RSET", "reply", replyCode(err))
		return nil
	case errors.Is(err, mail.ErrNoSupportedAuthDiscovered):
		err = fmt.Errorf("%w (the server offers no SMTP AUTH mechanism that is safe without TLS: "+
			"let it offer STARTTLS and set ICS_SMTP_TLS=required, or use smtps://)", err)
	case ctx.Err() != nil:
		// The closed connection's error hides why: say it, so that
		// callers can tell an interruption (errors.Is context.Canceled).
		err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return fmt.Errorf("SMTP %s:%d: %w", s.host, s.port, err)
}

// replyCode is the server's reply code in a send error, 0 if none came.
// The error itself is not for the log: go-mail puts the Message-ID in it,
// and with it the booking's reference.
func replyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

// diedIdle reports whether a send on a kept connection failed as one does
// when the server has closed the connection while it was idle (or a
// firewall has forgotten it): before the message's content was offered,
// without a reply or with 421 (the server is closing the channel). Such a
// message was not accepted, and can go again on a new connection without
// any risk of a duplicate.
func diedIdle(err error, msg *mail.Msg) bool {
	if msg.IsDelivered() {
		return false
	}
	if errors.Is(err, errStale) {
		return true
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrConnCheck, mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData:
		code := se.ErrorCode()
		return code == 0 || code == 421
	}
	return false
}

// conns keeps the connections of one delivery so that they can be closed
// from another goroutine: go-mail holds its own lock while it waits for the
// server, so closing its client would wait too.
type conns struct {
	mu     sync.Mutex
	open   []net.Conn
	closed bool
}

// track wraps dial so that the connections it makes are kept, or closed at
// once if close came first.
func (c *conns) track(dial mail.DialContextFunc) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			conn.Close()
			return nil, net.ErrClosed
		}
		c.open = append(c.open, conn)
		return conn, nil
	}
}

func (c *conns) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, conn := range c.open {
		conn.Close()
	}
}

// IsPermanent reports whether sending the same message again cannot
// succeed: the server refused it with a 5xx reply, or the message itself is
// unusable (no sender or recipient). Everything else is temporary: 4xx
// replies, refused connections, timeouts, and failures before the message
// was offered (greeting, TLS, authentication), which concern the server or
// our configuration rather than the message and can be fixed meanwhile.
func IsPermanent(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return true
	}
	// go-mail marks a send error temporary only for a 4xx reply, so a lost
	// connection (no reply code) would count as permanent: ask for a 5xx.
	return !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600
}

// FileSender writes each message into Dir as an .eml file instead of
// sending it, for development and for sites without a mail server. File
// names are <UTC timestamp>-<Message-ID>.eml, with only the Message-ID's
// letters, digits and . _ - @ kept.
type FileSender struct {
	Dir string
}

// Send writes msg to a temporary file in Dir and renames it into place, so
// that a reader never sees a half-written message. Dir is created (0750)
// if needed; the file is readable by its owner only.
func (f FileSender) Send(ctx context.Context, msg *mail.Msg) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	tmp, err := os.CreateTemp(f.Dir, ".writing-*.tmp") // not *.eml: readers of the folder must not see it half written
	if err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := msg.WriteTo(tmp); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	name := filepath.Join(f.Dir, emlFileName(time.Now(), msg.GetMessageID()))
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	return nil
}

// emlFileName names the file of a message written at t.
func emlFileName(t time.Time, messageID string) string {
	const maxID = 100
	var id strings.Builder
	for _, r := range strings.TrimSuffix(strings.TrimPrefix(messageID, "<"), ">") {
		if id.Len() == maxID {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@':
			id.WriteRune(r)
		default:
			id.WriteByte('_')
		}
	}
	if id.Len() == 0 {
		id.WriteString("no-message-id")
	}
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + id.String() + ".eml"
}
