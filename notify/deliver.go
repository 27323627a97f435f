package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ics-booking/icsbooking/booking"
)

// Store is what delivery needs of the booking store.
type Store interface {
	// Delivery reads an email, the booking it tells of and the earlier
	// email still queued, in one query for an email about a booking.
	Delivery(ctx context.Context, id int64) (booking.Delivery, error)
	WaitEntryByID(ctx context.Context, id int64) (booking.WaitEntry, error)
	RecordEmailAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool, at time.Time) error
	RecordEmailSkipped(ctx context.Context, id int64, reason string, at time.Time) error
}

// DelivererConfig holds what a Deliverer needs besides its parts.
type DelivererConfig struct {
	// BaseURL is the public URL of the site, for manage links; its host
	// names UIDs and Message-IDs.
	BaseURL string
	// From is the sending mailbox, also the invitation's ORGANIZER; the
	// center's name goes with it.
	From     string
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
	// Observe, if not nil, is told each attempt's outcome (sent, retry,
	// failed, skipped) and, for a sent email, how long after its change it
	// went out: the metrics.
	Observe func(outcome string, latency time.Duration)
	// Catalogue, if not nil, returns the catalogue in use, which admins
	// may change while the server runs; each email is written from the
	// one in use then. Nil: the catalogue given to NewDeliverer.
	Catalogue func() booking.Catalogue
}

// Deliverer builds and sends the email recorded for a change of a booking
// or of a waitlist entry.
type Deliverer struct {
	store     Store
	catalogue booking.Catalogue
	sealer    *booking.Sealer
	sender    Sender
	cfg       DelivererConfig
	host      string
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(store Store, catalogue booking.Catalogue, sealer *booking.Sealer, sender Sender, cfg DelivererConfig) (*Deliverer, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("deliverer: base URL %q has no host", cfg.BaseURL)
	}
	return &Deliverer{store: store, catalogue: catalogue, sealer: sealer, sender: sender, cfg: cfg, host: u.Hostname()}, nil
}

// currentCatalogue is the catalogue to write an email from.
func (d *Deliverer) currentCatalogue() booking.Catalogue {
	if d.cfg.Catalogue != nil {
		return d.cfg.Catalogue()
	}
	return d.catalogue
}

// permanentError is a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// WaitError says an email must wait for an earlier one of the same booking
// (or waitlist entry), EmailID, which is still queued, so that calendars
// and newcomers see the changes in order: an invitation retried after an
// outage must not arrive after the cancellation that followed it, nor an
// offer before the email that confirmed the place in line. Its method
// WaitingFor tells the queue which email to wait for; waiting does not
// count as an attempt.
type WaitError struct{ EmailID int64 }

func (e *WaitError) Error() string {
	return fmt.Sprintf("earlier email %d to the same newcomer is not sent yet", e.EmailID)
}

// WaitingFor is the ID of the email to wait for.
func (e *WaitError) WaitingFor() int64 { return e.EmailID }

// RecordTimeout bounds the time Deliver takes to record an attempt's
// outcome after its context has ended (at the job's timeout, or when a
// shutdown cancels it), retrying while the database fails: an outcome must
// outlive the job that had it, or the email would stay queued with nothing
// to deliver it, or go out twice.
const RecordTimeout = 5 * time.Second

