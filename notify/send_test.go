package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// received is one message as the test server got it.
type received struct {
	from     string
	to       []string
	data     []byte
	tls      bool
	username string
	password string
}

// smtpBackend collects what its sessions receive into a channel, and
// answers with the given errors instead of accepting.
type smtpBackend struct {
	got              chan received
	mailErr, rcptErr error
	dataErr          error
	auth             bool // offer AUTH PLAIN
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &smtpSession{backend: b, conn: c}
	if b.auth {
		return &authSession{s}, nil
	}
	return s, nil
}

type smtpSession struct {
	backend *smtpBackend
	conn    *smtp.Conn
	msg     received
}

func (s *smtpSession) Reset()        { s.msg = received{username: s.msg.username, password: s.msg.password} }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.backend.mailErr != nil {
		return s.backend.mailErr
	}
	s.msg.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.backend.rcptErr != nil {
		return s.backend.rcptErr
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.backend.dataErr != nil {
		return s.backend.dataErr
	}
	s.msg.data = data
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.backend.got <- s.msg
	return nil
}

type authSession struct{ *smtpSession }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "booking" || password != "s3cret:/@%" {
			return smtp.ErrAuthFailed
		}
		s.msg.username, s.msg.password = username, password
		return nil
	}), nil
}

type serverOptions struct {
	startTLS    *tls.Config // offer STARTTLS
	implicitTLS *tls.Config // TLS from the first byte
	smtputf8    bool        // offer SMTPUTF8
	backend     smtpBackend
}

// startSMTP runs an SMTP server on a loopback port for the test and
// returns its port and the channel its messages arrive on.
func startSMTP(t testing.TB, opts serverOptions) (int, <-chan received) {
	t.Helper()
	be := opts.backend
	be.got = make(chan received, 1)
	srv := smtp.NewServer(&be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = opts.startTLS
	srv.EnableSMTPUTF8 = opts.smtputf8

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS != nil {
		l = tls.NewListener(l, opts.implicitTLS)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		// Close may run before Serve has registered the listener.
		_ = l.Close()
		<-done
	})
	return l.Addr().(*net.TCPAddr).Port, be.got
}

// selfSigned returns a server TLS configuration for 127.0.0.1 and a pool
// that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

func newSender(t *testing.T, url, mode string, roots *x509.CertPool) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(SMTPConfig{URL: url, TLS: mode, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.rootCAs = roots
	t.Cleanup(func() { s.Close() })
	return s
}

func testMsg(t *testing.T) *mail.Msg {
	t.Helper()
	m, err := testEmail(MethodRequest).Msg()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func receive(t *testing.T, got <-chan received) received {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(time.Minute):
		t.Fatal("the server received nothing within a minute")
		return received{}
	}
}

// expectNothing fails the test if the server has received a message. The
// sender has returned by then, so anything sent would be in the channel.
func expectNothing(t *testing.T, got <-chan received) {
	t.Helper()
	select {
	case r := <-got:
		t.Errorf("the server received a message: from %q to %q", r.from, r.to)
	default:
	}
}

func TestSMTPSenderDelivers(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	// The password has characters that must be percent-encoded in a URL.
	const userinfo = "booking:s3cret%3A%2F%40%25@"
	cases := []struct {
		name     string
		scheme   string
		userinfo string
		mode     string
		server   serverOptions
		wantTLS  bool
	}{
		{"opportunistic, no STARTTLS offered", "smtp", "", "opportunistic", serverOptions{}, false},
		{"default mode, no STARTTLS offered", "smtp", "", "", serverOptions{}, false},
		{"none", "smtp", "", "none", serverOptions{startTLS: serverTLS}, false},
		{"opportunistic with STARTTLS", "smtp", "", "opportunistic", serverOptions{startTLS: serverTLS}, true},
		{"opportunistic with STARTTLS and AUTH PLAIN", "smtp", userinfo, "opportunistic",
			serverOptions{startTLS: serverTLS, backend: smtpBackend{auth: true}}, true},
		{"required with STARTTLS and AUTH PLAIN", "smtp", userinfo, "required",
			serverOptions{startTLS: serverTLS, backend: smtpBackend{auth: true}}, true},
		{"smtps with AUTH PLAIN", "smtps", userinfo, "",
			serverOptions{implicitTLS: serverTLS, backend: smtpBackend{auth: true}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port, got := startSMTP(t, c.server)
			s := newSender(t, c.scheme+"://"+c.userinfo+"127.0.0.1:"+strconv.Itoa(port), c.mode, roots)
			e := testEmail(MethodRequest)
			m := testMsg(t)
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			r := receive(t, got)

			if r.from != e.FromAddress || len(r.to) != 1 || r.to[0] != e.ToAddress {
				t.Errorf("envelope from %q to %q, want %q to %q", r.from, r.to, e.FromAddress, e.ToAddress)
			}
			if r.tls != c.wantTLS {
				t.Errorf("TLS = %v, want %v", r.tls, c.wantTLS)
			}
			if c.userinfo != "" && (r.username != "booking" || r.password != "s3cret:/@%") {
				t.Errorf("AUTH as %q/%q", r.username, r.password)
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(r.data))
			if err != nil {
				t.Fatalf("received message does not parse: %v\n%s", err, r.data)
			}
			checkHeaders(t, e, msg)
			if root := readTree(t, msg); root.mediaType != "multipart/mixed" || len(root.children) != 2 {
				t.Errorf("received %s with %d parts", root.mediaType, len(root.children))
			}
		})
	}
}

// go-mail offers PLAIN and LOGIN only over TLS, loopback included, so a
// password is never sent in clear: an AUTH PLAIN test without TLS cannot
// succeed. Check instead that the refusal is early or clear.
func TestSMTPSenderKeepsPasswordsOffPlainConnections(t *testing.T) {
	port, got := startSMTP(t, serverOptions{backend: smtpBackend{auth: true}})
	url := "smtp://booking:s3cret%3A%2F%40%25@127.0.0.1:" + strconv.Itoa(port)

	_, err := NewSMTPSender(SMTPConfig{URL: url, TLS: "none"})
	if err == nil || !strings.Contains(err.Error(), "ICS_SMTP_TLS=none") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("TLS none with a password: err = %v", err)
	}

	s := newSender(t, url, "opportunistic", nil)
	err = s.Send(context.Background(), testMsg(t))
	if err == nil || !strings.Contains(err.Error(), "safe without TLS") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("opportunistic without STARTTLS: err = %v", err)
	}
	if IsPermanent(err) {
		t.Errorf("a configuration error is permanent for the message: %v", err)
	}
	expectNothing(t, got)
}

