package booking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The waitlist. A newcomer who finds no time joins the line of one visit
// (services in order and people) at one center. Whenever a seat of that
// center frees (a cancellation, a move, an offer declined or let expire)
// the first waiting entry it suits is offered it: the seat is held for that
// entry for Policy.WaitlistHold, taken on the seat counters exactly as a
// booking takes it, in the very transaction that freed it. So a held seat
// is never listed and never booked by anyone else, however fast, and
// refreshing the site or running a script gains nothing. Accepting books it
// (or moves the booking the entry improves); declining or letting the hold
// run out passes it to the next entry in the same transaction, and when
// nobody waits for it, it is listed again at once. First come, first
// offered: an entry that declines keeps its place; one that lets
// MaxMissedOffers offers expire ends.

// WaitStatus is where a waitlist entry stands.
type WaitStatus string

// The states of a waitlist entry.
const (
	WaitWaiting WaitStatus = "waiting" // in line
	WaitOffered WaitStatus = "offered" // a seat is held for it until Offer.Expires
	WaitBooked  WaitStatus = "booked"  // accepted an offer
	WaitExpired WaitStatus = "expired" // its last day passed, or it let MaxMissedOffers offers expire
	WaitLeft    WaitStatus = "left"    // the newcomer left the line
)

// MaxMissedOffers is how many offers an entry may let expire; the last one
// ends it.
const MaxMissedOffers = 2

// Active reports whether the entry is still in line (waiting or offered).
func (st WaitStatus) Active() bool { return st == WaitWaiting || st == WaitOffered }

// OfferOpen reports whether a time is held for the entry at now, so that
// it may still accept or decline it.
func (e WaitEntry) OfferOpen(now time.Time) bool {
	return e.Status == WaitOffered && now.Before(e.Offer.Expires)
}

// WaitEntry is one newcomer's place in the line of a visit at a center.
type WaitEntry struct {
	ID          int64
	Reference   string // like a booking's: AAR-7K3M9Q
	TokenHash   []byte // SHA-256 of the entry's token
	TokenSealed []byte // the token sealed, for the links in later emails
	Center      string
	Services    []string // the visit's services, in order
	People      int
	Language    string // interpreter language, or "" when none is needed
	Name        string
	Email       string
	Locale      string
	// Until is the last day the newcomer would accept.
	Until Date
	// BookingID is the booking an earlier time would replace; 0 if none.
	BookingID int64
	Status    WaitStatus
	// Offers counts the offers made; while offered, Offer is number Offers.
	Offers int
	// Missed counts the offers let expire.
	Missed    int
	Offer     Offer // zero unless Status is WaitOffered
	CreatedAt time.Time
	UpdatedAt time.Time
	ErasedAt  time.Time
}

// Offer is a time held for an entry: the visit from Start to End, until
// Expires.
type Offer struct {
	Start, End, Expires time.Time
}

// Hold is a seat offered to a waiting entry, as a store takes it: the
// entry, as it was read (still waiting with Offers offers made), the visit's
// times and the seats it needs, and when the hold ends. A store takes the
// first hold of a list whose entry still waits as read and whose seats are
// all free, then, where more than one seat was freed (a day reopened), the
// next of another entry, and so on: each entry gets at most one, and a
// freed seat (a booking cancelled or moved, an offer ended) goes to one
// entry only, so that seats that were free already stay listed.
type Hold struct {
	Entry   int64
	Offers  int
	Center  string
	Start   time.Time
	End     time.Time
	Expires time.Time
	Claims  []Claim
}

// WaitEvent is what happened to an offer, counted by the statistics.
type WaitEvent string

// The events of offers.
const (
	EventOffer   WaitEvent = "offer"
	EventAccept  WaitEvent = "accept"
	EventDecline WaitEvent = "decline"
	EventExpiry  WaitEvent = "expiry"
)

// The emails a waitlist entry gets.
const (
	EmailWaitJoined EmailKind = "waitlist-joined" // its place, and the link to see it or leave
	EmailWaitOffer  EmailKind = "waitlist-offer"  // a time held for it
	EmailWaitEnded  EmailKind = "waitlist-ended"  // its last day passed, or it missed its offers
)