// Deliver sends email emailID; final says no retry follows. An email
// already sent is not sent again, and every attempt is recorded for staff,
// even when ctx ends during the send. The error returned carries no personal
// data (the queue logs it): the full error goes to the email's record.
// Database trouble is retried; an email that cannot be built is not; an
// attempt cut short by the end of ctx returns an error wrapping ctx's.
func (d *Deliverer) Deliver(ctx context.Context, emailID int64, final bool) error {
	dl, err := d.store.Delivery(ctx, emailID)
	if errors.Is(err, booking.ErrNotFound) {
		return permanentError{fmt.Errorf("email %d: %w", emailID, err)}
	}
	if err != nil {
		return fmt.Errorf("email %d: %w", emailID, err)
	}
	e := dl.Email
	if e.State != booking.EmailQueued {
		return nil
	}
	reason, build, err := d.read(ctx, dl)
	if err != nil {
		if errors.Is(err, booking.ErrNotFound) {
			err = permanentError{err}
		}
		return fmt.Errorf("email %d: %w", e.ID, err)
	}
	if reason != "" {
		d.observe("skipped", e)
		return d.record(ctx, func(ctx context.Context) error {
			return d.store.RecordEmailSkipped(ctx, e.ID, reason, d.cfg.Now())
		})
	}
	// An earlier email of the booking or waitlist entry still queued
	// goes first, its latest last: see WaitError.
	if dl.EarlierQueued != 0 {
		return &WaitError{EmailID: dl.EarlierQueued}
	}

	attempt := e.Attempts + 1
	msg, err := build()
	if err != nil {
		if rerr := d.recordAttempt(ctx, e.ID, attempt, err, true); rerr != nil {
			return rerr
		}
		return permanentError{fmt.Errorf("email %d: cannot be built (see the email's record)", e.ID)}
	}
	sendErr := d.sender.Send(ctx, msg)
	permanent := sendErr != nil && IsPermanent(sendErr)
	if rerr := d.recordAttempt(ctx, e.ID, attempt, sendErr, final || permanent); rerr != nil {
		if sendErr == nil {
			// The retry sends it again, with the same Message-ID: better
			// twice than left queued with nothing to deliver it.
			d.cfg.Logger.ErrorContext(ctx, "email sent but not recorded", "email", e.ID, "error", rerr)
		}
		return rerr
	}
	switch {
	case sendErr == nil:
		d.observe("sent", e)
		d.cfg.Logger.InfoContext(ctx, "email sent", "email", e.ID, "kind", e.Kind, "attempt", attempt)
		return nil
	case permanent || final:
		d.observe("failed", e)
	default:
		d.observe("retry", e)
	}
	switch {
	case permanent:
		d.cfg.Logger.WarnContext(ctx, "email refused for good", "email", e.ID, "attempt", attempt)
		return permanentError{fmt.Errorf("email %d: refused by the mail server (see the email's record)", e.ID)}
	case ctx.Err() != nil:
		// Wrapped, so that the queue can tell a shutdown, which puts the
		// job back without counting the attempt.
		d.cfg.Logger.WarnContext(ctx, "email delivery interrupted", "email", e.ID, "attempt", attempt)
		return fmt.Errorf("email %d: attempt %d interrupted: %w", e.ID, attempt, ctx.Err())
	}
	d.cfg.Logger.WarnContext(ctx, "email not sent yet", "email", e.ID, "attempt", attempt, "final", final)
	return fmt.Errorf("email %d: not delivered on attempt %d (see the email's record)", e.ID, attempt)
}

// observe tells Observe an attempt's outcome.
func (d *Deliverer) observe(outcome string, e booking.Email) {
	if d.cfg.Observe != nil {
		d.cfg.Observe(outcome, d.cfg.Now().Sub(e.CreatedAt))
	}
}

// recordAttempt records the outcome of an attempt; see record.
func (d *Deliverer) recordAttempt(ctx context.Context, id int64, attempt int, sendErr error, final bool) error {
	err := d.record(ctx, func(ctx context.Context) error {
		return d.store.RecordEmailAttempt(ctx, id, attempt, sendErr, final, d.cfg.Now())
	})
	if err != nil {
		return fmt.Errorf("email %d: record attempt %d: %w", id, attempt, err)
	}
	return nil
}

