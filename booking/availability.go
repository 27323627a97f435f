package booking

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Seat availability is read by every visitor who looks for a time, far more
// often than it changes, so the scheduler keeps it in memory: per center and
// day the seats taken in its units, and per center its closures from
// yesterday to the end of the booking horizon, as the database last said.
// The database stays the only judge of a booking (its guard refuses a full
// slot with ErrSlotFull whatever a listing showed), so the cache may show a
// seat that is then refused; what it must not do is hide a free one for
// long. Hence:
//
//   - every change this process makes drops what it touched once it has
//     committed (a booking, move or cancellation the days' seats, a
//     closure the center's closures), and so does a booking refused as
//     full: the next listing reads them again;
//   - a change another process commits is announced (PostgreSQL NOTIFY,
//     delivered after the commit) and reported with Changed, which drops
//     the days in the same way;
//   - an entry is never used longer than Policy.SeatCacheTTL after it was
//     read, which bounds the staleness when an announcement is lost (and is
//     the only bound on SQLite, which has none).
//
// A read that raced with a change is not kept: every drop bumps the
// center's generation, and a read stores its days only if the generation it
// started with is still current.

// dayState is the seats taken in one day of a center, as read at one
// moment. It is never changed once made, so readers use it without a lock.
type dayState struct {
	day      Date
	from, to int64 // the day's first and last-plus-one Unix second
	// taken is the seats taken by resource, per Unit from the day's
	// start; units after the last taken one are left out.
	taken map[string][]int
	read  time.Time // when it was read, on the monotonic clock
}

// days is a run of consecutive days of one center, by date.
type days []*dayState

// closureSet is a center's closures of the days from..to, as read at one
// moment; never changed once made.
type closureSet struct {
	from, to Date
	byDay    map[Date]Closure
	read     time.Time
}

// between returns the closures of the days from..to, inside the set's.
func (cs *closureSet) between(from, to Date) map[Date]Closure {
	out := make(map[Date]Closure)
	for d, c := range cs.byDay {
		if !d.Before(from) && !d.After(to) {
			out[d] = c
		}
	}
	return out
}

// unitSeconds is the length of a Unit.
const unitSeconds = int64(Unit / time.Second)

// taken returns the seats of resource taken in the Unit starting at the
// Unix second t, 0 outside the days.
func (ds days) taken(resource string, t int64) int {
	i, found := slices.BinarySearchFunc(ds, t, func(d *dayState, t int64) int {
		switch {
		case t < d.from:
			return 1
		case t >= d.to:
			return -1
		}
		return 0
	})
	if !found {
		return 0
	}
	units := ds[i].taken[resource]
	if k := (t - ds[i].from) / unitSeconds; k < int64(len(units)) {
		return units[k]
	}
	return 0
}

// seatCache holds the dayStates of every center. A zero ttl turns it off.
type seatCache struct {
	ttl     time.Duration
	now     func() time.Time // the monotonic clock the TTL is counted on
	mu      sync.Mutex
	centers map[string]*centerDays
}

// centerDays is what is cached of one center.
type centerDays struct {
	gen      uint64 // bumped by every drop
	days     map[Date]*dayState
	closures *closureSet // nil until read, or dropped
	// listings are the slots last listed for each query, with what they
	// were computed from: while that is still what the cache holds, the
	// same query gets the same slots without computing them again.
	listings map[listingKey]*listing
	// reading is held by the one read of the center's days under way, so
	// that a crowd of listings that all miss reads the database once.
	reading sync.Mutex
}

func newSeatCache(ttl time.Duration) *seatCache {
	return &seatCache{ttl: ttl, now: time.Now, centers: make(map[string]*centerDays)}
}

// center returns the center's cache, made on first use; c.mu must be held.
func (c *seatCache) center(id string) *centerDays {
	cd := c.centers[id]
	if cd == nil {
		cd = &centerDays{days: make(map[Date]*dayState), listings: make(map[listingKey]*listing)}
		c.centers[id] = cd
	}
	return cd
}

