package notify

import (
	"bytes"
	"context"
	"errors"
	"html"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/notify/smtptest"
)

// senderFunc is a Sender made of a function.
type senderFunc func(ctx context.Context, msg *mail.Msg) error

func (f senderFunc) Send(ctx context.Context, msg *mail.Msg) error { return f(ctx, msg) }

// flakyStore fails the first few RecordEmailAttempt calls, as a database
// that drops a connection does.
type flakyStore struct {
	*store.Store
	mu       sync.Mutex
	failures int
}

func (s *flakyStore) RecordEmailAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool, at time.Time) error {
	s.mu.Lock()
	fail := s.failures > 0
	s.failures--
	s.mu.Unlock()
	if fail {
		return errors.New("connection reset by peer")
	}
	return s.Store.RecordEmailAttempt(ctx, id, attempt, sendErr, final, at)
}

// deliveryRig is a booking with its confirmation recorded (not queued) and
// a deliverer to send its emails through a sender.
type deliveryRig struct {
	d            *Deliverer
	st           *store.Store
	scheduler    *booking.Scheduler
	b            booking.Booking
	token        string
	confirmation int64 // the email's ID
}

// newDeliveryRig books req, or a residence permit renewal for Ana Silva on
// Monday 30 November 2026 at 09:00 if req is the zero Request.
func newDeliveryRig(t *testing.T, dialect string, failures int, sender Sender, req booking.Request) deliveryRig {
	t.Helper()
	if req.Center == "" {
		req = booking.Request{
			Center: "aarhus", Service: "residence-permit-renewal", Start: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
			Name: "Ana Silva", Email: "ana@example.com", Locale: "en",
		}
	}
	cat, loc := bookingtest.Catalogue()
	st := storetest.Open(t, dialect)
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := bookingtest.NewClock(bookingtest.Thursday).Now
	scheduler := booking.NewScheduler(cat, st, sealer, bookingtest.Policy(loc), now)
	b, token, err := scheduler.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	emails, err := st.Emails(context.Background(), b.ID)
	if err != nil || len(emails) != 1 {
		t.Fatalf("emails %+v, %v", emails, err)
	}
	d, err := NewDeliverer(&flakyStore{Store: st, failures: failures}, cat, sealer, sender, DelivererConfig{
		BaseURL: "https://booking.example.dk", From: "booking@example.dk", Location: loc, Now: now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return deliveryRig{d: d, st: st, scheduler: scheduler, b: b, token: token, confirmation: emails[0].ID}
}

// The outcome of an attempt is recorded even when the job's context ends
// during the send (its timeout, or a shutdown), and even when the database
// fails a couple of times: otherwise the email stays queued with nothing to
// deliver it, or goes out twice.
func TestDeliverRecordsOutcomeAfterContextEnds(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			for _, tt := range []struct {
				name      string
				failures  int  // of the database when recording
				delivered bool // before the context ends
				state     booking.EmailState
				canceled  bool // the error says the attempt was cut short
			}{
				{"sent as the context ends", 0, true, booking.EmailSent, false},
				{"interrupted", 0, false, booking.EmailQueued, true},
				{"sent, database hiccup", 2, true, booking.EmailSent, false},
				{"interrupted, database hiccup", 2, false, booking.EmailQueued, true},
			} {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					r := newDeliveryRig(t, dialect, tt.failures, senderFunc(func(ctx context.Context, _ *mail.Msg) error {
						cancel()
						if tt.delivered {
							return nil
						}
						return ctx.Err()
					}), booking.Request{})
					err := r.d.Deliver(ctx, r.confirmation, false)
					if tt.delivered && err != nil {
						t.Errorf("Deliver: %v", err)
					}
					if errors.Is(err, context.Canceled) != tt.canceled {
						t.Errorf("Deliver: %v; want context.Canceled %t", err, tt.canceled)
					}
					e, err := r.st.Email(context.Background(), r.confirmation)
					if err != nil {
						t.Fatal(err)
					}
					if e.State != tt.state || e.Attempts != 1 {
						t.Errorf("email %s after %d attempts (%q), want %s after 1", e.State, e.Attempts, e.LastError, tt.state)
					}
				})
			}
		})
	}
}

