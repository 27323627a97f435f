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
	c, err := s.client()
	if err != nil {
		return false, err
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return false, fmt.Errorf("SMTP %s:%d: %w", s.host, s.port, err)
	}
	defer c.CloseWithSMTPClient(conn)
	offers, _ := conn.Extension("SMTPUTF8")
	return offers, nil
}