// cached returns the center's days from..to if every one of them is fresh,
// and the generation current now.
func (c *seatCache) cached(cd *centerDays, from, to Date, now time.Time) (days, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(days, 0, from.DaysUntil(to)+1)
	for d := from; !d.After(to); d = d.AddDays(1) {
		st := cd.days[d]
		if st == nil || now.Sub(st.read) >= c.ttl {
			return nil, cd.gen, false
		}
		out = append(out, st)
	}
	return out, cd.gen, true
}

// keep stores days read while the center's generation was gen, unless a
// drop came since, and forgets the days past their time to live, so that
// the cache holds no more than the days listed within one.
func (c *seatCache) keep(cd *centerDays, gen uint64, ds days, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cd.gen != gen {
		return
	}
	maps.DeleteFunc(cd.days, func(_ Date, st *dayState) bool { return now.Sub(st.read) >= c.ttl })
	for _, d := range ds {
		cd.days[d.day] = d
	}
}

// drop forgets the seats of the center's days from..to; an empty center
// forgets every center, a zero from everything of the center, closures
// included.
func (c *seatCache) drop(center string, from, to Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, cd := range c.centers {
		if center != "" && id != center {
			continue
		}
		cd.gen++
		clear(cd.listings)
		if from == (Date{}) {
			clear(cd.days)
			cd.closures = nil
			continue
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			delete(cd.days, d)
		}
	}
}

// days returns the seats taken in a center's days from..to, from memory
// while fresh, from the store otherwise.
func (s *Scheduler) days(ctx context.Context, center Center, from, to Date) (days, error) {
	c := s.seatCache
	if c.ttl <= 0 {
		return s.readDays(ctx, center, from, to)
	}
	c.mu.Lock()
	cd := c.center(center.ID)
	c.mu.Unlock()
	if ds, _, ok := c.cached(cd, from, to, c.now()); ok {
		return ds, nil
	}
	cd.reading.Lock()
	defer cd.reading.Unlock()
	// Another listing may have read them while this one waited.
	ds, gen, ok := c.cached(cd, from, to, c.now())
	if ok {
		return ds, nil
	}
	ds, err := s.readDays(ctx, center, from, to)
	if err != nil {
		return nil, err
	}
	c.keep(cd, gen, ds, c.now())
	return ds, nil
}

// readDays reads the seats of a center's days from..to from the store: one
// query, whatever the number of days.
func (s *Scheduler) readDays(ctx context.Context, center Center, from, to Date) (days, error) {
	read := s.seatCache.now()
	loc := s.policy.Location
	usage, err := s.store.Usage(ctx, center.ID, from.At(0, loc), to.AddDays(1).At(0, loc))
	if err != nil {
		return nil, fmt.Errorf("seats of %s: %w", center.ID, err)
	}
	ds := make(days, 0, from.DaysUntil(to)+1)
	for d := from; !d.After(to); d = d.AddDays(1) {
		ds = append(ds, &dayState{
			day:   d,
			from:  d.At(0, loc).Unix(),
			to:    d.AddDays(1).At(0, loc).Unix(),
			taken: make(map[string][]int),
			read:  read,
		})
	}
	for _, u := range usage {
		n := from.DaysUntil(DateOf(u.Start.In(loc)))
		if n < 0 || n >= len(ds) {
			continue
		}
		units := ds[n].taken[u.Resource]
		k := int((u.Start.Unix() - ds[n].from) / unitSeconds)
		if k >= len(units) {
			units = append(units, make([]int, k+1-len(units))...)
		}
		units[k] = u.Booked
		ds[n].taken[u.Resource] = units
	}
	return ds, nil
}