// TestBookingInvitationGolden writes the invitations of a booking of one
// service for one person and of a visit, in English and Danish, compares
// them with testdata/invite-<booking>-<locale>.ics, and reads them back with
// golang-ical: the event lasts the whole visit and its description names
// every service and the number of people.
func TestBookingInvitationGolden(t *testing.T) {
	cat, _ := bookingtest.Catalogue()
	tests := []struct {
		name, locale string
		b            booking.Booking
		end          time.Time
		summary      string
		description  []string
		passport     string
	}{
		{"renewal", "en", catalogueBooking("en", 45*time.Minute, 1, "residence-permit-renewal"), goldenStart.Add(45 * time.Minute),
			"Residence permit renewal guidance – Aarhus ICS Center", []string{"Bring:\n- Passport with valid visa/residence permit\n"},
			"Passport with valid visa/residence permit"},
		{"renewal", "da", catalogueBooking("da", 45*time.Minute, 1, "residence-permit-renewal"), goldenStart.Add(45 * time.Minute),
			"Vejledning om forlængelse af opholdstilladelse – Aarhus ICS Center", []string{"Medbring:\n- Pas med gyldigt visum eller gyldig opholdstilladelse\n"},
			"Pas med gyldigt visum eller gyldig opholdstilladelse"},
		{"visit", "en", visitBooking("en"), goldenStart.Add(150 * time.Minute),
			"CPR number application guidance + 1 more – Aarhus ICS Center", []string{
				"Services:\n- CPR number application guidance\n- Tax card application support\nPeople: 4\n",
				"Bring:\n- Passport with valid visa/residence permit\n- Proof of address in Denmark\n- Employment contract or study enrollment (if applicable)\n- Marriage certificate (if applicable)\n- Birth certificates for children (if applicable)\nChange or cancel: ",
			}, "Passport with valid visa/residence permit"},
		{"visit", "da", visitBooking("da"), goldenStart.Add(150 * time.Minute),
			"Vejledning om at få et CPR-nummer + 1 til – Aarhus ICS Center", []string{
				"Ydelser:\n- Vejledning om at få et CPR-nummer\n- Hjælp til at søge om skattekort\nAntal personer: 4\n",
				"Medbring:\n- Pas med gyldigt visum eller gyldig opholdstilladelse\n- Dokumentation for din adresse i Danmark\n- Ansættelseskontrakt eller bevis for studieplads (hvis relevant)\n- Vielsesattest (hvis relevant)\n- Fødselsattester for dine børn (hvis relevant)\nFlyt eller aflys: ",
			}, "Pas med gyldigt visum eller gyldig opholdstilladelse"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.locale, func(t *testing.T) {
			inv, err := BookingInvitation("https://booking.example.dk", "booking@example.dk", tt.b, cat, letterManageURL)
			if err != nil {
				t.Fatal(err)
			}
			inv.Method, inv.Stamp = MethodRequest, time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)
			data := checkGolden(t, "invite-"+tt.name+"-"+tt.locale+".ics", encodeInvitation(t, inv))

			_, ev := parseInvitation(t, data)
			if got := ev.Id(); got != "AAR-7K3M9Q@booking.example.dk" {
				t.Errorf("UID = %q", got)
			}
			if got := eventValue(t, ev, "SEQUENCE"); got != "0" {
				t.Errorf("SEQUENCE = %q, want 0", got)
			}
			if start, err := ev.GetStartAt(); err != nil || !start.Equal(goldenStart) {
				t.Errorf("DTSTART = %v (%v), want %v", start, err, goldenStart)
			}
			if end, err := ev.GetEndAt(); err != nil || !end.Equal(tt.end) {
				t.Errorf("DTEND = %v (%v), want %v", end, err, tt.end)
			}
			if got := eventValue(t, ev, "SUMMARY"); got != tt.summary {
				t.Errorf("SUMMARY = %q, want %q", got, tt.summary)
			}
			description := eventValue(t, ev, "DESCRIPTION")
			for _, want := range tt.description {
				if !strings.Contains(description, want) {
					t.Errorf("DESCRIPTION lacks %q:\n%s", want, description)
				}
			}
			// Every service here asks for the passport: it is listed once.
			if passport := "- " + tt.passport + "\n"; strings.Count(description, passport) != 1 {
				t.Errorf("DESCRIPTION lists %q %d times, want once:\n%s", passport, strings.Count(description, passport), description)
			}
		})
	}
}