// WaitStore keeps the waitlist; the database store implements it. Every
// change of an entry is a compare-and-swap on the entry as it was read
// (its status and Offers): ErrConflict if it changed meanwhile.
type WaitStore interface {
	// JoinWaitlist inserts the entry, its key if not nil, and records and
	// queues its joined email in one transaction. ErrDuplicate if the
	// reference or the key exists; ErrConflict if the address already
	// waits for this visit there.
	JoinWaitlist(ctx context.Context, e WaitEntry, key *WaitKey) (WaitEntry, error)
	// WaitKey returns the record of a key hash; ErrNotFound if none.
	WaitKey(ctx context.Context, keyHash []byte) (WaitKey, error)
	// WaitEntry returns the entry with the reference.
	WaitEntry(ctx context.Context, reference string) (WaitEntry, error)
	// WaitEntryByID returns the entry with the ID.
	WaitEntryByID(ctx context.Context, id int64) (WaitEntry, error)
	// Waitlist returns a center's entries in line (waiting or offered),
	// in the order they joined.
	Waitlist(ctx context.Context, center string) ([]WaitEntry, error)
	// TakeHolds takes the holds that can be taken, as a change of a
	// booking does (see Hold), most of them at the most (0: any number),
	// in one transaction, and returns them.
	TakeHolds(ctx context.Context, holds []Hold, most int, now time.Time) ([]Hold, error)
	// EndOffer releases the seats of e's offer and sets its status to
	// to, counting a missed offer if missed, records the event and the
	// email of the given kind (none if ""), then takes the holds that
	// can be taken, all in one transaction. ErrConflict if e is no longer
	// offered with its offer.
	EndOffer(ctx context.Context, e WaitEntry, release []Claim, to WaitStatus, missed bool, event WaitEvent, email EmailKind, holds []Hold, now time.Time) error
	// AcceptOffer books e's offer in one transaction: e becomes booked and
	// b is inserted holding the offer's seats; or, when move is not nil,
	// the booking is updated to move.Booking onto them instead, releasing
	// move.Release and taking move.Holds. The confirmation (or update)
	// email is recorded and queued. ErrConflict if e is no longer offered
	// with its offer or the offer expired before now.
	AcceptOffer(ctx context.Context, e WaitEntry, b Booking, move *Update, now time.Time) (Booking, error)
	// SetWaitStatus moves a waiting entry to status to (left, expired),
	// recording the email of the given kind; ErrConflict if it is no
	// longer waiting with the Offers read.
	SetWaitStatus(ctx context.Context, e WaitEntry, to WaitStatus, email EmailKind, now time.Time) error
	// Improvements returns the entries in line (waiting or offered) for
	// an earlier time for the booking with the ID.
	Improvements(ctx context.Context, bookingID int64) ([]WaitEntry, error)
	// ExpiredOffers returns up to limit entries whose offer expired
	// before t.
	ExpiredOffers(ctx context.Context, t time.Time, limit int) ([]WaitEntry, error)
	// WaitingPast returns up to limit waiting entries whose last day is
	// before day.
	WaitingPast(ctx context.Context, day Date, limit int) ([]WaitEntry, error)
	// EraseWaitlistBefore erases the personal data of the entries out of
	// line whose last day is before day, and returns how many.
	EraseWaitlistBefore(ctx context.Context, day Date, now time.Time) (int, error)
	// WaitEvents counts a center's offer events per kind from from to to.
	WaitEvents(ctx context.Context, center string, from, to time.Time) (map[WaitEvent]int, error)
}

// WaitRequest is what a newcomer asks for when joining a waitlist: the
// visit (Service, or Services in order, not both; People), the interpreter
// language if any, how to reach them, the last day they would accept (zero:
// the booking horizon, or the day before the booking they improve), and
// optionally the booking an earlier time would replace, with its token.
type WaitRequest struct {
	Center       string
	Service      string
	Services     []string
	People       int
	Language     string
	Name         string
	Email        string
	Locale       string
	Until        Date
	Booking      string
	BookingToken string
	// IdempotencyKey, if set, makes the join safe to send again: the same
	// key with the same request returns the entry the first made (with
	// its token), as a booking's does.
	IdempotencyKey string
}

// fingerprint identifies what a join asks for, req being its request as
// normalized, so that a key sent again with another request is refused.
func (r WaitRequest) fingerprint(req Request) []byte {
	req.Start = time.Time{} // the moment of asking is no part of it
	h := sha256.New()
	h.Write(req.fingerprint())
	h.Write([]byte(r.Until.String() + "\x00" + r.Booking))
	return h.Sum(nil)
}