// closedDays returns the closures staff entered for a center on the days
// from..to.
func (s *schedule) closedDays(ctx context.Context, center Center, from, to Date) (map[Date]Closure, error) {
	cs, err := s.closures(ctx, center, from, to)
	if err != nil {
		return nil, err
	}
	return cs.between(from, to), nil
}

// closures returns a set holding the closures of a center on the days
// from..to, from memory while fresh if the days lie between yesterday and
// the end of the booking horizon, from the store otherwise.
func (s *schedule) closures(ctx context.Context, center Center, from, to Date) (*closureSet, error) {
	c := s.seatCache
	today := s.today()
	first, last := today.AddDays(-1), today.AddDays(s.policy.HorizonDays+1)
	if c.ttl <= 0 || from.Before(first) || to.After(last) {
		return s.readClosures(ctx, center, from, to)
	}
	c.mu.Lock()
	cd := c.center(center.ID)
	c.mu.Unlock()
	cached := func() (*closureSet, uint64) {
		c.mu.Lock()
		defer c.mu.Unlock()
		cs := cd.closures
		if cs == nil || c.now().Sub(cs.read) >= c.ttl || cs.from.After(from) || cs.to.Before(to) {
			return nil, cd.gen
		}
		return cs, cd.gen
	}
	if cs, _ := cached(); cs != nil {
		return cs, nil
	}
	cd.reading.Lock()
	defer cd.reading.Unlock()
	cs, gen := cached()
	if cs != nil {
		return cs, nil
	}
	cs, err := s.readClosures(ctx, center, first, last)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if cd.gen == gen {
		cd.closures = cs
	}
	c.mu.Unlock()
	return cs, nil
}

// listingKey is a slot query as Slots settles it: the slots of services
// that take as long are the same.
type listingKey struct {
	length   time.Duration
	interp   string
	from, to Date
}

// listing is the slots of a query and what they were computed from.
type listing struct {
	closures *closureSet
	days     days
	slots    []Slot
}

// maxListings bounds the listings kept per center.
const maxListings = 256

// listed returns the slots last computed for key if they were computed from
// closures and ds and none of them starts before earliest (which only
// moves on: the slots it cut then are still cut).
func (c *seatCache) listed(center string, key listingKey, closures *closureSet, ds days, earliest time.Time) ([]Slot, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.center(center).listings[key]
	if l == nil || l.closures != closures || !slices.Equal(l.days, ds) || (len(l.slots) > 0 && l.slots[0].Start.Before(earliest)) {
		return nil, false
	}
	return l.slots, true
}

// list keeps the slots computed for key.
func (c *seatCache) list(center string, key listingKey, l *listing) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cd := c.center(center)
	if len(cd.listings) >= maxListings {
		clear(cd.listings)
	}
	cd.listings[key] = l
}

// readClosures reads a center's closures of the days from..to.
func (s *schedule) readClosures(ctx context.Context, center Center, from, to Date) (*closureSet, error) {
	cs := &closureSet{from: from, to: to, byDay: make(map[Date]Closure), read: s.seatCache.now()}
	closures, err := s.store.Closures(ctx, center.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("closures of %s: %w", center.ID, err)
	}
	for _, c := range closures {
		cs.byDay[c.Day] = c
	}
	return cs, nil
}

// Changed tells the scheduler that another server process changed seats
// or closures of a center, between the instants from and to; zero instants
// mean any time, an empty center any center.
func (s *Scheduler) Changed(center string, from, to time.Time) {
	if from.IsZero() || to.IsZero() {
		s.seatCache.drop(center, Date{}, Date{})
		return
	}
	s.changed(center, from, to)
}

// changed drops the cached days of a center that [from, to) touches.
func (s *Scheduler) changed(center string, from, to time.Time) {
	loc := s.policy.Location
	last := to
	if to.After(from) {
		last = to.Add(-time.Nanosecond)
	}
	s.seatCache.drop(center, DateOf(from.In(loc)), DateOf(last.In(loc)))
}
