package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ics-booking/icsbooking/booking"
)

// Usage returns the taken seats of every resource of a center for the
// units starting in [from, to). Units with no seat taken are left out.
func (s *Store) Usage(ctx context.Context, center string, from, to time.Time) ([]booking.Usage, error) {
	rows, err := s.query(ctx, usageSQL, center, dbTime(from), dbTime(to))
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", center, err)
	}
	defer rows.Close()
	var usage []booking.Usage
	for rows.Next() {
		var u booking.Usage
		if err := rows.Scan(&u.Resource, &u.Start, &u.Booked); err != nil {
			return nil, fmt.Errorf("usage of %s: %w", center, err)
		}
		u.Start = u.Start.UTC()
		usage = append(usage, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage of %s: %w", center, err)
	}
	return usage, nil
}

// claimGroup is the claims on the units of one resource of one center with
// one capacity: they are taken or released by a single UPDATE.
type claimGroup struct {
	center   string
	resource string
	capacity int
	starts   []any // time.Time in UTC, ascending
}

func (g claimGroup) String() string {
	return fmt.Sprintf("%s %s (capacity %d)", g.center, g.resource, g.capacity)
}

// groupClaims sorts claims by center, resource and start, so that every
// transaction locks counter rows in the same order, and groups them. A unit
// claimed twice is a mistake of the caller: the guard would count it once.
func groupClaims(claims []booking.Claim) ([]claimGroup, error) {
	sorted := slices.Clone(claims)
	slices.SortFunc(sorted, func(a, b booking.Claim) int {
		return cmp.Or(
			strings.Compare(a.Center, b.Center),
			strings.Compare(a.Resource, b.Resource),
			a.Start.Compare(b.Start),
			cmp.Compare(a.Capacity, b.Capacity),
		)
	})
	var groups []claimGroup
	for i, c := range sorted {
		if i > 0 {
			prev := sorted[i-1]
			if prev.Center == c.Center && prev.Resource == c.Resource && prev.Start.Equal(c.Start) {
				return nil, fmt.Errorf("%s %s at %s claimed twice", c.Center, c.Resource, c.Start.UTC().Format(time.RFC3339))
			}
		}
		if n := len(groups); n > 0 && groups[n-1].center == c.Center && groups[n-1].resource == c.Resource && groups[n-1].capacity == c.Capacity {
			groups[n-1].starts = append(groups[n-1].starts, dbTime(c.Start))
			continue
		}
		groups = append(groups, claimGroup{center: c.Center, resource: c.Resource, capacity: c.Capacity, starts: []any{dbTime(c.Start)}})
	}
	return groups, nil
}

// createCounters makes sure a counter exists for every unit claimed, empty
// if new, so that the transaction that claims them finds a row to lock for
// each. It runs on its own, outside that transaction: a counter inserted in
// a transaction would make every other transaction that needs it wait
// for the first to end, out of the order in which lockSeats takes rows, and
// that is how two bookings deadlock. An empty counter left behind by a booking
// that failed is harmless. When every counter exists, it writes nothing.
func (s *Store) createCounters(ctx context.Context, claims []booking.Claim) error {
	if len(claims) == 0 {
		return nil
	}
	groups, err := groupClaims(claims)
	if err != nil {
		return err
	}
	var units []booking.Claim
	for _, g := range groups {
		for _, start := range g.starts {
			units = append(units, booking.Claim{Center: g.center, Resource: g.resource, Start: start.(time.Time), Capacity: g.capacity})
		}
	}
	return s.insertCounters(ctx, units)
}

