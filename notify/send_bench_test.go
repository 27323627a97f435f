package notify

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSMTPSender sends to a mail server on loopback from 8 goroutines
// per core at once, more than the mail workers (ICS_MAIL_WORKERS) ever do: the cost of a message on the wire,
// dialing and the TLS handshake included where a connection is not kept.
func BenchmarkSMTPSender(b *testing.B) {
	serverTLS, roots := selfSigned(b)
	for _, c := range []struct {
		name, mode string
		server     serverOptions
	}{
		{"plain", TLSNone, serverOptions{}},
		{"STARTTLS", TLSRequired, serverOptions{startTLS: serverTLS}},
	} {
		b.Run(c.name, func(b *testing.B) {
			port, got := startSMTP(b, c.server)
			done := make(chan struct{})
			defer close(done)
			go func() {
				for {
					select {
					case <-got:
					case <-done:
						return
					}
				}
			}()
			s, err := NewSMTPSender(SMTPConfig{URL: "smtp://127.0.0.1:" + strconv.Itoa(port), TLS: c.mode, Timeout: 10 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			s.rootCAs = roots
			defer s.Close()
			b.SetParallelism(8) // 8 goroutines per GOMAXPROCS
			b.RunParallel(func(pb *testing.PB) {
				msg, err := testEmail(MethodRequest).Msg()
				if err != nil {
					b.Error(err)
					return
				}
				for pb.Next() {
					if err := s.Send(context.Background(), msg); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