// record writes an outcome with write on a context of its own, which
// outlives ctx by up to RecordTimeout, and tries again while the database
// fails.
func (d *Deliverer) record(ctx context.Context, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancel()
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		err := write(ctx)
		if err == nil || errors.Is(err, booking.ErrNotFound) {
			return err
		}
		retry := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			retry.Stop()
			return err
		case <-retry.C:
		}
	}
}

// read finds what the email of dl tells of, its booking (read with it) or
// its waitlist entry, and returns why it should no longer go out ("" if it
// should) and what builds it.
func (d *Deliverer) read(ctx context.Context, dl booking.Delivery) (reason string, build func() (*mail.Msg, error), err error) {
	e := dl.Email
	if e.WaitlistID != 0 {
		w, err := d.store.WaitEntryByID(ctx, e.WaitlistID)
		if err != nil {
			return "", nil, fmt.Errorf("waitlist entry: %w", err)
		}
		return staleWait(e, w, d.cfg.Now()), func() (*mail.Msg, error) { return d.waitMessage(e, w) }, nil
	}
	b := dl.Booking
	if b.ID == 0 {
		return "", nil, fmt.Errorf("booking: no booking with ID %d: %w", e.BookingID, booking.ErrNotFound)
	}
	return stale(e, b), func() (*mail.Msg, error) { return d.message(e, b) }, nil
}

// stale says why an email should no longer go out, or "". Every change is
// told; a reminder only while it is still true.
func stale(e booking.Email, b booking.Booking) string {
	if e.Kind != booking.EmailReminder {
		return ""
	}
	if b.Status == booking.Cancelled {
		return "the booking was cancelled before the reminder went out"
	}
	if e.Sequence != b.Sequence {
		return "the booking was moved before the reminder went out"
	}
	return ""
}

// staleWait says why an email to waitlist entry w should no longer go out,
// or "". An entry whose personal data is erased gets nothing; an offer goes
// only while it is still open, as the entry's current offer with its hold
// running: an offer that cannot be accepted only misleads. Joining and the
// end of an entry are always told.
func staleWait(e booking.Email, w booking.WaitEntry, now time.Time) string {
	switch {
	case !w.ErasedAt.IsZero():
		return "the waitlist entry's personal data was erased"
	case e.Kind != booking.EmailWaitOffer:
		return ""
	case w.Status != booking.WaitOffered || w.Offers != e.Sequence:
		return "the offer was answered or ended before it went out"
	case !now.Before(w.Offer.Expires):
		return "the offer's hold ended before it went out"
	}
	return ""
}

// message builds the email as the booking was right after the change it
// tells of.
func (d *Deliverer) message(e booking.Email, b booking.Booking) (*mail.Msg, error) {
	center, services, err := visitOf(d.currentCatalogue(), b)
	if err != nil {
		return nil, err
	}
	token, err := d.sealer.Open(b.Reference, b.TokenSealed)
	if err != nil {
		return nil, err
	}
	b.Start, b.End, b.Sequence = e.Start, e.End, e.Sequence
	if e.Kind == booking.EmailCancellation {
		b.Status = booking.Cancelled
	}
	manage := booking.ManageURL(d.cfg.BaseURL, b.Reference, token)

	subject, text, html, err := Compose(Letter{
		Kind:      e.Kind,
		Booking:   b,
		Center:    center,
		Services:  services,
		Location:  d.cfg.Location,
		ManageURL: manage,
		RebookURL: rebookURL(d.cfg.BaseURL, b.Center, b.Services, b.People, b.Locale),
	})
	if err != nil {
		return nil, err
	}
	email := Email{
		MessageID:   fmt.Sprintf("<%s.%d.%s@%s>", b.Reference, e.Sequence, e.Kind, d.host),
		FromName:    center.Name,
		FromAddress: d.cfg.From,
		ToName:      b.Name,
		ToAddress:   b.Email,
		Subject:     subject,
		Text:        text,
		HTML:        html,
	}
	if method, ok := invitationMethod(e.Kind); ok {
		inv := visitInvitation(d.cfg.BaseURL, d.cfg.From, b, center, services, manage)
		inv.Method = method
		inv.Stamp = d.cfg.Now()
		if email.Calendar, err = inv.Encode(); err != nil {
			return nil, err
		}
		email.Method = method
	}
	return email.Msg()
}