// WaitKey records which entry a client's Idempotency-Key made, hashed as a
// booking's Idempotency.
type WaitKey struct {
	KeyHash     []byte
	RequestHash []byte
	EntryID     int64
	CreatedAt   time.Time
}

// WaitView is an entry as its holder sees it: the entry and its place in
// line (0 once out of line).
type WaitView struct {
	WaitEntry
	Position int
}

// JoinWaitlist puts a newcomer in line and returns the entry with its
// token, which is stored only hashed and sealed, as a booking's.
func (s *Scheduler) JoinWaitlist(ctx context.Context, r WaitRequest) (WaitEntry, string, error) {
	var (
		improves Booking
		center   Center
		v        visit
		err      error
	)
	if r.Booking != "" {
		// The visit, center, language and locale are the booking's.
		if improves, err = s.Get(ctx, r.Booking, r.BookingToken); err != nil {
			return WaitEntry{}, "", err
		}
		if !improves.Changeable(s.now()) {
			return WaitEntry{}, "", newError(ErrConflict, "booking %s can no longer be moved", improves.Reference)
		}
		r.Center, r.Service, r.Services, r.People = improves.Center, "", improves.Services, improves.People
		r.Language = improves.Language
		if r.Name == "" {
			r.Name = improves.Name
		}
		if r.Email == "" {
			r.Email = improves.Email
		}
		if r.Locale == "" {
			r.Locale = improves.Locale
		}
	}
	req := Request{Center: r.Center, Service: r.Service, Services: r.Services, People: r.People,
		Name: r.Name, Email: r.Email, Language: r.Language, Locale: r.Locale, Start: s.now(), IdempotencyKey: r.IdempotencyKey}
	if err := req.normalize(s.policy.UTF8LocalParts); err != nil {
		return WaitEntry{}, "", err
	}
	var key *WaitKey
	if r.IdempotencyKey != "" {
		key = &WaitKey{KeyHash: idempotencyKeyHash(r.IdempotencyKey), RequestHash: r.fingerprint(req), CreatedAt: s.now().UTC()}
		if e, token, err := s.replayJoin(ctx, *key); !errors.Is(err, ErrNotFound) {
			return e, token, err
		}
	}
	ids, listed := req.visit()
	if improves.ID != 0 {
		center, err = s.catalogue.Center(improves.Center)
		if err == nil {
			v, err = s.findVisit(ids, req.People, listed)
		}
	} else if center, err = s.catalogue.Center(req.Center); err == nil {
		v, err = s.visitOf(center, ids, req.People, listed)
		if errors.Is(err, ErrNotFound) {
			// A service the catalogue lacks is a mistake in the request,
			// named as such: there is no entry it could be "not found" of.
			field := "service"
			if listed {
				field = "services"
			}
			err = invalid([]FieldError{{field, err.Error()}})
		}
	} else if errors.Is(err, ErrNotFound) {
		err = invalid([]FieldError{{"center", err.Error()}})
	}
	if err != nil {
		return WaitEntry{}, "", err
	}
	if err := s.checkVisit(center, v, req.Language); err != nil {
		return WaitEntry{}, "", err
	}
	interp := req.Language
	if improves.ID == 0 {
		interp = interpreterLanguage(center, req.Language)
	}

	today := s.today()
	_, lastDay := s.window(false)
	until := r.Until
	switch {
	case improves.ID != 0:
		bookedDay := DateOf(improves.Start.In(s.policy.Location))
		if until.IsZero() {
			until = bookedDay.AddDays(-1)
		}
		if !until.Before(bookedDay) {
			return WaitEntry{}, "", invalid([]FieldError{{"until", fmt.Sprintf("must be before the day of the booking, %s", bookedDay)}})
		}
		if until.Before(today) {
			return WaitEntry{}, "", notBookable("the booking is on the next day that can be booked; there is no earlier day to wait for")
		}
	case until.IsZero():
		until = lastDay
	case until.Before(today):
		return WaitEntry{}, "", invalid([]FieldError{{"until", "must not be in the past"}})
	case until.After(lastDay):
		return WaitEntry{}, "", invalid([]FieldError{{"until", fmt.Sprintf("must be within the booking horizon of %d days, until %s", s.policy.HorizonDays, lastDay)}})
	}
	if improves.ID == 0 {
		if err := s.checkActive(ctx, req.Email); err != nil {
			return WaitEntry{}, "", err
		}
	}

	now := s.now().UTC()
	e := WaitEntry{
		Center:    center.ID,
		Services:  v.ids(),
		People:    v.people,
		Language:  interp,
		Name:      req.Name,
		Email:     req.Email,
		Locale:    req.Locale,
		Until:     until,
		BookingID: improves.ID,
		Status:    WaitWaiting,
		CreatedAt: now,
		UpdatedAt: now,
	}
	for attempt := 1; ; attempt++ {
		token := newToken()
		e.Reference = newReference(center.Code)
		e.TokenHash = HashToken(token)
		e.TokenSealed = s.sealer.Seal(e.Reference, token)
		joined, err := s.store.JoinWaitlist(ctx, e, key)
		if err == nil {
			return joined, token, nil
		}
		if key != nil && (errors.Is(err, ErrConflict) || errors.Is(err, ErrDuplicate)) {
			// The same key may have won a race: its entry is the answer.
			if e, token, err := s.replayJoin(ctx, *key); !errors.Is(err, ErrNotFound) {
				return e, token, err
			}
		}
		if errors.Is(err, ErrConflict) {
			return WaitEntry{}, "", invalid([]FieldError{{"email", fmt.Sprintf("already waits for %s at %s; one place in line per address", v.names(), center.Name)}})
		}
		if !errors.Is(err, ErrDuplicate) || attempt == 5 {
			return WaitEntry{}, "", fmt.Errorf("join the waitlist at %s: %w", center.ID, err)
		}
	}
}

