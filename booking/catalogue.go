package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Mode says how a service is delivered.
type Mode string

// The modes a service can have.
const (
	WalkIn      Mode = "walk_in"     // first come, first served; no booking
	Appointment Mode = "appointment" // booked in advance only
	Both        Mode = "both"        // either
)

// Bookable reports whether a service in this mode can be booked.
func (m Mode) Bookable() bool { return m == Appointment || m == Both }

// Unit is the granularity of seat counting: every booking holds one seat in
// each unit it overlaps, so durations and slot steps are multiples of it.
const Unit = 15 * time.Minute

// Span is a daily opening period, as offsets from local midnight.
type Span struct {
	Open  time.Duration
	Close time.Duration
}

func (s Span) String() string { return clock(s.Open) + "-" + clock(s.Close) }

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// Center is an ICS center. Hours holds the opening period per weekday; a
// weekday without an entry is closed.
type Center struct {
	ID      string
	Code    string // prefix of booking references, e.g. CPH
	Name    string
	Address string
	Phone   string
	Email   string
	Hours   map[time.Weekday]Span
	// Languages are spoken at the desks without an interpreter.
	Languages []string
	// Desks is how many appointments the center serves at once, and how
	// many desks call its queue: desks "1" to Desks (CheckDesk).
	Desks int
	// SlotStep is the distance between the starts of bookable slots.
	SlotStep time.Duration
	// Interpreters holds, per language code, how many interpreters can
	// serve at once.
	Interpreters map[string]int
	// MaxServices is how many services one visit may hold; 0 means
	// DefaultMaxServices (see ServicesPerVisit).
	MaxServices int
	// SpecialHours are periods whose hours differ from Hours, such as
	// longer hours in August when students arrive; they do not overlap.
	SpecialHours []SpecialHours
}

// SpecialHours are opening hours that differ from a center's usual ones
// from one day to another, both included. Hours holds the weekdays that
// differ: a weekday it holds with a zero Span is closed in the period, a
// weekday it lacks keeps the center's usual hours.
type SpecialHours struct {
	From, To Date
	Hours    map[time.Weekday]Span
}

// HoursOn returns the center's opening period on d: that of special hours
// covering d if they name d's weekday, its usual hours otherwise. Open is
// false on a day the center does not open.
func (c Center) HoursOn(d Date) (span Span, open bool) {
	for _, sh := range c.SpecialHours {
		if d.Before(sh.From) || d.After(sh.To) {
			continue
		}
		if s, ok := sh.Hours[d.Weekday()]; ok {
			return s, s != Span{}
		}
		break // periods do not overlap
	}
	span, open = c.Hours[d.Weekday()]
	return span, open
}

// DefaultMaxServices is how many services one visit may hold at a center
// that does not say.
const DefaultMaxServices = 3

// ServicesPerVisit is how many services one visit may hold at the center.
func (c Center) ServicesPerVisit() int {
	if c.MaxServices > 0 {
		return c.MaxServices
	}
	return DefaultMaxServices
}

// CheckDesk returns nil if desk names one of the center's desks, an
// ErrInvalid error if it is empty, and an ErrNotFound error otherwise: a
// desk the center lacks is not found, like a ticket of another center,
// since a desk that does not exist would show on the display and lower the
// wait it shows. A desk is a number from 1 to Desks written as strconv.Itoa
// writes it ("1", not "01"), so that one desk never shows under two names.
func (c Center) CheckDesk(desk string) error {
	if desk == "" {
		return invalid([]FieldError{{"desk", "is required"}})
	}
	if n, err := strconv.Atoi(desk); err != nil || n < 1 || n > c.Desks || strconv.Itoa(n) != desk {
		return newError(ErrNotFound, "%s has no desk %q; its desks are 1 to %d", c.Name, desk, c.Desks)
	}
	return nil
}

// Speaks reports whether the center's staff speak the language themselves.
func (c Center) Speaks(language string) bool { return slices.Contains(c.Languages, language) }

