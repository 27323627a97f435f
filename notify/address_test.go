package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMsgSendsDomainsInASCII(t *testing.T) {
	e := testEmail(MethodRequest)
	e.ToAddress = "ana@bücher.example"
	e.FromAddress = "booking@köbenhavn.example"
	m, err := e.Msg()
	if err != nil {
		t.Fatal(err)
	}
	if rcpts, err := m.GetRecipients(); err != nil || !slices.Equal(rcpts, []string{"<ana@xn--bcher-kva.example>"}) {
		t.Errorf("recipients %q, %v", rcpts, err)
	}
	if from, err := m.GetSender(false); err != nil || from != "<booking@xn--kbenhavn-n4a.example>" {
		t.Errorf("sender %q, %v", from, err)
	}
	_, msg := writeMsg(t, e)
	if to := msg.Header.Get("To"); !strings.Contains(to, "<ana@xn--bcher-kva.example>") {
		t.Errorf("To: %s", to)
	}

	e.ToAddress = "ana@-bad.example"
	if _, err := e.Msg(); err == nil {
		t.Error("an address whose domain has no ASCII form was taken")
	}
}

func TestSMTPUTF8(t *testing.T) {
	for _, offer := range []bool{false, true} {
		t.Run(fmt.Sprint("offered=", offer), func(t *testing.T) {
			port, got := startSMTP(t, serverOptions{smtputf8: offer})
			s := newSender(t, fmt.Sprintf("smtp://127.0.0.1:%d", port), TLSNone, nil)
			offers, err := s.OffersSMTPUTF8(t.Context())
			if err != nil || offers != offer {
				t.Fatalf("OffersSMTPUTF8 = %v, %v; want %v", offers, err, offer)
			}
			e := testEmail(MethodRequest)
			want := "ana@xn--bcher-kva.example"
			e.ToAddress = "ana@bücher.example"
			if offer {
				e.ToAddress, want = "müller@bücher.example", "müller@xn--bcher-kva.example"
			}
			m, err := e.Msg()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			if r := receive(t, got); !slices.Equal(r.to, []string{want}) {
				t.Errorf("RCPT TO %q, want %s", r.to, want)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		port, _ := startSMTP(t, serverOptions{})
		s := newSender(t, fmt.Sprintf("smtp://127.0.0.1:%d", port), TLSNone, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.OffersSMTPUTF8(ctx); err == nil {
			t.Error("no error without a connection")
		}
	})
}