// waitMessage builds email e to waitlist entry w: no invitation, which
// only the booking an accepted offer makes carries. An offer shows the time
// the email recorded and the end of its hold, which staleWait checked is
// the entry's current one.
func (d *Deliverer) waitMessage(e booking.Email, w booking.WaitEntry) (*mail.Msg, error) {
	if len(w.Services) == 0 {
		return nil, fmt.Errorf("waitlist entry %s lists no service", w.Reference)
	}
	center, services, err := servicesAt(d.currentCatalogue(), w.Center, w.Services)
	if err != nil {
		return nil, err
	}
	l := WaitLetter{
		Kind:      e.Kind,
		Entry:     w,
		Center:    center,
		Services:  services,
		Location:  d.cfg.Location,
		RebookURL: rebookURL(d.cfg.BaseURL, w.Center, w.Services, w.People, w.Locale),
	}
	if e.Kind != booking.EmailWaitEnded {
		token, err := d.sealer.Open(w.Reference, w.TokenSealed)
		if err != nil {
			return nil, err
		}
		l.WaitlistURL = booking.WaitlistURL(d.cfg.BaseURL, w.Reference, token)
	}
	if e.Kind == booking.EmailWaitOffer {
		l.Offer = booking.Offer{Start: e.Start, End: e.End, Expires: w.Offer.Expires}
	}
	subject, text, html, err := ComposeWait(l)
	if err != nil {
		return nil, err
	}
	email := Email{
		MessageID:   fmt.Sprintf("<%s.waitlist.%s.%d@%s>", w.Reference, strings.TrimPrefix(string(e.Kind), "waitlist-"), e.Sequence, d.host),
		FromName:    center.Name,
		FromAddress: d.cfg.From,
		ToName:      w.Name,
		ToAddress:   w.Email,
		Subject:     subject,
		Text:        text,
		HTML:        html,
	}
	return email.Msg()
}

// invitationMethod says which calendar method an email carries; a reminder
// carries none (the event is already in the calendar).
func invitationMethod(kind booking.EmailKind) (Method, bool) {
	switch kind {
	case booking.EmailConfirmation, booking.EmailUpdate:
		return MethodRequest, true
	case booking.EmailCancellation:
		return MethodCancel, true
	}
	return "", false
}

// visitOf finds the center and the services, in order, of b in the
// catalogue.
func visitOf(cat booking.Catalogue, b booking.Booking) (booking.Center, []booking.Service, error) {
	if len(b.Services) == 0 {
		return booking.Center{}, nil, fmt.Errorf("booking %s lists no service", b.Reference)
	}
	return servicesAt(cat, b.Center, b.Services)
}

// servicesAt finds a center and services, in order, in the catalogue.
func servicesAt(cat booking.Catalogue, centerID string, ids []string) (booking.Center, []booking.Service, error) {
	center, err := cat.Center(centerID)
	if err != nil {
		return booking.Center{}, nil, err
	}
	services := make([]booking.Service, len(ids))
	for i, id := range ids {
		if services[i], err = cat.Service(id); err != nil {
			return booking.Center{}, nil, err
		}
	}
	return center, services, nil
}

// rebookURL leads to booking a visit, services in order for a number of
// people at a center, again, in a language: the booking page of the first
// service, with the others as the site's "also" fields.
func rebookURL(baseURL, center string, services []string, people int, locale string) string {
	q := url.Values{"lang": {locale}}
	if len(services) > 1 {
		q["also"] = services[1:]
	}
	if people > 1 {
		q.Set("people", strconv.Itoa(people))
	}
	return baseURL + "/book/" + url.PathEscape(center) + "/" + url.PathEscape(services[0]) + "?" + q.Encode()
}