// InterpreterLanguages lists the languages the center offers with an
// interpreter, sorted.
func (c Center) InterpreterLanguages() []string {
	langs := make([]string, 0, len(c.Interpreters))
	for l, n := range c.Interpreters {
		if n > 0 {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	return langs
}

// Service is something a center helps with.
type Service struct {
	ID          string
	Name        string
	Category    string
	Description string
	Mode        Mode
	Duration    time.Duration
	// Bring lists the documents to bring.
	Bring []string
	// NeedsLanguage is set for services such as document translation,
	// which cannot be booked without a language.
	NeedsLanguage bool
	// MaxPeople is how many people one visit for the service may bring;
	// 0 means 1 (see PeoplePerVisit).
	MaxPeople int
	// PerPerson is how much longer a visit takes for each person after
	// the first; 0 means Duration (see TimePerPerson).
	PerPerson time.Duration
	// Translations holds the name, description and what to bring in
	// languages other than English, by language tag.
	Translations map[string]ServiceText
}

// PeoplePerVisit is how many people one visit for the service may bring.
func (s Service) PeoplePerVisit() int { return max(s.MaxPeople, 1) }

// TimePerPerson is how much longer a visit for the service takes for each
// person after the first.
func (s Service) TimePerPerson() time.Duration {
	if s.PerPerson > 0 {
		return s.PerPerson
	}
	return s.Duration
}

// ServiceText is how a service is named and described in one language.
// Bring lists the same documents as the service's Bring, in order.
type ServiceText struct {
	Name        string
	Description string
	Bring       []string
}

// In returns the service's text in a language, English where it has no
// translation.
func (s Service) In(lang string) ServiceText {
	if t, ok := s.Translations[lang]; ok {
		return t
	}
	return ServiceText{Name: s.Name, Description: s.Description, Bring: s.Bring}
}

// Bring lists what to bring to a visit for services, in a language: each
// service's documents in the services' order, each document once however
// many of the services ask for it, since one passport serves them all.
func Bring(services []Service, lang string) []string {
	var bring []string
	for _, sv := range services {
		for _, item := range sv.In(lang).Bring {
			if !slices.Contains(bring, item) {
				bring = append(bring, item)
			}
		}
	}
	return bring
}

// Catalogue is the set of centers and services, loaded from configuration.
type Catalogue struct {
	Centers  []Center
	Services []Service
}

// Center returns the center with the given id.
func (c Catalogue) Center(id string) (Center, error) {
	for _, ce := range c.Centers {
		if ce.ID == id {
			return ce, nil
		}
	}
	return Center{}, newError(ErrNotFound, "no center %q", id)
}

// Service returns the service with the given id.
func (c Catalogue) Service(id string) (Service, error) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, nil
		}
	}
	return Service{}, newError(ErrNotFound, "no service %q", id)
}

// liveCatalogue is the catalogue a Scheduler uses, replaced whole when an
// admin applies a new version: every lookup reads the version current at
// that moment, and a version never replaces a later one, in whatever order
// the announcements of versions arrive.
type liveCatalogue struct {
	current atomic.Pointer[numberedCatalogue]
}

// numberedCatalogue is a catalogue with the number of its version; 0 for
// one that is no stored version (tests, the file before its first import).
type numberedCatalogue struct {
	number    int
	catalogue Catalogue
}

func newLiveCatalogue(c Catalogue) *liveCatalogue {
	l := &liveCatalogue{}
	l.current.Store(&numberedCatalogue{catalogue: c})
	return l
}

// load returns the catalogue in use and its version number.
func (l *liveCatalogue) load() (Catalogue, int) {
	n := l.current.Load()
	return n.catalogue, n.number
}

// use replaces the catalogue by version number of it unless a version as
// recent is in use, and reports whether it did.
func (l *liveCatalogue) use(number int, c Catalogue) bool {
	next := &numberedCatalogue{number: number, catalogue: c}
	for {
		cur := l.current.Load()
		if cur.number >= number && cur.number != 0 {
			return false
		}
		if l.current.CompareAndSwap(cur, next) {
			return true
		}
	}
}

// Center returns the center with the given id in the catalogue in use.
func (l *liveCatalogue) Center(id string) (Center, error) {
	c, _ := l.load()
	return c.Center(id)
}

// Service returns the service with the given id in the catalogue in use.
func (l *liveCatalogue) Service(id string) (Service, error) {
	c, _ := l.load()
	return c.Service(id)
}

// CatalogueUse counts the bookings of one service at one center that a
// newcomer may still open, move or cancel, or that an email is still to be
// sent about, and the waitlist's entries in line for it.
type CatalogueUse struct {
	Center   string
	Service  string
	Bookings int
	Waiting  int
}

