package notify

import (
	"context"
	"fmt"
)

// OffersSMTPUTF8 connects to the mail server and reports whether it offers
// SMTPUTF8 (RFC 6531), without which an address with letters outside ASCII
// before the @ cannot be delivered to. go-mail (v0.8.1) sends a message
// with the SMTPUTF8 parameter whenever the server offers it, so that offer
// is all such an address needs.
func (s *SMTPSender) OffersSMTPUTF8(ctx context.Context) (bool, error) {
	dialed := &conns{}
	c, err := s.client(dialed)
	if err != nil {
		return false, err
	}
	// As in Send: go-mail heeds ctx only while dialing.
	defer context.AfterFunc(ctx, dialed.close)()
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return false, fmt.Errorf("SMTP %s:%d: %w", s.host, s.port, err)
	}
	defer c.CloseWithSMTPClient(conn)
	offers, _ := conn.Extension("SMTPUTF8")
	return offers, nil
}