func TestSMTPSenderRequiredTLSWithoutSTARTTLS(t *testing.T) {
	port, got := startSMTP(t, serverOptions{})
	s := newSender(t, "smtp://127.0.0.1:"+strconv.Itoa(port), "required", nil)
	err := s.Send(context.Background(), testMsg(t))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("err = %v, want one about STARTTLS", err)
	}
	expectNothing(t, got)
}

func TestSMTPSenderUntrustedCertificate(t *testing.T) {
	serverTLS, _ := selfSigned(t)
	port, _ := startSMTP(t, serverOptions{startTLS: serverTLS})
	s := newSender(t, "smtp://127.0.0.1:"+strconv.Itoa(port), "opportunistic", nil)
	if err := s.Send(context.Background(), testMsg(t)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %v, want a certificate error", err)
	}
}

func TestSMTPSenderErrors(t *testing.T) {
	tempFail := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	noMailbox := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	rejected := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message rejected"}
	cases := []struct {
		name      string
		backend   smtpBackend
		permanent bool
	}{
		{"451 at MAIL", smtpBackend{mailErr: tempFail}, false},
		{"451 at RCPT", smtpBackend{rcptErr: tempFail}, false},
		{"451 after DATA", smtpBackend{dataErr: tempFail}, false},
		{"550 at RCPT", smtpBackend{rcptErr: noMailbox}, true},
		{"550 at MAIL", smtpBackend{mailErr: noMailbox}, true},
		{"554 after DATA", smtpBackend{dataErr: rejected}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port, _ := startSMTP(t, serverOptions{backend: c.backend})
			s := newSender(t, "smtp://127.0.0.1:"+strconv.Itoa(port), "none", nil)
			err := s.Send(context.Background(), testMsg(t))
			if err == nil {
				t.Fatal("no error")
			}
			if got := IsPermanent(err); got != c.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, c.permanent)
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		// A stopped server keeps its port from other programs.
		down := smtptest.Start(t)
		down.Stop()
		s := newSender(t, down.URL(), "none", nil)
		err := s.Send(context.Background(), testMsg(t))
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v, want connection refused", err)
		}
		if IsPermanent(err) {
			t.Errorf("IsPermanent(%v) = true", err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		port, got := startSMTP(t, serverOptions{})
		s := newSender(t, "smtp://127.0.0.1:"+strconv.Itoa(port), "none", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Send(ctx, testMsg(t))
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("err = %v, want a temporary context.Canceled", err)
		}
		expectNothing(t, got)
	})

	if IsPermanent(nil) || IsPermanent(errors.New("something")) {
		t.Error("IsPermanent is true for nil or a plain error")
	}
}