// replayJoin returns the entry an earlier join with key's Idempotency-Key
// made, with its token; ErrNotFound if there was none, ErrKeyReused if it
// asked for something else.
func (s *Scheduler) replayJoin(ctx context.Context, key WaitKey) (WaitEntry, string, error) {
	rec, err := s.store.WaitKey(ctx, key.KeyHash)
	if err != nil {
		return WaitEntry{}, "", err
	}
	if !bytes.Equal(rec.RequestHash, key.RequestHash) {
		return WaitEntry{}, "", newError(ErrKeyReused, "this Idempotency-Key was already used for a different request")
	}
	e, err := s.store.WaitEntryByID(ctx, rec.EntryID)
	if err != nil {
		return WaitEntry{}, "", fmt.Errorf("idempotent join: %w", err)
	}
	token, err := s.sealer.Open(e.Reference, e.TokenSealed)
	if err != nil {
		return WaitEntry{}, "", fmt.Errorf("idempotent join: %w", err)
	}
	return e, token, nil
}

// WaitEntry returns an entry and its place to the holder of its token; a
// wrong token is answered exactly like an unknown reference, and so is an
// erased entry.
func (s *Scheduler) WaitEntry(ctx context.Context, reference, token string) (WaitView, error) {
	e, err := s.entry(ctx, reference, token)
	if err != nil {
		return WaitView{}, err
	}
	return s.view(ctx, e)
}

// entry reads an entry for the holder of its token.
func (s *Scheduler) entry(ctx context.Context, reference, token string) (WaitEntry, error) {
	reference = normalizeReference(reference)
	notFound := newError(ErrNotFound, "no waitlist entry %s", reference)
	if !referencePattern.MatchString(reference) {
		return WaitEntry{}, newError(ErrNotFound, "no such waitlist entry")
	}
	e, err := s.store.WaitEntry(ctx, reference)
	if errors.Is(err, ErrNotFound) {
		return WaitEntry{}, notFound
	}
	if err != nil {
		return WaitEntry{}, fmt.Errorf("waitlist entry: %w", err)
	}
	if !tokenMatches(token, e.TokenHash) || !e.ErasedAt.IsZero() {
		return WaitEntry{}, notFound
	}
	return e, nil
}

// view adds the entry's place in line: one more than the entries of the
// same visit at the center that joined before it and are still in line.
func (s *Scheduler) view(ctx context.Context, e WaitEntry) (WaitView, error) {
	if !e.Status.Active() {
		return WaitView{WaitEntry: e}, nil
	}
	line, err := s.store.Waitlist(ctx, e.Center)
	if err != nil {
		return WaitView{}, fmt.Errorf("waitlist entry: %w", err)
	}
	return WaitView{WaitEntry: e, Position: positions(line)[e.ID]}, nil
}