// createDayCounters is createCounters for the batches of new bookings: it
// creates the counters of a claimed unit's whole day (UTC) at once, every
// unit in step with the claimed one, with the claim's capacity (a claim
// sets the capacity it is taken with anyway), and skips the days this
// process made before, so that most batches write nothing outside their
// transaction, which would cost a commit of its own, and send no
// statement. A batch that finds a counter missing all the same forgets the
// days and makes its counters with createCounters.
func (s *Store) createDayCounters(ctx context.Context, claims []booking.Claim) error {
	var (
		days []counterDay
		caps = map[counterDay]int{}
	)
	for _, c := range claims {
		start := dbTime(c.Start)
		midnight := start.Truncate(24 * time.Hour)
		d := counterDay{center: c.Center, resource: c.Resource, day: midnight.Unix(), offset: start.Sub(midnight) % booking.Unit}
		if _, seen := caps[d]; seen || s.counterDays.has(d) {
			continue
		}
		caps[d] = c.Capacity
		days = append(days, d)
	}
	if len(days) == 0 {
		return nil
	}
	slices.SortFunc(days, func(a, b counterDay) int {
		return cmp.Or(strings.Compare(a.center, b.center), strings.Compare(a.resource, b.resource),
			cmp.Compare(a.day, b.day), cmp.Compare(a.offset, b.offset))
	})
	units := make([]booking.Claim, 0, unitsPerDay*len(days))
	for _, d := range days {
		first := time.Unix(d.day, 0).UTC().Add(d.offset)
		for u := range unitsPerDay {
			units = append(units, booking.Claim{Center: d.center, Resource: d.resource, Start: first.Add(time.Duration(u) * booking.Unit), Capacity: caps[d]})
		}
	}
	if err := s.insertCounters(ctx, units); err != nil {
		return err
	}
	s.counterDays.add(days)
	return nil
}

// countersPerStatement bounds the counters one INSERT makes, so that its
// parameters stay well within SQLite's and PostgreSQL's limits.
const countersPerStatement = 4000

// insertCounters inserts empty counters for the units, in their order (by
// center, resource and start: two of these statements then wait for each
// other, if at all, in one order), skipping those that exist.
func (s *Store) insertCounters(ctx context.Context, units []booking.Claim) error {
	for len(units) > 0 {
		chunk := units[:min(len(units), countersPerStatement)]
		units = units[len(chunk):]
		var values strings.Builder
		args := make([]any, 0, 4*len(chunk))
		for _, u := range chunk {
			if values.Len() > 0 {
				values.WriteString(", ")
			}
			values.WriteString("(?, ?, ?, 0, ?)")
			args = append(args, u.Center, u.Resource, dbTime(u.Start), u.Capacity)
		}
		err := s.db.WithContext(ctx).Exec("INSERT INTO slot_counters (center_id, resource, starts_at, booked, capacity) VALUES "+
			values.String()+" ON CONFLICT DO NOTHING", args...).Error
		if err != nil {
			return fmt.Errorf("create seat counters: %w", err)
		}
	}
	return nil
}

// counterDay is the counters of a resource of a center on a UTC day, in
// step with the unit that starts offset after midnight.
type counterDay struct {
	center, resource string
	day              int64 // Unix seconds of midnight UTC
	offset           time.Duration
}

// knownDays remembers the counter days this process made, so that a batch
// of new bookings skips the statement; it forgets them all when a batch
// finds a counter missing (removed behind its back).
type knownDays struct {
	mu   sync.Mutex
	days map[counterDay]bool
}

// maxKnownDays bounds knownDays: beyond it, it starts again.
const maxKnownDays = 100_000

func (k *knownDays) has(d counterDay) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.days[d]
}

func (k *knownDays) add(days []counterDay) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.days == nil || len(k.days)+len(days) > maxKnownDays {
		k.days = make(map[counterDay]bool)
	}
	for _, d := range days {
		k.days[d] = true
	}
}

func (k *knownDays) forget() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.days = nil
}

// unitsPerDay is the units of a counter day.
const unitsPerDay = int(24 * time.Hour / booking.Unit)