func TestNewSMTPSender(t *testing.T) {
	good := []struct {
		url, mode   string
		port        int
		implicitTLS bool
		policy      mail.TLSPolicy
		user, pass  string
	}{
		{"smtp://mail.example.dk", "", 587, false, mail.TLSMandatory, "", ""},
		{"smtp://mail.example.dk", "opportunistic", 587, false, mail.TLSOpportunistic, "", ""},
		{"smtp://mail.example.dk:25", "none", 25, false, mail.NoTLS, "", ""},
		{"smtp://u:p@mail.example.dk:2525/", "Required", 2525, false, mail.TLSMandatory, "u", "p"},
		{"smtps://u%40x:p%3Aq@mail.example.dk", "", 465, true, mail.TLSMandatory, "u@x", "p:q"},
		{" smtps://mail.example.dk:4650 ", "required", 4650, true, mail.TLSMandatory, "", ""},
		{"smtp://[::1]:1025", "none", 1025, false, mail.NoTLS, "", ""},
		{"smtp://[::1]:1025", "", 1025, false, mail.TLSOpportunistic, "", ""},
		{"smtp://127.0.0.1:25", "", 25, false, mail.TLSOpportunistic, "", ""},
		{"smtp://localhost:25", "", 25, false, mail.TLSOpportunistic, "", ""},
		{"smtp://localhost:25", "required", 25, false, mail.TLSMandatory, "", ""},
	}
	for _, g := range good {
		s, err := NewSMTPSender(SMTPConfig{URL: g.url, TLS: g.mode})
		if err != nil {
			t.Errorf("%s %s: %v", g.url, g.mode, err)
			continue
		}
		if s.port != g.port || s.implicitTLS != g.implicitTLS || s.policy != g.policy || s.user != g.user || s.pass != g.pass {
			t.Errorf("%s %s: port %d, implicit TLS %v, policy %v, user %q, password %q", g.url, g.mode, s.port, s.implicitTLS, s.policy, s.user, s.pass)
		}
		if s.timeout != mail.DefaultTimeout {
			t.Errorf("%s: timeout %s", g.url, s.timeout)
		}
	}

	bad := []struct {
		url, mode string
		timeout   time.Duration
		mention   string
	}{
		{"", "", 0, "ICS_SMTP_URL"},
		{"http://user:hunter2@mail.example.dk", "", 0, "ICS_SMTP_URL"},
		{"mail.example.dk:587", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk:0", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk:99999", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk:smtp", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk/path", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk?tls=none", "", 0, "ICS_SMTP_URL"},
		{"smtp://user@mail.example.dk", "", 0, "ICS_SMTP_URL"},
		{"smtp://:hunter2@mail.example.dk", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk:%zz", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2\x7f@mail.example.dk", "", 0, "ICS_SMTP_URL"},
		{"smtp://user:hunter2@mail.example.dk", "starttls", 0, "ICS_SMTP_TLS"},
		{"smtp://user:hunter2@mail.example.dk", "none", 0, "ICS_SMTP_TLS"},
		{"smtps://mail.example.dk", "none", 0, "ICS_SMTP_TLS"},
		{"smtp://user:hunter2@mail.example.dk", "", -time.Second, "timeout"},
	}
	for _, b := range bad {
		_, err := NewSMTPSender(SMTPConfig{URL: b.url, TLS: b.mode, Timeout: b.timeout})
		if err == nil {
			t.Errorf("%q %q: no error", b.url, b.mode)
			continue
		}
		if !strings.Contains(err.Error(), b.mention) {
			t.Errorf("%q %q: error %q does not name %s", b.url, b.mode, err, b.mention)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q %q: error %q shows the password", b.url, b.mode, err)
		}
	}
}

var emlName = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-AAR-7K3M9Q\.2\.confirmation@booking\.example\.dk\.eml$`)

func TestFileSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox", "mail")
	f := FileSender{Dir: dir}
	var s Sender = f // FileSender is a Sender by value
	if err := s.Send(context.Background(), testMsg(t)); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("directory mode %v, want at most 0750", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d files in %s, want 1 (no temporary file left)", len(entries), dir)
	}
	name := entries[0].Name()
	if !emlName.MatchString(name) {
		t.Errorf("file name %q does not match %s", name, emlName)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, testEmail(MethodRequest), msg)
	if root := readTree(t, msg); root.mediaType != "multipart/mixed" || len(root.children) != 2 {
		t.Errorf("file holds %s with %d parts", root.mediaType, len(root.children))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Send(ctx, testMsg(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestFileSenderUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := (FileSender{Dir: file}).Send(context.Background(), testMsg(t)); err == nil {
		t.Error("writing into a file as a directory succeeded")
	}
}

func TestEMLFileName(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 123, time.FixedZone("CET", 3600))
	cases := map[string]string{
		"<AAR-7K3M9Q.2.confirmation@booking.example.dk>": "20261207T080000.000000123Z-AAR-7K3M9Q.2.confirmation@booking.example.dk.eml",
		"<../../etc/passwd@x>":                           "20261207T080000.000000123Z-.._.._etc_passwd@x.eml",
		"<a b\\c\x00d/é@x>":                              "20261207T080000.000000123Z-a_b_c_d__@x.eml",
		"":                                               "20261207T080000.000000123Z-no-message-id.eml",
		strings.Repeat("a", 300):                         "20261207T080000.000000123Z-" + strings.Repeat("a", 100) + ".eml",
	}
	for id, want := range cases {
		got := emlFileName(at, id)
		if got != want {
			t.Errorf("emlFileName(%q) = %q, want %q", id, got, want)
		}
		if filepath.Base(got) != got {
			t.Errorf("emlFileName(%q) = %q is a path", id, got)
		}
	}
}

// Without a setting, STARTTLS is required of any mail server but one on the
// machine itself: a stripped STARTTLS must not send manage links in clear.
func TestDefaultTLS(t *testing.T) {
	for host, want := range map[string]string{
		"mail.example.dk": TLSRequired,
		"10.0.0.25":       TLSRequired,
		"::ffff:10.0.0.1": TLSRequired,
		"localhost.dk":    TLSRequired,
		"":                TLSRequired,
		"localhost":       TLSOpportunistic,
		"LocalHost.":      TLSOpportunistic,
		"127.0.0.1":       TLSOpportunistic,
		"127.1.2.3":       TLSOpportunistic,
		"::1":             TLSOpportunistic,
	} {
		if got := DefaultTLS(host); got != want {
			t.Errorf("DefaultTLS(%q) = %s, want %s", host, got, want)
		}
	}
	if got := DefaultTLSOf("smtp://u:p@[::1]:25"); got != TLSOpportunistic {
		t.Errorf("DefaultTLSOf [::1] = %s", got)
	}
	if got := DefaultTLSOf("smtp://u:p@mail.example.dk:%zz"); got != TLSRequired {
		t.Errorf("DefaultTLSOf a broken URL = %s", got)
	}
}

// A message the server accepted is delivered even if the RSET after it
// fails: a 421 must not make it be sent again, nor a 502 mark it failed.
// QUIT is said only when a kept connection is closed, after every message
// on it had its answer: its failure concerns none of them.
func TestSMTPSenderDeliveredDespiteFailureAfter(t *testing.T) {
	for _, tt := range []struct {
		command string
		code    int
	}{{"RSET", 421}, {"RSET", 502}, {"QUIT", 421}, {"QUIT", 502}} {
		t.Run(tt.command+" "+strconv.Itoa(tt.code), func(t *testing.T) {
			command, code := tt.command, tt.code
			srv := smtptest.Start(t)
			srv.Fail(command, code)
			var logs bytes.Buffer
			s, err := NewSMTPSender(SMTPConfig{URL: srv.URL(), TLS: TLSNone, Timeout: 10 * time.Second,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), testMsg(t)); err != nil {
				t.Errorf("Send: %v", err)
			}
			if err := s.Close(); err != nil { // QUIT
				t.Errorf("Close: %v", err)
			}
			select {
			case <-srv.Messages:
			default:
				t.Fatal("the server received nothing")
			}
			log := logs.String()
			if strings.Contains(log, "AAR-7K3M9Q") {
				t.Errorf("log %q names the booking", log)
			}
			told := strings.Contains(log, "command="+command+" reply="+strconv.Itoa(code))
			if command == "RSET" && !told {
				t.Errorf("log %q does not tell of the failed RSET", log)
			}
			if command == "QUIT" && log != "" {
				t.Errorf("log %q: a failed QUIT is of no consequence", log)
			}
		})
	}
}

// A send to a server that has stopped answering ends when its context
// does, not at the SMTP timeout, and says it was interrupted.
func TestSMTPSenderStalledServerInterrupted(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Stall()
	s, err := NewSMTPSender(SMTPConfig{URL: srv.URL(), TLS: TLSNone, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, testMsg(t)) }()
	srv.AwaitStall()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("err = %v, want a temporary context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // the SMTP timeout is an hour
		t.Fatal("Send did not return when its context was cancelled")
	}
	srv.Unstall()
	select {
	case m := <-srv.Messages:
		t.Errorf("a stalled message was delivered: %s", m.Data)
	default:
	}
}