// positions numbers a center's line per visit: each entry's place among
// those waiting for the same services, in the order they joined.
func positions(line []WaitEntry) map[int64]int {
	seen := map[string]int{}
	pos := make(map[int64]int, len(line))
	for _, e := range line {
		key := strings.Join(e.Services, " ")
		seen[key]++
		pos[e.ID] = seen[key]
	}
	return pos
}

// Waitlist returns a center's line, in order, with each entry's place
// among those waiting for its visit: what staff see.
func (s *Scheduler) Waitlist(ctx context.Context, centerID string) ([]WaitView, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	line, err := s.store.Waitlist(ctx, center.ID)
	if err != nil {
		return nil, fmt.Errorf("waitlist of %s: %w", center.ID, err)
	}
	pos := positions(line)
	views := make([]WaitView, len(line))
	for i, e := range line {
		views[i] = WaitView{WaitEntry: e, Position: pos[e.ID]}
	}
	return views, nil
}

// holds lists the holds that would offer the seats freed from from to to at
// a center to the entries in line, in the order they joined: for each
// waiting entry (but skip), every slot start in the freed time where its
// whole visit may start (opening hours, closures, notice, interpreter
// notice, its last day). Whether the seats are free is the store's to
// decide, under the guard, when it takes them. A closure of the day
// reopen (if not zero) counts as gone: the holds go with its removal.
func (s *Scheduler) holds(ctx context.Context, center Center, from, to time.Time, skip int64, reopen Date) ([]Hold, error) {
	line, err := s.store.Waitlist(ctx, center.ID)
	if err != nil || len(line) == 0 {
		return nil, err
	}
	now := s.now()
	earliest, lastDay := s.window(false)
	// The closures of the days freed, read once, not per start.
	cs, err := s.readClosures(ctx, center, DateOf(from.In(s.policy.Location)), DateOf(to.In(s.policy.Location)))
	if err != nil {
		return nil, err
	}
	delete(cs.byDay, reopen)
	var holds []Hold
	for _, e := range line {
		if e.Status != WaitWaiting || e.ID == skip {
			continue
		}
		v, err := s.findVisit(e.Services, e.People, false)
		if err != nil {
			continue // a service the catalogue no longer has
		}
		for t := from; t.Before(to); t = t.Add(Unit) {
			day := DateOf(t.In(s.policy.Location))
			if day.After(e.Until) || day.After(lastDay) {
				break
			}
			if t.Before(earliest) || s.checkStartAmong(center, v, e.Language, t, cs.byDay) != nil {
				continue
			}
			end := t.Add(v.length())
			holds = append(holds, Hold{
				Entry:   e.ID,
				Offers:  e.Offers,
				Center:  center.ID,
				Start:   t.UTC(),
				End:     end.UTC(),
				Expires: minTime(now.Add(s.policy.WaitlistHold), t).UTC(),
				Claims:  s.claims(center, t, end, e.Language),
			})
		}
	}
	return holds, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// freedHolds is holds for a booking's seats, freed by its cancellation or
// move; none if the waitlist cannot be read (the change goes ahead, and
// the seat is listed).
func (s *Scheduler) freedHolds(ctx context.Context, b Booking) []Hold {
	center, err := s.catalogue.Center(b.Center)
	if err != nil {
		return nil
	}
	holds, err := s.holds(ctx, center, b.Start, b.End, 0, Date{})
	if err != nil {
		return nil
	}
	return holds
}

// AcceptOffer books the time held for an entry, within its hold: a new
// booking, or, for an entry that improves a booking, that booking moved
// (moved true); either way with its manage token. Accepting after
// the hold ended, or twice, is a conflict.
func (s *Scheduler) AcceptOffer(ctx context.Context, reference, token string) (b Booking, bookingToken string, moved bool, err error) {
	e, err := s.entry(ctx, reference, token)
	if err != nil {
		return Booking{}, "", false, err
	}
	now := s.now()
	if e.Status == WaitBooked {
		return Booking{}, "", false, newError(ErrConflict, "this offer was accepted already; the booking's email has its link")
	}
	if !e.OfferOpen(now) {
		return Booking{}, "", false, newError(ErrConflict, "there is no time offered to this entry now: the offer ended; the entry keeps its place while it waits")
	}
	center, err := s.catalogue.Center(e.Center)
	if err != nil {
		return Booking{}, "", false, err
	}
	var old Booking
	if e.BookingID != 0 {
		if old, err = s.store.BookingByID(ctx, e.BookingID); err != nil {
			return Booking{}, "", false, fmt.Errorf("accept offer: %w", err)
		}
		if old.Status != Confirmed || !e.Offer.Start.Before(old.Start) || !old.Changeable(now) {
			// Cancelled, erased or moved to this time or earlier
			// meanwhile: the offer improves nothing, and the entry
			// has no more reason to wait.
			if err := s.endOffer(ctx, e, WaitLeft, false, EventDecline, ""); err != nil && !errors.Is(err, ErrConflict) {
				return Booking{}, "", false, err
			}
			return Booking{}, "", false, newError(ErrConflict, "booking %s was cancelled or moved meanwhile: this time no longer improves it, and the entry left the waitlist", old.Reference)
		}
	}
	// The time was bookable when it was held; a closure or a change of
	// the catalogue since may have taken it away. The entry then keeps
	// its place, as after an offer that lapsed, without counting it.
	if err := s.checkHeld(ctx, center, e); err != nil {
		if err := s.endOffer(ctx, e, WaitWaiting, false, EventExpiry, ""); err != nil && !errors.Is(err, ErrConflict) {
			return Booking{}, "", false, err
		}
		return Booking{}, "", false, newError(ErrConflict, "the time offered can no longer be booked (%v); the entry keeps its place while it waits", err)
	}
	if old.ID != 0 {
		moveTo := old
		moveTo.Start, moveTo.End = e.Offer.Start, e.Offer.End
		moveTo.Sequence++
		moveTo.UpdatedAt = now.UTC()
		u := Update{Booking: moveTo, Release: s.claims(center, old.Start, old.End, old.Language)}
		u.Holds = s.freedHolds(ctx, old)
		b, err := s.store.AcceptOffer(ctx, e, Booking{}, &u, now)
		if err != nil {
			return Booking{}, "", false, s.acceptFailed(err)
		}
		s.changed(center.ID, old.Start, old.End)
		s.changed(center.ID, b.Start, b.End)
		// The entry was made with the booking's token: its holder may
		// have it again, for the manage link.
		bookingToken, err = s.sealer.Open(b.Reference, b.TokenSealed)
		if err != nil {
			return Booking{}, "", false, fmt.Errorf("accept offer: %w", err)
		}
		return b, bookingToken, true, nil
	}
	if err := s.checkActive(ctx, e.Email); err != nil {
		return Booking{}, "", false, err
	}
	b = Booking{
		Center:    center.ID,
		Service:   e.Services[0],
		Services:  e.Services,
		People:    e.People,
		Start:     e.Offer.Start,
		End:       e.Offer.End,
		Language:  e.Language,
		Name:      e.Name,
		Email:     e.Email,
		Locale:    e.Locale,
		Status:    Confirmed,
		CreatedAt: now.UTC(),
		UpdatedAt: now.UTC(),
	}
	for attempt := 1; ; attempt++ {
		bookingToken = newToken()
		b.Reference = newReference(center.Code)
		b.TokenHash = HashToken(bookingToken)
		b.TokenSealed = s.sealer.Seal(b.Reference, bookingToken)
		created, err := s.store.AcceptOffer(ctx, e, b, nil, now)
		if err == nil {
			s.changed(center.ID, b.Start, b.End)
			return created, bookingToken, false, nil
		}
		if !errors.Is(err, ErrDuplicate) || attempt == 5 {
			return Booking{}, "", false, s.acceptFailed(err)
		}
	}
}

// checkHeld checks that e's offer could still be booked, but for the
// notice: its services at the center, its language, the center open then.
func (s *Scheduler) checkHeld(ctx context.Context, center Center, e WaitEntry) error {
	v, err := s.findVisit(e.Services, e.People, false)
	if err != nil {
		return err
	}
	if err := s.checkVisit(center, v, e.Language); err != nil {
		return err
	}
	day := DateOf(e.Offer.Start.In(s.policy.Location))
	cs, err := s.readClosures(ctx, center, day, day)
	if err != nil {
		return err
	}
	return s.checkOpenAt(center, v, e.Offer.Start, cs.byDay)
}

// acceptFailed explains a failed AcceptOffer.
func (s *Scheduler) acceptFailed(err error) error {
	if errors.Is(err, ErrConflict) {
		return newError(ErrConflict, "the offer ended before it was accepted; the entry keeps its place while it waits")
	}
	return fmt.Errorf("accept offer: %w", err)
}

// DeclineOffer gives the time held for an entry back: it goes to the next
// entry in line it suits (or is listed again), and the entry keeps its
// place for another time.
func (s *Scheduler) DeclineOffer(ctx context.Context, reference, token string) (WaitView, error) {
	e, err := s.entry(ctx, reference, token)
	if err != nil {
		return WaitView{}, err
	}
	if !e.OfferOpen(s.now()) {
		// An offer whose hold ran out is missed, not declined: its
		// expiry ends it.
		return WaitView{}, newError(ErrConflict, "there is no time held for this entry to decline: the offer ended, and the entry keeps its place while it waits")
	}
	if err := s.endOffer(ctx, e, WaitWaiting, false, EventDecline, ""); err != nil {
		return WaitView{}, err
	}
	return s.reread(ctx, e)
}

// LeaveWaitlist takes an entry out of line; a time held for it goes to the
// next entry. Leaving twice changes nothing.
func (s *Scheduler) LeaveWaitlist(ctx context.Context, reference, token string) (WaitView, error) {
	for attempt := 1; ; attempt++ {
		e, err := s.entry(ctx, reference, token)
		if err != nil {
			return WaitView{}, err
		}
		switch {
		case e.Status == WaitOffered && e.OfferOpen(s.now()):
			err = s.endOffer(ctx, e, WaitLeft, false, EventDecline, "")
		case e.Status == WaitOffered:
			// Its hold ran out before the sweep ended it: missed.
			err = s.endOffer(ctx, e, WaitLeft, true, EventExpiry, "")
		case e.Status == WaitWaiting:
			err = s.store.SetWaitStatus(ctx, e, WaitLeft, "", s.now())
		default:
			return WaitView{WaitEntry: e}, nil
		}
		if err == nil {
			return s.reread(ctx, e)
		}
		if !errors.Is(err, ErrConflict) || attempt == 3 {
			return WaitView{}, fmt.Errorf("leave the waitlist: %w", err)
		}
	}
}

// leaveImprovements takes the entries waiting for an earlier time for b
// out of line, b being cancelled: a time held for one goes to the next
// entry. It is done after the cancellation, which stands whatever happens
// here: an entry this leaves in line (the database failed, or the entry
// changed meanwhile) is refused and ends when it accepts an offer
// (AcceptOffer), or after the offers it misses.
func (s *Scheduler) leaveImprovements(ctx context.Context, b Booking) {
	entries, err := s.store.Improvements(ctx, b.ID)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Status == WaitOffered {
			_ = s.endOffer(ctx, e, WaitLeft, false, EventDecline, "")
		} else {
			_ = s.store.SetWaitStatus(ctx, e, WaitLeft, "", s.now())
		}
	}
}