// A family's visit, booked, moved and cancelled: every email names both
// services and the four people, and its invitation, read back with
// golang-ical, lasts from the visit's start to its end, 150 minutes later,
// on both databases.
func TestDeliverVisit(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var sent []smtptest.Parsed
			r := newDeliveryRig(t, dialect, 0, senderFunc(func(_ context.Context, msg *mail.Msg) error {
				var buf bytes.Buffer
				if _, err := msg.WriteTo(&buf); err != nil {
					return err
				}
				p, err := smtptest.Parse(buf.Bytes())
				sent = append(sent, p)
				return err
			}), booking.Request{
				Center: "aarhus", Services: []string{"cpr-number", "tax-card"}, People: 4,
				Start: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
				Name:  "Ana Silva", Email: "ana@example.com", Locale: "en",
			})
			moved, err := r.scheduler.Reschedule(ctx, r.b.Reference, r.token, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.scheduler.Cancel(ctx, r.b.Reference, r.token); err != nil {
				t.Fatal(err)
			}
			emails, err := r.st.Emails(ctx, r.b.ID)
			if err != nil || len(emails) != 3 {
				t.Fatalf("emails %+v, %v; want a confirmation, an update and a cancellation", emails, err)
			}
			for _, e := range emails {
				if err := r.d.Deliver(ctx, e.ID, false); err != nil {
					t.Fatalf("deliver the %s: %v", e.Kind, err)
				}
			}
			if len(sent) != 3 {
				t.Fatalf("%d emails sent, want 3", len(sent))
			}

			for i, want := range []struct {
				start    time.Time
				sequence string
				when     string
			}{
				{r.b.Start, "0", "Monday 30 November 2026, 09:00–11:30"},
				{moved.Start, "1", "Tuesday 1 December 2026, 10:00–12:30"},
				{moved.Start, "2", "Tuesday 1 December 2026, 10:00–12:30"},
			} {
				m := sent[i]
				lines := "Services:\n- CPR number application guidance\n- Tax card application support\nPeople: 4\nTime: " + want.when
				if text := strings.ReplaceAll(m.Text, "\r\n", "\n"); !strings.Contains(text, lines) {
					t.Errorf("the %s's text lacks\n%s\nin\n%s", emails[i].Kind, lines, text)
				}
				_, ev := parseInvitation(t, m.Calendar)
				if got := eventValue(t, ev, "SEQUENCE"); got != want.sequence {
					t.Errorf("the %s's SEQUENCE = %s, want %s", emails[i].Kind, got, want.sequence)
				}
				if ev.Id() != r.b.Reference+"@booking.example.dk" {
					t.Errorf("the %s's UID = %s", emails[i].Kind, ev.Id())
				}
				start, err := ev.GetStartAt()
				if err != nil || !start.Equal(want.start) {
					t.Errorf("the %s's DTSTART = %v (%v), want %v", emails[i].Kind, start, err, want.start)
				}
				if end, err := ev.GetEndAt(); err != nil || !end.Equal(want.start.Add(150*time.Minute)) {
					t.Errorf("the %s's DTEND = %v (%v), want %v, 150 minutes after its start", emails[i].Kind, end, err, want.start.Add(150*time.Minute))
				}
				description := eventValue(t, ev, "DESCRIPTION")
				for _, s := range []string{"- CPR number application guidance\n", "- Tax card application support\n", "People: 4\n"} {
					if !strings.Contains(description, s) {
						t.Errorf("the %s's DESCRIPTION lacks %q:\n%s", emails[i].Kind, s, description)
					}
				}
			}
			rebook := "https://booking.example.dk/book/aarhus/cpr-number?also=tax-card&lang=en&people=4"
			if !strings.Contains(sent[2].Text, rebook) {
				t.Errorf("the cancellation does not lead to booking the visit again (%s):\n%s", rebook, sent[2].Text)
			}
		})
	}
}

// waitRig delivers the emails of waitlist entries from a real store
// through a real SMTP server, with a scheduler that puts newcomers in line
// and offers them times, on a clock standing at bookingtest.Thursday.
type waitRig struct {
	d         *Deliverer
	st        *store.Store
	scheduler *booking.Scheduler
	clock     *bookingtest.Clock
	smtp      *smtptest.Server
	loc       *time.Location
}

