package store_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

// No log line holds a statement's parameters, at debug level (every
// statement) or as a slow statement's warning, whichever way the store
// runs it: GORM's Scan logs through a path of its own.
func TestLogsNoParameters(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		for _, tt := range []struct {
			name  string
			level slog.Level
			slow  time.Duration // 0: the store's own threshold
		}{
			{"debug", slog.LevelDebug, 0},
			{"slow", slog.LevelWarn, time.Nanosecond},
		} {
			t.Run(dialect+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var buf bytes.Buffer
				var mu sync.Mutex
				logger := slog.New(slog.NewTextHandler(lockedWriter{&buf, &mu}, &slog.HandlerOptions{Level: tt.level}))
				s, err := store.Open(t.Context(), storetest.URL(t, dialect), logger)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer s.Close()
				if tt.slow > 0 {
					store.SetSlowQuery(s, tt.slow)
				}
				secrets := useEveryPath(t, s)
				mu.Lock()
				out := buf.String()
				mu.Unlock()
				if !strings.Contains(out, "INSERT INTO") || !strings.Contains(out, "SELECT count(*) FROM bookings") {
					t.Errorf("log lacks statements:\n%s", out)
				}
				for _, secret := range secrets {
					if strings.Contains(out, secret) {
						t.Errorf("log contains %q:\n%s", secret, out)
					}
				}
			})
		}
	}
}

// useEveryPath writes and reads personal data through GORM's ways of
// running a statement (Create, Find, Exec, Raw with Scan and with Row) and
// returns what must not be logged.
func useEveryPath(t *testing.T, s *store.Store) []string {
	t.Helper()
	ctx := t.Context()
	b := create(t, s, newBooking("CPH-LOG001", nine), desk(nine, 1))
	if _, err := s.Booking(ctx, b.Reference); err != nil {
		t.Fatalf("Booking: %v", err)
	}
	if n, err := s.ActiveBookings(ctx, b.Email, nine.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("ActiveBookings: %d, %v", n, err)
	}
	bucket := []byte("address-bucket-1")
	if _, err := s.CountHit(ctx, bucket, nine); err != nil {
		t.Fatalf("CountHit: %v", err)
	}
	tk := walkInTicket("aarhus", queueDay, nine)
	client := []byte("client-key-secret")
	if _, err := s.IssueTicket(ctx, tk, booking.ClientLimit{Client: client, Max: 2}); err != nil {
		t.Fatalf("IssueTicket: %v", err)
	}
	if _, err := s.TicketByToken(ctx, tk.Token); err != nil {
		t.Fatalf("TicketByToken: %v", err)
	}
	const staffEmail = "mette.secret@ics.dk"
	if _, err := s.CreateAccount(ctx, staff.Account{Email: staffEmail, Center: "cph", Role: staff.RoleStaff, CreatedAt: nine}, "hash-secret"); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if _, _, err := s.AccountByEmail(ctx, staffEmail); err != nil {
		t.Fatalf("AccountByEmail: %v", err)
	}
	const failureKey = "failure-key-secret"
	if err := s.RecordLoginFailure(ctx, failureKey, nine, nine.Add(-time.Hour)); err != nil {
		t.Fatalf("RecordLoginFailure: %v", err)
	}
	if _, err := s.LoginFailures(ctx, []string{failureKey}); err != nil {
		t.Fatalf("LoginFailures: %v", err)
	}
	if err := s.EraseBooking(ctx, b.ID, nine.Add(time.Hour)); err != nil {
		t.Fatalf("EraseBooking: %v", err)
	}
	return []string{b.Name, b.Email, b.Reference, b.Phone, "passport", string(bucket), string(client), tk.Token,
		staffEmail, "hash-secret", failureKey}
}