// reread returns an entry as it is now, with its place.
func (s *Scheduler) reread(ctx context.Context, e WaitEntry) (WaitView, error) {
	e, err := s.store.WaitEntryByID(ctx, e.ID)
	if err != nil {
		return WaitView{}, fmt.Errorf("waitlist entry: %w", err)
	}
	return s.view(ctx, e)
}

// endOffer releases the seats held for e and passes them on to the next
// entries in line they suit, in one transaction.
func (s *Scheduler) endOffer(ctx context.Context, e WaitEntry, to WaitStatus, missed bool, event WaitEvent, email EmailKind) error {
	center, err := s.catalogue.Center(e.Center)
	if err != nil {
		return err
	}
	holds, err := s.holds(ctx, center, e.Offer.Start, e.Offer.End, e.ID, Date{})
	if err != nil {
		return fmt.Errorf("end offer: %w", err)
	}
	release := s.claims(center, e.Offer.Start, e.Offer.End, e.Language)
	err = s.store.EndOffer(ctx, e, release, to, missed, event, email, holds, s.now())
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return newError(ErrConflict, "the offer changed meanwhile (accepted, declined or expired); read the entry again")
		}
		return fmt.Errorf("end offer: %w", err)
	}
	s.changed(center.ID, e.Offer.Start, e.Offer.End)
	return nil
}