func newWaitRig(t *testing.T, dialect string) *waitRig {
	t.Helper()
	cat, loc := bookingtest.Catalogue()
	st := storetest.Open(t, dialect)
	sealer, err := booking.NewSealer(bytes.Repeat([]byte{7}, booking.TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	clock := bookingtest.NewClock(bookingtest.Thursday)
	srv := smtptest.Start(t)
	sender, err := NewSMTPSender(SMTPConfig{URL: srv.URL(), TLS: "none", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDeliverer(st, cat, sealer, sender, DelivererConfig{
		BaseURL: "https://booking.example.dk", From: "booking@example.dk", Location: loc, Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &waitRig{d: d, st: st, scheduler: booking.NewScheduler(cat, st, sealer, bookingtest.Policy(loc), clock.Now),
		clock: clock, smtp: srv, loc: loc}
}

// friday is a time on Friday 27 November 2026, the day after the rig's
// now, in Copenhagen.
func (r *waitRig) friday(hour, minute int) time.Time {
	return time.Date(2026, time.November, 27, hour, minute, 0, 0, r.loc)
}

// join puts Ana Silva in line for a residence permit renewal at Aarhus
// until Tuesday 15 December 2026, with her emails in locale.
func (r *waitRig) join(t *testing.T, locale string) (booking.WaitEntry, string) {
	t.Helper()
	e, token, err := r.scheduler.JoinWaitlist(t.Context(), booking.WaitRequest{
		Center: "aarhus", Service: "residence-permit-renewal", Name: "Ana Silva", Email: "ana@example.com",
		Locale: locale, Until: booking.Date{Year: 2026, Month: time.December, Day: 15},
	})
	if err != nil {
		t.Fatalf("join the waitlist: %v", err)
	}
	return e, token
}

// entry reads the entry as it is now.
func (r *waitRig) entry(t *testing.T, id int64) booking.WaitEntry {
	t.Helper()
	e, err := r.st.WaitEntryByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// emails returns the entry's emails, oldest first, and checks their kinds.
func (r *waitRig) emails(t *testing.T, id int64, kinds ...booking.EmailKind) []booking.Email {
	t.Helper()
	emails, err := r.st.WaitEmails(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var got []booking.EmailKind
	for _, e := range emails {
		got = append(got, e.Kind)
	}
	if !slices.Equal(got, kinds) {
		t.Fatalf("the entry's emails are %q, want %q", got, kinds)
	}
	return emails
}

// deliver delivers email id and returns the state it is in afterwards.
func (r *waitRig) deliver(t *testing.T, id int64) booking.Email {
	t.Helper()
	if err := r.d.Deliver(t.Context(), id, false); err != nil {
		t.Fatalf("deliver email %d: %v", id, err)
	}
	e, err := r.st.Email(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// received returns the next message the SMTP server accepted, taken apart.
func (r *waitRig) received(t *testing.T) smtptest.Parsed {
	t.Helper()
	select {
	case m := <-r.smtp.Messages:
		p, err := smtptest.Parse(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		p.Text = strings.ReplaceAll(p.Text, "\r\n", "\n")
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the mail server")
		return smtptest.Parsed{}
	}
}

// noMore fails if the SMTP server accepted another message.
func (r *waitRig) noMore(t *testing.T) {
	t.Helper()
	select {
	case m := <-r.smtp.Messages:
		t.Errorf("unexpected message:\n%s", m.Data)
	default:
	}
}

// checkWaitMessage checks what every email to a waitlist entry has: from
// the center, to the newcomer, the stable Message-ID and no invitation.
func checkWaitMessage(t *testing.T, m smtptest.Parsed, e booking.WaitEntry, messageID string) {
	t.Helper()
	from, err := netmail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Name != "Aarhus ICS Center" || from.Address != "booking@example.dk" {
		t.Errorf("From = %q (%v)", m.Header.Get("From"), err)
	}
	if to, err := netmail.ParseAddress(m.Header.Get("To")); err != nil || to.Address != e.Email {
		t.Errorf("To = %q (%v), want %s", m.Header.Get("To"), err, e.Email)
	}
	if got := m.Header.Get("Message-Id"); got != messageID {
		t.Errorf("Message-ID = %q, want %q", got, messageID)
	}
	if m.Calendar != nil || m.Attachment != nil || m.CalendarMethod != "" {
		t.Errorf("an email to a waitlist entry carries an invitation:\n%s", m.Calendar)
	}
}

// An entry that joins gets its joined email, in its language, with a link
// that shows the holder their place.
func TestDeliverWaitlistJoined(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		for _, tt := range []struct {
			locale, subject string
			has             []string
		}{
			{"en", "You are on the waitlist at Aarhus ICS Center", []string{
				"Hello Ana Silva,", "You are on the waitlist at Aarhus ICS Center",
				"Service: Residence permit renewal guidance\n", "Last day: Tuesday 15 December 2026\n",
				"it is held for you for a while, and the email says until when", "leave the waitlist",
			}},
			{"da", "Du er på ventelisten hos Aarhus ICS Center", []string{
				"Kære Ana Silva", "Du er nu på ventelisten hos Aarhus ICS Center",
				"Ydelse: Vejledning om forlængelse af opholdstilladelse\n", "Sidste dag: tirsdag den 15. december 2026\n",
				"holder vi den til dig et stykke tid, og mailen fortæller hvor længe", "forlade ventelisten",
			}},
		} {
			t.Run(dialect+"/"+tt.locale, func(t *testing.T) {
				r := newWaitRig(t, dialect)
				e, token := r.join(t, tt.locale)
				emails := r.emails(t, e.ID, booking.EmailWaitJoined)
				if got := r.deliver(t, emails[0].ID); got.State != booking.EmailSent || got.Attempts != 1 {
					t.Errorf("the joined email is %s after %d attempts (%q), want sent after 1", got.State, got.Attempts, got.LastError)
				}
				m := r.received(t)
				checkWaitMessage(t, m, e, "<"+e.Reference+".waitlist.joined.0@booking.example.dk>")
				if m.Subject != tt.subject {
					t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
				}
				link := booking.WaitlistURL("https://booking.example.dk", e.Reference, token)
				for _, s := range append(tt.has, "Reference: "+e.Reference+"\n", link+"\n") {
					if !strings.Contains(m.Text, s) {
						t.Errorf("text lacks %q:\n%s", s, m.Text)
					}
				}
				if !strings.Contains(m.HTML, `href="`+html.EscapeString(link)+`"`) {
					t.Errorf("HTML has no link to %s:\n%s", link, m.HTML)
				}

				// The link works: its token shows the holder the entry.
				u, err := url.Parse(link)
				if err != nil {
					t.Fatal(err)
				}
				view, err := r.scheduler.WaitEntry(t.Context(), path.Base(u.Path), u.Query().Get("token"))
				if err != nil || view.ID != e.ID || view.Position != 1 {
					t.Errorf("the link shows %+v, %v; want entry %d, first in line", view, err, e.ID)
				}
				r.noMore(t)
			})
		}
	}
}

// A time freed by a cancellation is offered to the entry waiting for it:
// the offer names the time and the end of its hold and leads to accepting
// or declining it. Accepting books it, and the booking's confirmation, not
// the offer, carries the invitation.
func TestDeliverWaitlistOffer(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		for _, tt := range []struct {
			locale, subject string
			has             []string
		}{
			{"en", "A time is held for you at Aarhus ICS Center on 27 November 2026 at 09:00", []string{
				"A time has freed up at Aarhus ICS Center, and we are holding it for you.",
				"Time: Friday 27 November 2026, 09:00–09:45 (Copenhagen time, CET)\n",
				"Answer by: Thursday 26 November 2026, 10:30 (Copenhagen time, CET)\n",
				"Place: Aarhus ICS Center, Banegårdspladsen 1A, 8000 Aarhus C\n",
				"To accept the time, or to decline it, use this link before then:\n",
				"you keep your place in line for another time",
			}},
			{"da", "Vi holder en tid til dig hos Aarhus ICS Center den 27. november 2026 kl. 09.00", []string{
				"En tid er blevet ledig hos Aarhus ICS Center, og vi holder den til dig.",
				"Tid: fredag den 27. november 2026 kl. 09.00–09.45 (dansk tid, CET)\n",
				"Svar senest: torsdag den 26. november 2026 kl. 10.30 (dansk tid, CET)\n",
				"Sted: Aarhus ICS Center, Banegårdspladsen 1A, 8000 Aarhus C\n",
				"Tag imod tiden eller sig nej tak her inden fristen:\n",
				"du beholder din plads i køen til en anden tid",
			}},
		} {
			t.Run(dialect+"/"+tt.locale, func(t *testing.T) {
				ctx := t.Context()
				r := newWaitRig(t, dialect)
				bo, boToken, err := r.scheduler.Book(ctx, booking.Request{Center: "aarhus", Service: "residence-permit-renewal",
					Start: r.friday(9, 0), Name: "Bo Jensen", Email: "bo@example.com", Locale: "da"})
				if err != nil {
					t.Fatal(err)
				}
				e, token := r.join(t, tt.locale)
				if _, err := r.scheduler.Cancel(ctx, bo.Reference, boToken); err != nil {
					t.Fatal(err)
				}
				if got := r.entry(t, e.ID); got.Status != booking.WaitOffered || got.Offers != 1 || !got.Offer.Start.Equal(r.friday(9, 0)) {
					t.Fatalf("after the cancellation the entry is %s with offer %d at %v, want offered offer 1 at %v",
						got.Status, got.Offers, got.Offer.Start, r.friday(9, 0))
				}
				emails := r.emails(t, e.ID, booking.EmailWaitJoined, booking.EmailWaitOffer)
				for _, email := range emails {
					if got := r.deliver(t, email.ID); got.State != booking.EmailSent {
						t.Errorf("the %s is %s (%q), want sent", email.Kind, got.State, got.LastError)
					}
				}
				r.received(t) // joined
				m := r.received(t)
				checkWaitMessage(t, m, e, "<"+e.Reference+".waitlist.offer.1@booking.example.dk>")
				if m.Subject != tt.subject {
					t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
				}
				link := booking.WaitlistURL("https://booking.example.dk", e.Reference, token)
				for _, s := range append(tt.has, link+"\n") {
					if !strings.Contains(m.Text, s) {
						t.Errorf("text lacks %q:\n%s", s, m.Text)
					}
				}
				if !strings.Contains(m.HTML, `href="`+html.EscapeString(link)+`"`) {
					t.Errorf("HTML has no link to %s:\n%s", link, m.HTML)
				}

				b, _, moved, err := r.scheduler.AcceptOffer(ctx, e.Reference, token)
				if err != nil || moved {
					t.Fatalf("accept: moved %t, %v", moved, err)
				}
				confirmation, err := r.st.Emails(ctx, b.ID)
				if err != nil || len(confirmation) != 1 || confirmation[0].Kind != booking.EmailConfirmation {
					t.Fatalf("the accepted booking's emails: %+v, %v", confirmation, err)
				}
				r.deliver(t, confirmation[0].ID)
				if m := r.received(t); m.CalendarMethod != "REQUEST" || !strings.Contains(m.Text, "Friday 27 November 2026, 09:00–09:45") &&
					!strings.Contains(m.Text, "fredag den 27. november 2026 kl. 09.00–09.45") {
					t.Errorf("the confirmation of the accepted offer (method %q):\n%s", m.CalendarMethod, m.Text)
				}
				r.noMore(t)
			})
		}
	}
}

// An offer answered, or ended, before its email went out is not sent; a
// later offer to the same entry is.
func TestDeliverWaitlistOfferNoLongerOpen(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		for _, tt := range []struct {
			name   string
			answer func(t *testing.T, r *waitRig, e booking.WaitEntry, token string)
			reason string
		}{
			{"declined", func(t *testing.T, r *waitRig, e booking.WaitEntry, token string) {
				if _, err := r.scheduler.DeclineOffer(t.Context(), e.Reference, token); err != nil {
					t.Fatal(err)
				}
			}, "answered or ended"},
			{"accepted", func(t *testing.T, r *waitRig, e booking.WaitEntry, token string) {
				if _, _, _, err := r.scheduler.AcceptOffer(t.Context(), e.Reference, token); err != nil {
					t.Fatal(err)
				}
			}, "answered or ended"},
			{"left", func(t *testing.T, r *waitRig, e booking.WaitEntry, token string) {
				if _, err := r.scheduler.LeaveWaitlist(t.Context(), e.Reference, token); err != nil {
					t.Fatal(err)
				}
			}, "answered or ended"},
			{"hold ran out", func(t *testing.T, r *waitRig, e booking.WaitEntry, token string) {
				// Its expiry job has not run yet.
				r.clock.Advance(31 * time.Minute)
			}, "hold ended"},
		} {
			t.Run(dialect+"/"+tt.name, func(t *testing.T) {
				r := newWaitRig(t, dialect)
				e, token := r.join(t, "en")
				if _, err := r.scheduler.OfferTime(t.Context(), "aarhus", r.friday(9, 0)); err != nil {
					t.Fatal(err)
				}
				tt.answer(t, r, e, token)
				emails := r.emails(t, e.ID, booking.EmailWaitJoined, booking.EmailWaitOffer)
				got := r.deliver(t, emails[1].ID)
				if got.State != booking.EmailSkipped || got.Attempts != 0 || !strings.Contains(got.LastError, tt.reason) {
					t.Errorf("the offer is %s after %d attempts (%q), want skipped, %s", got.State, got.Attempts, got.LastError, tt.reason)
				}
				r.deliver(t, emails[0].ID)
				if m := r.received(t); m.Subject != "You are on the waitlist at Aarhus ICS Center" {
					t.Errorf("sent %q, want only the joined email", m.Subject)
				}
				r.noMore(t)
			})
		}

		t.Run(dialect+"/offered again", func(t *testing.T) {
			r := newWaitRig(t, dialect)
			e, token := r.join(t, "en")
			if _, err := r.scheduler.OfferTime(t.Context(), "aarhus", r.friday(9, 0)); err != nil {
				t.Fatal(err)
			}
			if _, err := r.scheduler.DeclineOffer(t.Context(), e.Reference, token); err != nil {
				t.Fatal(err)
			}
			if _, err := r.scheduler.OfferTime(t.Context(), "aarhus", r.friday(13, 0)); err != nil {
				t.Fatal(err)
			}
			emails := r.emails(t, e.ID, booking.EmailWaitJoined, booking.EmailWaitOffer, booking.EmailWaitOffer)
			for i, want := range []booking.EmailState{booking.EmailSent, booking.EmailSkipped, booking.EmailSent} {
				if got := r.deliver(t, emails[i].ID); got.State != want {
					t.Errorf("email %d (%s %d) is %s (%q), want %s", i, emails[i].Kind, emails[i].Sequence, got.State, got.LastError, want)
				}
			}
			r.received(t) // joined
			m := r.received(t)
			checkWaitMessage(t, m, e, "<"+e.Reference+".waitlist.offer.2@booking.example.dk>")
			if want := "Time: Friday 27 November 2026, 13:00–13:45 (Copenhagen time, CET)\n"; !strings.Contains(m.Text, want) {
				t.Errorf("the second offer lacks %q:\n%s", want, m.Text)
			}
			r.noMore(t)
		})
	}
}

// An entry whose last day passes, or that lets MaxMissedOffers offers
// expire, is told it ended, why, and where to book instead.
func TestDeliverWaitlistEnded(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		for _, tt := range []struct {
			name      string
			end       func(t *testing.T, r *waitRig, e booking.WaitEntry)
			kinds     []booking.EmailKind
			states    []booking.EmailState
			messageID string
			why       string
		}{
			{"last day passed", func(t *testing.T, r *waitRig, e booking.WaitEntry) {
				r.clock.Set(time.Date(2026, time.December, 16, 9, 0, 0, 0, time.UTC))
				if _, err := r.scheduler.SweepWaitlist(t.Context()); err != nil {
					t.Fatal(err)
				}
			}, []booking.EmailKind{booking.EmailWaitJoined, booking.EmailWaitEnded},
				[]booking.EmailState{booking.EmailSent, booking.EmailSent},
				".waitlist.ended.0@booking.example.dk>",
				"Your place on the waitlist at Aarhus ICS Center has ended: your last day has passed without a time freeing up for you.\n"},
			{"offers missed", func(t *testing.T, r *waitRig, e booking.WaitEntry) {
				for i, start := range []time.Time{r.friday(9, 0), r.friday(13, 0)} {
					if _, err := r.scheduler.OfferTime(t.Context(), "aarhus", start); err != nil {
						t.Fatal(err)
					}
					r.clock.Advance(31 * time.Minute)
					if err := r.scheduler.ExpireOffer(t.Context(), e.ID, i+1); err != nil {
						t.Fatal(err)
					}
				}
			}, []booking.EmailKind{booking.EmailWaitJoined, booking.EmailWaitOffer, booking.EmailWaitOffer, booking.EmailWaitEnded},
				[]booking.EmailState{booking.EmailSent, booking.EmailSkipped, booking.EmailSkipped, booking.EmailSent},
				".waitlist.ended.2@booking.example.dk>",
				"Your place on the waitlist at Aarhus ICS Center has ended, because 2 times held for you were not answered in time.\n"},
		} {
			t.Run(dialect+"/"+tt.name, func(t *testing.T) {
				r := newWaitRig(t, dialect)
				e, _ := r.join(t, "en")
				tt.end(t, r, e)
				if got := r.entry(t, e.ID); got.Status != booking.WaitExpired {
					t.Fatalf("the entry is %s, want expired", got.Status)
				}
				emails := r.emails(t, e.ID, tt.kinds...)
				for i, email := range emails {
					if got := r.deliver(t, email.ID); got.State != tt.states[i] {
						t.Errorf("the %s %d is %s (%q), want %s", email.Kind, email.Sequence, got.State, got.LastError, tt.states[i])
					}
				}
				r.received(t) // joined
				m := r.received(t)
				checkWaitMessage(t, m, e, "<"+e.Reference+tt.messageID)
				if want := "Your place on the waitlist at Aarhus ICS Center has ended"; m.Subject != want {
					t.Errorf("subject = %q, want %q", m.Subject, want)
				}
				rebook := "https://booking.example.dk/book/aarhus/residence-permit-renewal?lang=en"
				for _, s := range []string{tt.why, "book a new appointment", rebook + "\n"} {
					if !strings.Contains(m.Text, s) {
						t.Errorf("text lacks %q:\n%s", s, m.Text)
					}
				}
				if strings.Contains(m.Text, "/waitlist/") {
					t.Errorf("the ended email links to the entry:\n%s", m.Text)
				}
				r.noMore(t)
			})
		}
	}
}

// A later email of an entry waits for an earlier one still queued: an
// offer whose turn comes before the joined email went out is put back,
// without an attempt, and goes after it.
func TestDeliverWaitlistInOrder(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			r := newWaitRig(t, dialect)
			e, _ := r.join(t, "en")
			if _, err := r.scheduler.OfferTime(t.Context(), "aarhus", r.friday(9, 0)); err != nil {
				t.Fatal(err)
			}
			emails := r.emails(t, e.ID, booking.EmailWaitJoined, booking.EmailWaitOffer)
			joined, offer := emails[0], emails[1]

			err := r.d.Deliver(t.Context(), offer.ID, false)
			var wait *WaitError
			if !errors.As(err, &wait) || wait.WaitingFor() != joined.ID {
				t.Fatalf("delivering the offer first: %v; want to wait for email %d", err, joined.ID)
			}
			if got, err := r.st.Email(t.Context(), offer.ID); err != nil || got.State != booking.EmailQueued || got.Attempts != 0 {
				t.Errorf("the offer is %s after %d attempts (%v), want queued after none", got.State, got.Attempts, err)
			}
			r.noMore(t)

			for _, email := range []booking.Email{joined, offer} {
				if got := r.deliver(t, email.ID); got.State != booking.EmailSent {
					t.Errorf("the %s is %s (%q)", email.Kind, got.State, got.LastError)
				}
			}
			for _, want := range []string{".waitlist.joined.0@", ".waitlist.offer.1@"} {
				if m := r.received(t); !strings.Contains(m.Header.Get("Message-Id"), want) {
					t.Errorf("received %s, want the %s email", m.Header.Get("Message-Id"), want)
				}
			}
		})
	}
}

// staleWait lets an email to a waitlist entry go unless the entry's data is
// erased or, for an offer, unless it is the entry's open offer.
func TestStaleWait(t *testing.T) {
	now := bookingtest.Thursday
	offered := booking.WaitEntry{Status: booking.WaitOffered, Offers: 2, Offer: booking.Offer{Expires: now.Add(time.Minute)}}
	erased := offered
	erased.ErasedAt = now
	waiting := booking.WaitEntry{Status: booking.WaitWaiting, Offers: 2}
	expired := booking.WaitEntry{Status: booking.WaitExpired, Offers: 2}
	joined := booking.Email{Kind: booking.EmailWaitJoined}
	offer := booking.Email{Kind: booking.EmailWaitOffer, Sequence: 2}
	ended := booking.Email{Kind: booking.EmailWaitEnded, Sequence: 2}
	for _, tt := range []struct {
		name  string
		email booking.Email
		entry booking.WaitEntry
		now   time.Time
		stale bool
	}{
		{"joined, offered since", joined, offered, now, false},
		{"joined, left since", joined, booking.WaitEntry{Status: booking.WaitLeft}, now, false},
		{"joined, erased", joined, erased, now, true},
		{"the open offer", offer, offered, now, false},
		{"the open offer, erased", offer, erased, now, true},
		{"an earlier offer", booking.Email{Kind: booking.EmailWaitOffer, Sequence: 1}, offered, now, true},
		{"an offer declined", offer, waiting, now, true},
		{"an offer whose hold ran out", offer, offered, now.Add(time.Minute), true},
		{"ended", ended, expired, now, false},
	} {
		if got := staleWait(tt.email, tt.entry, tt.now); (got != "") != tt.stale {
			t.Errorf("%s: staleWait = %q, want stale %t", tt.name, got, tt.stale)
		}
	}
}