// String says how many bookings and entries the use counts: "2 bookings
// and 1 waitlist entry".
func (u CatalogueUse) String() string {
	var parts []string
	for _, n := range []struct {
		count       int
		one, plural string
	}{{u.Bookings, "booking", "bookings"}, {u.Waiting, "waitlist entry", "waitlist entries"}} {
		switch {
		case n.count == 1:
			parts = append(parts, "1 "+n.one)
		case n.count > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n.count, n.plural))
		}
	}
	return strings.Join(parts, " and ")
}

// CheckUses returns an error naming every center and service of uses that
// the catalogue lacks, with how many bookings and entries use it, or nil
// if it lacks none. Those bookings could be neither shown nor cancelled,
// those entries neither offered a time nor shown, and their emails could
// not be written.
func (c Catalogue) CheckUses(uses []CatalogueUse) error {
	var lines []string
	for _, u := range c.Lacks(uses) {
		var missing []string
		if _, err := c.Center(u.Center); err != nil {
			missing = append(missing, err.Error())
		}
		if _, err := c.Service(u.Service); err != nil {
			missing = append(missing, err.Error())
		}
		if len(missing) > 0 {
			lines = append(lines, fmt.Sprintf("%s: %s of service %q at center %q",
				strings.Join(missing, ", "), u, u.Service, u.Center))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}

// Lacks returns the uses whose center or service the catalogue lacks.
func (c Catalogue) Lacks(uses []CatalogueUse) []CatalogueUse {
	var lacking []CatalogueUse
	for _, u := range uses {
		_, errCenter := c.Center(u.Center)
		_, errService := c.Service(u.Service)
		if errCenter != nil || errService != nil {
			lacking = append(lacking, u)
		}
	}
	return lacking
}

// The catalogue's numbered versions: admins change centers and services in
// the back office, each change is kept as the next version, and every
// server process uses the latest. A change is checked against the bookings:
// it may not take away a center or service that bookings still use, and a
// change that would leave bookings outside the new hours or without their
// service lists them and applies only when told to cancel them.

// CatalogueVersion is one numbered version of the catalogue as kept.
type CatalogueVersion struct {
	Number int
	// Document is the catalogue as YAML, as booking/catalogue writes it.
	Document []byte
	// Author is who made the version: a staff account's email, or the
	// command that loaded it.
	Author string
	// Note says how the version came about, such as a revert.
	Note string
	At   time.Time
}

// CatalogueStore keeps the catalogue's versions. A Store that is one too
// lets a Scheduler change the catalogue (ChangeCatalogue).
type CatalogueStore interface {
	// CatalogueVersion returns version n, or the latest if n is 0;
	// ErrNotFound if there is none.
	CatalogueVersion(ctx context.Context, n int) (CatalogueVersion, error)
	// CatalogueVersions returns the latest limit versions, newest first.
	CatalogueVersions(ctx context.Context, limit int) ([]CatalogueVersion, error)
	// AddCatalogueVersion stores v if v.Number is one after the latest
	// version's (1 for the first), and otherwise fails with
	// ErrVersionMoved. In the same transaction it cancels bookings as
	// UpdateBookings does, each with a cancellation email, and announces
	// the version to the other server processes. On error nothing is
	// written.
	AddCatalogueVersion(ctx context.Context, v CatalogueVersion, cancel []Update) error
	// CatalogueUses counts, per center and service, the bookings that
	// still depend on the catalogue: those ending after linksFrom, whose
	// manage link works, and those with an email still queued.
	CatalogueUses(ctx context.Context, linksFrom time.Time) ([]CatalogueUse, error)
}

// ErrVersionMoved: the catalogue version a change was made from is no
// longer the latest; another change came first.
var ErrVersionMoved = errors.New("the catalogue has changed meanwhile")

// InUseError is the error of a change that takes away centers or services
// that bookings still use; it is an ErrInvalid.
type InUseError struct {
	// Lacking are the uses the new catalogue lacks.
	Lacking []CatalogueUse
	next    Catalogue
	err     error
}

// LacksCenter reports whether the new catalogue lacks the center, rather
// than only a service of it.
func (e *InUseError) LacksCenter(id string) bool {
	_, err := e.next.Center(id)
	return err != nil
}

func (e *InUseError) Error() string {
	return "the catalogue lacks centers or services that bookings still use; keep them until those bookings are past " +
		"and their emails are sent:\n" + e.err.Error()
}

// Unwrap lets errors.Is see ErrInvalid.
func (e *InUseError) Unwrap() error { return ErrInvalid }

// Why a change of the catalogue strands a booking.
const (
	StrandedCenter      = "center"      // the center is gone
	StrandedService     = "service"     // a service is gone or can no longer be booked
	StrandedInterpreter = "interpreter" // the center no longer offers its interpreter
	StrandedHours       = "hours"       // the time is outside the new hours
)

// Stranded is a confirmed booking, not started yet, that a new catalogue
// would leave outside its hours or without its center, service or
// interpreter. Why is one of the Stranded constants; Subject names the
// service or language it concerns, if any.
type Stranded struct {
	Booking Booking
	Why     string
	Subject string
}

// StrandedError is the error of a change that would strand bookings and
// was not told to cancel them; it is an ErrConflict.
type StrandedError struct {
	Bookings []Stranded
}

func (e *StrandedError) Error() string {
	refs := make([]string, len(e.Bookings))
	for i, s := range e.Bookings {
		refs[i] = s.Booking.Reference
	}
	return fmt.Sprintf("the change would leave %d bookings outside the hours or without their service: %s",
		len(e.Bookings), strings.Join(refs, ", "))
}

// Unwrap lets errors.Is see ErrConflict.
func (e *StrandedError) Unwrap() error { return ErrConflict }

// CatalogueChange is a new version of the catalogue to apply.
type CatalogueChange struct {
	// Base is the number of the version the change was made from, the
	// latest (0 before the first); the change is refused with
	// ErrVersionMoved if another came first.
	Base      int
	Catalogue Catalogue
	// Location is the new version's time zone, which must be the one the
	// scheduler keeps (Policy.Location): it changes only with a restart.
	Location *time.Location
	// Document is the version as YAML, as booking/catalogue writes it.
	Document     []byte
	Author, Note string
	// CancelStranded cancels the bookings the change strands, each
	// newcomer emailed Reason; without it a change that strands bookings
	// fails with a StrandedError listing them.
	CancelStranded bool
	Reason         string
}

// UseCatalogue makes version number of the catalogue the one in use,
// unless a later one is, and reports whether it did: a server process
// applies the versions other processes announce with it.
func (s *Scheduler) UseCatalogue(number int, c Catalogue) bool {
	if !s.catalogue.use(number, c) {
		return false
	}
	// Listings laid out in the old hours must not be served again.
	s.seatCache.drop("", Date{}, Date{})
	return true
}

// CatalogueVersion returns the number of the catalogue's version in use,
// 0 if it is no stored version.
func (s *Scheduler) CatalogueVersion() int {
	_, n := s.catalogue.load()
	return n
}

// catalogueStore returns the store of the catalogue's versions.
func (s *Scheduler) catalogueStore() (CatalogueStore, error) {
	cs, ok := s.store.(CatalogueStore)
	if !ok {
		return nil, errors.New("the store keeps no versions of the catalogue")
	}
	return cs, nil
}

// CatalogueVersions returns the latest limit versions of the catalogue,
// newest first.
func (s *Scheduler) CatalogueVersions(ctx context.Context, limit int) ([]CatalogueVersion, error) {
	cs, err := s.catalogueStore()
	if err != nil {
		return nil, err
	}
	return cs.CatalogueVersions(ctx, limit)
}

// StoredCatalogue returns version n of the catalogue, the latest if n is 0.
func (s *Scheduler) StoredCatalogue(ctx context.Context, n int) (CatalogueVersion, error) {
	cs, err := s.catalogueStore()
	if err != nil {
		return CatalogueVersion{}, err
	}
	return cs.CatalogueVersion(ctx, n)
}

// strandedHorizon bounds how far ahead Stranded looks for bookings: past
// any booking horizon a configuration allows.
const strandedHorizon = 3660

// Stranded lists the confirmed bookings not started yet that next would
// leave without their center, a service, their interpreter or their time
// within the hours, which the catalogue in use gives them, by start.
func (s *Scheduler) Stranded(ctx context.Context, next Catalogue) ([]Stranded, error) {
	now := s.now()
	current, _ := s.catalogue.load()
	var stranded []Stranded
	for _, center := range current.Centers {
		bookings, err := s.store.Appointments(ctx, center.ID, now, now.AddDate(0, 0, strandedHorizon))
		if err != nil {
			return nil, fmt.Errorf("bookings of %s: %w", center.ID, err)
		}
		for _, b := range bookings {
			if !b.Changeable(now) {
				continue
			}
			// A booking the catalogue in use strands already (made by
			// hand, or under an older version) is no change's doing.
			if why, subject := s.strands(next, b); why != "" && s.stranded(current, b) == "" {
				stranded = append(stranded, Stranded{Booking: b, Why: why, Subject: subject})
			}
		}
	}
	slices.SortStableFunc(stranded, func(a, b Stranded) int { return a.Booking.Start.Compare(b.Booking.Start) })
	return stranded, nil
}

// stranded says why the catalogue strands b, "" if it does not.
func (s *Scheduler) stranded(cat Catalogue, b Booking) string {
	why, _ := s.strands(cat, b)
	return why
}

// strands says why next would strand b, "" if it would not.
func (s *Scheduler) strands(next Catalogue, b Booking) (why, subject string) {
	center, err := next.Center(b.Center)
	if err != nil {
		return StrandedCenter, ""
	}
	for _, id := range b.Services {
		if sv, err := next.Service(id); err != nil || !sv.Mode.Bookable() {
			return StrandedService, id
		}
	}
	if l := b.Language; l != "" && !center.Speaks(l) && center.Interpreters[l] <= 0 {
		return StrandedInterpreter, l
	}
	start := b.Start.In(s.policy.Location)
	day := DateOf(start)
	span, open := center.HoursOn(day)
	if !open || b.Start.Before(day.At(span.Open, s.policy.Location)) || b.End.After(day.At(span.Close, s.policy.Location)) {
		return StrandedHours, ""
	}
	return "", ""
}

// ChangeCatalogue applies a new version of the catalogue: it checks that
// no booking still uses what the version takes away (InUseError), that it
// strands no booking (StrandedError) unless told to cancel those, and then
// stores the version and cancels the stranded bookings in one transaction,
// and uses it at once. Other server processes use it when they hear of it.
// It returns the version stored and the bookings cancelled.
func (s *Scheduler) ChangeCatalogue(ctx context.Context, ch CatalogueChange) (CatalogueVersion, []Booking, error) {
	cs, err := s.catalogueStore()
	if err != nil {
		return CatalogueVersion{}, nil, err
	}
	if ch.Location == nil || ch.Location.String() != s.policy.Location.String() {
		return CatalogueVersion{}, nil, invalid([]FieldError{{"time_zone",
			fmt.Sprintf("must stay %s: the time zone changes only with an import and a restart", s.policy.Location)}})
	}
	uses, err := cs.CatalogueUses(ctx, s.now().Add(-s.policy.LinkGrace))
	if err != nil {
		return CatalogueVersion{}, nil, err
	}
	if lacking := ch.Catalogue.Lacks(uses); len(lacking) > 0 {
		return CatalogueVersion{}, nil, &InUseError{Lacking: lacking, next: ch.Catalogue, err: ch.Catalogue.CheckUses(lacking)}
	}
	ch.Reason = strings.TrimSpace(ch.Reason)
	if ch.CancelStranded {
		if msg := checkLine(ch.Reason, MaxNotes, true); msg != "" {
			return CatalogueVersion{}, nil, invalid([]FieldError{{"reason", msg}})
		}
	}
	v := CatalogueVersion{Number: ch.Base + 1, Document: ch.Document, Author: ch.Author, Note: ch.Note}
	for attempt := 1; ; attempt++ {
		stranded, err := s.Stranded(ctx, ch.Catalogue)
		if err != nil {
			return CatalogueVersion{}, nil, err
		}
		if len(stranded) > 0 && !ch.CancelStranded {
			return CatalogueVersion{}, nil, &StrandedError{Bookings: stranded}
		}
		now := s.now()
		updates := make([]Update, 0, len(stranded))
		for _, st := range stranded {
			u, err := s.cancellation(st.Booking, ch.Reason, now)
			if err != nil {
				return CatalogueVersion{}, nil, err
			}
			updates = append(updates, u)
		}
		v.At = now.UTC()
		err = cs.AddCatalogueVersion(ctx, v, updates)
		if err == nil {
			s.UseCatalogue(v.Number, ch.Catalogue)
			cancelled := make([]Booking, len(updates))
			for i, u := range updates {
				s.changed(u.Booking.Center, u.Booking.Start, u.Booking.End)
				cancelled[i] = u.Booking
			}
			return v, cancelled, nil
		}
		switch {
		case errors.Is(err, ErrVersionMoved), !errors.Is(err, ErrConflict):
			return CatalogueVersion{}, nil, err
		case attempt == cancelAttempts:
			return CatalogueVersion{}, nil, newError(ErrConflict, "bookings were changed at the same time as the catalogue; try again")
		}
	}
}