// ExpireOffer ends entry id's offer number offer if its hold has run out
// and it is still open: the seats go to the next entry in line, and an
// entry that has now missed MaxMissedOffers offers ends, with an email
// saying so. It is what the job queued with the offer runs at its expiry;
// running it again, or after an accept, changes nothing.
func (s *Scheduler) ExpireOffer(ctx context.Context, id int64, offer int) error {
	e, err := s.store.WaitEntryByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("expire offer: %w", err)
	}
	if e.Status != WaitOffered || e.Offers != offer || s.now().Before(e.Offer.Expires) {
		return nil
	}
	to, email := WaitWaiting, EmailKind("")
	if e.Missed+1 >= MaxMissedOffers {
		to, email = WaitExpired, EmailWaitEnded
	}
	err = s.endOffer(ctx, e, to, true, EventExpiry, email)
	if errors.Is(err, ErrConflict) {
		return nil // accepted, declined or expired meanwhile
	}
	return err
}

// SweepWaitlist ends what nobody ended: offers whose hold ran out without
// their job running (a killed server), and waiting entries whose last day
// has passed, each told by email. It returns how many it ended.
func (s *Scheduler) SweepWaitlist(ctx context.Context) (int, error) {
	const batch = 100
	n := 0
	offered, err := s.store.ExpiredOffers(ctx, s.now(), batch)
	if err != nil {
		return 0, fmt.Errorf("sweep waitlist: %w", err)
	}
	// One entry that cannot be ended (its center gone from the
	// catalogue, say) does not keep the sweep from the others.
	var errs []error
	for _, e := range offered {
		if err := s.ExpireOffer(ctx, e.ID, e.Offers); err != nil {
			errs = append(errs, fmt.Errorf("entry %s: %w", e.Reference, err))
			continue
		}
		n++
	}
	past, err := s.store.WaitingPast(ctx, s.today(), batch)
	if err != nil {
		return n, fmt.Errorf("sweep waitlist: %w", errors.Join(append(errs, err)...))
	}
	for _, e := range past {
		err := s.store.SetWaitStatus(ctx, e, WaitExpired, EmailWaitEnded, s.now())
		if err != nil && !errors.Is(err, ErrConflict) {
			errs = append(errs, fmt.Errorf("entry %s: %w", e.Reference, err))
			continue
		}
		n++
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("sweep waitlist: %w", errors.Join(errs...))
	}
	return n, nil
}