// BookingInvitation is the booking as a calendar event, in the booking's
// language, organized by the center at the mailbox from: what every email
// about it carries and what the confirmation page offers for download. Its
// UID is the reference at the site's host, fixed for the booking's whole
// life. It finds the booking's center and services in cat, and fails if
// cat lacks one. The caller sets Method and Stamp.
func BookingInvitation(baseURL, from string, b booking.Booking, cat booking.Catalogue, manageURL string) (Invitation, error) {
	center, services, err := visitOf(cat, b)
	if err != nil {
		return Invitation{}, fmt.Errorf("invitation for %s: %w", b.Reference, err)
	}
	return visitInvitation(baseURL, from, b, center, services, manageURL), nil
}

// visitInvitation is BookingInvitation of b at center for services: from
// its start to the end of the whole visit. A visit of several services is
// named by its first and how many more ("Tax card application support + 1
// more"), not by all: calendars show a title on a line or two and cut the
// rest, and two or three names of 30 to 45 characters each, with the
// center's, would be cut in the middle of one. The description names them
// all.
func visitInvitation(baseURL, from string, b booking.Booking, center booking.Center, services []booking.Service, manageURL string) Invitation {
	w := wordsFor(b.Locale)
	summary := services[0].In(b.Locale).Name
	if more := len(services) - 1; more > 0 {
		summary += fmt.Sprintf(w.more, more)
	}
	return Invitation{
		UID:            UID(baseURL, b.Reference),
		Sequence:       b.Sequence,
		Start:          b.Start,
		End:            b.End,
		Summary:        summary + " – " + center.Name,
		Location:       center.Name + ", " + center.Address,
		Description:    description(w, b, center, services, manageURL),
		URL:            manageURL,
		OrganizerName:  center.Name,
		OrganizerEmail: from,
		AttendeeName:   b.Name,
		AttendeeEmail:  b.Email,
	}
}

// invitationWords are the invitation's own words in one language.
type invitationWords struct {
	reference, services, people, bring, manage string
	// more follows the first service's name in the summary of a visit of
	// several: a format of the number of the others.
	more string
}

// wordsFor returns the invitation's words in a booking's locale, English
// for a locale it does not know.
func wordsFor(locale string) invitationWords {
	if locale == "da" {
		return invitationWords{"Reference", "Ydelser", "Antal personer", "Medbring", "Flyt eller aflys", " + %d til"}
	}
	return invitationWords{"Reference", "Services", "People", "Bring", "Change or cancel", " + %d more"}
}

// description is the event's text, in w's language: the reference, the
// services of a visit of several and the number of people when more than
// one come, the center, what to bring and the manage link.
func description(w invitationWords, b booking.Booking, center booking.Center, services []booking.Service, manageURL string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %s\n", w.reference, b.Reference)
	if len(services) > 1 {
		fmt.Fprintf(&s, "%s:\n", w.services)
		for _, sv := range services {
			fmt.Fprintf(&s, "- %s\n", sv.In(b.Locale).Name)
		}
	}
	if b.People > 1 {
		fmt.Fprintf(&s, "%s: %d\n", w.people, b.People)
	}
	fmt.Fprintf(&s, "%s, %s\n", center.Name, center.Phone)
	if bring := booking.Bring(services, b.Locale); len(bring) > 0 {
		fmt.Fprintf(&s, "%s:\n", w.bring)
		for _, item := range bring {
			fmt.Fprintf(&s, "- %s\n", item)
		}
	}
	fmt.Fprintf(&s, "%s: %s", w.manage, manageURL)
	return s.String()
}

// UID is a booking's iCalendar UID: its reference at the site's host, the
// same in every invitation and in the staff feed.
func UID(baseURL, reference string) string {
	host := "icsbooking"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return reference + "@" + host
}