// moveSeats gives back the seats each update releases and takes those it
// claims inside tx, locking alsoLock with them (the seats the waitlist's
// holds will take), or returns an error wrapping booking.ErrSlotFull if a
// claimed unit has none left; the caller must then roll tx back. Their
// counters must exist (createCounters).
//
// On PostgreSQL every counter row the change touches, released or claimed,
// is locked first in one statement, in the order of the primary key: two
// transactions that need the same rows take them in the same order, so
// neither can hold one the other waits for while waiting itself. SQLite has
// a single writer and needs no locks.
func (s *Store) moveSeats(tx *gorm.DB, updates []booking.Update, alsoLock []booking.Claim) error {
	all := slices.Clone(alsoLock)
	for _, u := range updates {
		all = append(append(all, u.Release...), u.Claims...)
	}
	if err := s.lockSeats(tx, all); err != nil {
		return err
	}
	for _, u := range updates {
		released, err := groupClaims(u.Release)
		if err != nil {
			return err
		}
		taken, err := groupClaims(u.Claims)
		if err != nil {
			return err
		}
		if err := s.releaseSeats(tx, released); err != nil {
			return err
		}
		if err := takeSeats(tx, taken); err != nil {
			return fmt.Errorf("booking %d: %w", u.Booking.ID, err)
		}
	}
	return nil
}

// lockSeats locks the counter rows of the claims in primary key order
// (PostgreSQL only). A unit both released and claimed is locked once.
func (s *Store) lockSeats(tx *gorm.DB, claims []booking.Claim) error {
	if s.dialect != dialectPostgres || len(claims) == 0 {
		return nil
	}
	where, args := countersOf(claims)
	err := tx.Exec("SELECT 1 FROM slot_counters WHERE "+where+" ORDER BY center_id, resource, starts_at FOR UPDATE", args...).Error
	if err != nil {
		return fmt.Errorf("lock seat counters: %w", err)
	}
	return nil
}

// countersOf is the condition that picks the counters of the claims, and its
// arguments.
func countersOf(claims []booking.Claim) (string, []any) {
	var keys strings.Builder
	args := make([]any, 0, 3*len(claims))
	for i, c := range claims {
		if i > 0 {
			keys.WriteString(", ")
		}
		keys.WriteString("(?, ?, ?)")
		args = append(args, c.Center, c.Resource, dbTime(c.Start))
	}
	return "(center_id, resource, starts_at) IN (" + keys.String() + ")", args
}

// takeSeats takes one seat per unit of the groups inside tx, or returns an
// error wrapping booking.ErrSlotFull if any unit has none left.
func takeSeats(tx *gorm.DB, groups []claimGroup) error {
	// The guard: booked is checked and incremented in one statement, and the
	// database's row lock (PostgreSQL) or single writer (SQLite) makes a
	// concurrent transaction see the new value. Capacity follows the current
	// configuration; a unit already over a lowered capacity stays full.
	for _, g := range groups {
		res := tx.Exec("UPDATE slot_counters SET booked = booked + 1, capacity = ?"+
			" WHERE center_id = ? AND resource = ? AND starts_at IN ? AND booked < ?",
			g.capacity, g.center, g.resource, g.starts, g.capacity)
		if res.Error != nil {
			return fmt.Errorf("take seats of %s: %w", g, res.Error)
		}
		if res.RowsAffected < int64(len(g.starts)) {
			return fmt.Errorf("%s: %w", g, booking.ErrSlotFull)
		}
	}
	return nil
}

// releaseSeats gives back one seat per unit of the groups inside tx. A
// counter that is missing or already empty is logged and skipped: refusing
// to cancel a booking because of it would help nobody.
func (s *Store) releaseSeats(tx *gorm.DB, groups []claimGroup) error {
	for _, g := range groups {
		res := tx.Exec("UPDATE slot_counters SET booked = booked - 1"+
			" WHERE center_id = ? AND resource = ? AND starts_at IN ? AND booked > 0",
			g.center, g.resource, g.starts)
		if res.Error != nil {
			return fmt.Errorf("release seats of %s: %w", g, res.Error)
		}
		if res.RowsAffected < int64(len(g.starts)) {
			s.logger.WarnContext(tx.Statement.Context, "released seats that were not taken",
				"center", g.center, "resource", g.resource,
				"units", len(g.starts), "released", res.RowsAffected)
		}
	}
	return nil
}