// EraseWaitlist erases the personal data of entries out of line whose last
// day passed more than Policy.RetentionDays ago.
func (s *Scheduler) EraseWaitlist(ctx context.Context) (int, error) {
	n, err := s.store.EraseWaitlistBefore(ctx, s.today().AddDays(-s.policy.RetentionDays), s.now())
	if err != nil {
		return 0, fmt.Errorf("erase waitlist: %w", err)
	}
	return n, nil
}

// OfferTime offers a time by hand: the seats of a visit starting at start
// go, in line order, to the first waiting entry of the center whose visit
// fits there and whose seats are free. It returns the entry offered, or
// ErrSlotFull if none could be.
func (s *Scheduler) OfferTime(ctx context.Context, centerID string, start time.Time) (WaitEntry, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return WaitEntry{}, err
	}
	holds, err := s.holds(ctx, center, start, start.Add(Unit), 0, Date{})
	if err != nil {
		return WaitEntry{}, fmt.Errorf("offer a time: %w", err)
	}
	if len(holds) == 0 {
		return WaitEntry{}, notBookable("nobody in line can take a visit starting at %s: no waiting entry's visit fits there (opening hours, notice, their last day)", start.In(s.policy.Location).Format("2006-01-02 15:04"))
	}
	taken, err := s.store.TakeHolds(ctx, holds, 1, s.now())
	if err != nil {
		return WaitEntry{}, fmt.Errorf("offer a time: %w", err)
	}
	if len(taken) == 0 {
		return WaitEntry{}, newError(ErrSlotFull, "no seat is free for the visits waiting at %s", start.In(s.policy.Location).Format("2006-01-02 15:04"))
	}
	s.changed(center.ID, taken[0].Start, taken[0].End)
	return s.store.WaitEntryByID(ctx, taken[0].Entry)
}

// WaitStats counts a center's offers, accepts, declines and expiries from
// from to to.
func (s *Scheduler) WaitStats(ctx context.Context, centerID string, from, to time.Time) (map[WaitEvent]int, error) {
	center, err := s.catalogue.Center(centerID)
	if err != nil {
		return nil, err
	}
	return s.store.WaitEvents(ctx, center.ID, from, to)
}
