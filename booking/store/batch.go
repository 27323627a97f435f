package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ics-booking/icsbooking/booking"
)

// New bookings are written in batches. A booking is a few rows (the booking,
// its idempotency record, its email and the email's job) and a seat per unit
// it covers, and on a busy morning many arrive at once. Each written alone
// costs a dozen round trips to the database and a commit that waits for the
// disk; written together, the bookings that arrive while the previous batch
// commits share one transaction of a fixed number of statements:
//
//  1. outside the transaction, the counters every booking claims are
//     created if missing, with the rest of their day's (createDayCounters,
//     one statement), unless this process made that day's already: most
//     batches skip the statement;
//  2. every counter the batch claims is locked and read in one statement, in
//     primary key order (like moveSeats, so that no two transactions wait
//     for each other);
//  3. the bookings are taken in arrival order, each if every unit it claims
//     has a seat left after those before it: the others are refused with
//     ErrSlotFull, or ErrDuplicate if their Idempotency-Key already exists
//     (a replay must be recognised as such even when the slot is full);
//  4. the bookings, idempotency records and emails are inserted with one
//     statement each, the emails' jobs with one (River's InsertManyTx), the
//     seats taken with one UPDATE per resource and count; then the
//     transaction commits, and only then is each request answered;
//  5. other servers are told of the seats taken with one pg_notify
//     statement, after the commit rather than in the transaction: a
//     transaction that notifies holds PostgreSQL's lock on the queue of
//     notifications from its commit until its commit is on disk, so the
//     batches of the writers would commit one at a time. A notification
//     lost to a crash in between is made up for by the seat cache's TTL.
//
// One refusal does not fail the others: a full slot is decided before
// anything is written. Anything the batch cannot decide alone (a duplicate
// reference or Idempotency-Key found by the inserts, a database error) rolls
// the batch back, and its bookings are then written one at a time, each
// getting its own answer. A 201 still means committed, a 409 still means
// full.

// maxBatch is the most bookings one transaction writes.
const maxBatch = 64

// batchTimeout bounds one batch's transaction: it runs for many requests,
// so on a context of its own.
const batchTimeout = 30 * time.Second

// newBooking is a booking waiting to be written.
type newBooking struct {
	b      booking.Booking
	claims []booking.Claim
	idem   *booking.Idempotency
	email  booking.EmailKind
	done   chan writeResult // buffered: the writer never waits for the caller
}

type writeResult struct {
	b   booking.Booking
	err error
}

// batcher runs the writers: each takes the bookings waiting at the moment
// and writes them in one transaction. Several writers overlap one batch's
// commit with the next one's statements (PostgreSQL); SQLite, with one
// connection, has one.
type batcher struct {
	waiting  chan *newBooking // unbuffered: a booking is taken only by a writer
	stop     chan struct{}
	stopOnce sync.Once
	stopped  sync.WaitGroup
	// Committed batches and the requests they answered, for Batches.
	batches, requests atomic.Int64
}

// Batches returns how many transactions have committed batches of new
// bookings, and how many requests they answered (booked or refused): their
// ratio is the mean batch.
func (s *Store) Batches() (transactions, requests int64) {
	return s.batcher.batches.Load(), s.batcher.requests.Load()
}

func (s *Store) startBatcher(writers int) {
	s.batcher = &batcher{waiting: make(chan *newBooking), stop: make(chan struct{})}
	for range writers {
		s.batcher.stopped.Go(s.writeBatches)
	}
}

// stopBatcher lets the writers finish their batches and stop; again, it
// does nothing.
func (s *Store) stopBatcher() {
	s.batcher.stopOnce.Do(func() { close(s.batcher.stop) })
	s.batcher.stopped.Wait()
}

// CreateBooking inserts b, the idempotency record and the email of the given
// kind, if any, queues the email and takes every claim, all in one
// transaction, and returns b with its ID; see the batches above.
func (s *Store) CreateBooking(ctx context.Context, b booking.Booking, claims []booking.Claim, idem *booking.Idempotency, email booking.EmailKind) (booking.Booking, error) {
	nb := &newBooking{b: b, claims: claims, idem: idem, email: email, done: make(chan writeResult, 1)}
	select {
	case s.batcher.waiting <- nb:
	case <-ctx.Done():
		return booking.Booking{}, fmt.Errorf("create booking: %w", ctx.Err())
	case <-s.batcher.stop:
		return booking.Booking{}, errors.New("create booking: the store is closed")
	}
	// Taken by a writer: its answer comes once the batch has committed or
	// failed, whatever the caller's context does meanwhile.
	r := <-nb.done
	if r.err != nil {
		return booking.Booking{}, fmt.Errorf("create booking: %w", r.err)
	}
	return r.b, nil
}

// writeBatches is one writer.
func (s *Store) writeBatches() {
	for {
		var first *newBooking
		select {
		case first = <-s.batcher.waiting:
		case <-s.batcher.stop:
			return
		}
		batch := []*newBooking{first}
	more:
		for len(batch) < maxBatch {
			select {
			case nb := <-s.batcher.waiting:
				batch = append(batch, nb)
			default:
				break more
			}
		}
		s.writeBatch(batch)
	}
}

// writeBatch writes a batch and answers each of its bookings; a batch that
// fails as a whole is written again one booking at a time.
func (s *Store) writeBatch(batch []*newBooking) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	results, booked, err := s.createBookings(ctx, batch)
	if err != nil && len(batch) > 1 {
		s.logger.DebugContext(ctx, "a batch of bookings failed; writing them one by one", "bookings", len(batch), "error", err)
		for _, nb := range batch {
			s.writeBatch([]*newBooking{nb})
		}
		return
	}
	for i, nb := range batch {
		if err != nil {
			nb.done <- writeResult{err: err}
			continue
		}
		nb.done <- results[i]
	}
	if len(booked) > 0 {
		if err := s.announce(s.db.WithContext(ctx), booked); err != nil {
			s.logger.WarnContext(ctx, "bookings written but not announced to other servers", "bookings", len(booked), "error", err)
		}
	}
}

// counterKey names a seat counter.
type counterKey struct {
	center, resource string
	start            int64 // Unix microseconds
}

func keyOf(c booking.Claim) counterKey {
	return counterKey{c.Center, c.Resource, c.Start.UnixMicro()}
}

// createBookings writes the bookings of a batch in one transaction and
// returns each one's result and the rows written, to announce; an error
// fails them all, nothing written.
func (s *Store) createBookings(ctx context.Context, batch []*newBooking) ([]writeResult, []bookingRow, error) {
	// Every unit claimed, once.
	var all []booking.Claim
	seen := map[counterKey]bool{}
	for _, nb := range batch {
		for _, c := range nb.claims {
			if !seen[keyOf(c)] {
				seen[keyOf(c)] = true
				all = append(all, c)
			}
		}
	}
	var (
		results []writeResult
		booked  []bookingRow
	)
	err := s.createDayCounters(ctx, all)
	if err != nil {
		return nil, nil, err
	}
	write := func(tx *gorm.DB) error {
		results = make([]writeResult, len(batch))
		seats, err := s.readSeats(tx, all)
		if err != nil {
			return err
		}
		taken := s.decide(batch, seats, results)
		if err := s.refuseReplays(tx, batch, results); err != nil {
			return err
		}
		booked, err = s.insertBookings(ctx, tx, batch, results, taken)
		return err
	}
	err = s.transaction(ctx, write)
	if errors.Is(err, errCountersMissing) {
		// Removed behind this process's back, though it knew them made:
		// made again, all of them, and the batch written again.
		s.counterDays.forget()
		if err = s.createCounters(ctx, all); err == nil {
			err = s.transaction(ctx, write)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	s.batcher.batches.Add(1)
	s.batcher.requests.Add(int64(len(batch)))
	return results, booked, nil
}

// errCountersMissing says that counters a batch claims do not exist.
var errCountersMissing = errors.New("seat counters missing")

// seat is a counter as read at the start of a batch.
type seat struct{ booked int }

// readSeats locks (PostgreSQL) and reads the counters of the claims, each
// a different unit.
func (s *Store) readSeats(tx *gorm.DB, claims []booking.Claim) (map[counterKey]*seat, error) {
	seats := make(map[counterKey]*seat, len(claims))
	if len(claims) == 0 {
		return seats, nil
	}
	where, args := countersOf(claims)
	q := "SELECT center_id, resource, starts_at, booked FROM slot_counters WHERE " + where + " ORDER BY center_id, resource, starts_at"
	if s.dialect == dialectPostgres {
		q += " FOR UPDATE"
	}
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("lock seat counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k     counterKey
			start time.Time
			st    seat
		)
		if err := rows.Scan(&k.center, &k.resource, &start, &st.booked); err != nil {
			return nil, fmt.Errorf("read seat counters: %w", err)
		}
		k.start = start.UnixMicro()
		seats[k] = &st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read seat counters: %w", err)
	}
	if len(seats) != len(claims) {
		return nil, fmt.Errorf("%d of %d %w", len(claims)-len(seats), len(claims), errCountersMissing)
	}
	return seats, nil
}

// taking is the seats a batch takes in one counter.
type taking struct{ capacity, n int }

// decide takes the bookings in order, each if every unit it claims has a
// seat left, and refuses the others with ErrSlotFull in results; a booking
// whose Idempotency-Key an earlier one of the batch took is a replay of it,
// refused with ErrDuplicate whether or not seats are left. It returns the
// seats taken in each counter.
func (s *Store) decide(batch []*newBooking, seats map[counterKey]*seat, results []writeResult) map[counterKey]taking {
	taken := map[counterKey]taking{}
	keys := map[string]bool{}
	for i, nb := range batch {
		if _, err := groupClaims(nb.claims); err != nil {
			results[i].err = err
			continue
		}
		if nb.idem != nil && keys[string(nb.idem.KeyHash)] {
			results[i].err = fmt.Errorf("idempotency key: %w", booking.ErrDuplicate)
			continue
		}
		fits := true
		for _, c := range nb.claims {
			if seats[keyOf(c)].booked >= c.Capacity {
				fits = false
				results[i].err = fmt.Errorf("%s %s at %s: %w", c.Center, c.Resource, c.Start.UTC().Format(time.RFC3339), booking.ErrSlotFull)
				break
			}
		}
		if !fits {
			continue
		}
		for _, c := range nb.claims {
			k := keyOf(c)
			seats[k].booked++
			taken[k] = taking{capacity: c.Capacity, n: taken[k].n + 1}
		}
		if nb.idem != nil {
			keys[string(nb.idem.KeyHash)] = true
		}
	}
	return taken
}

// refuseReplays turns the refusals of bookings whose Idempotency-Key
// exists into ErrDuplicate.
func (s *Store) refuseReplays(tx *gorm.DB, batch []*newBooking, results []writeResult) error {
	var hashes [][]byte
	for i, nb := range batch {
		if results[i].err != nil && nb.idem != nil {
			hashes = append(hashes, nb.idem.KeyHash)
		}
	}
	if len(hashes) == 0 {
		return nil
	}
	var found [][]byte
	if err := tx.Model(&idempotencyRow{}).Where("key_hash IN ?", hashes).Pluck("key_hash", &found).Error; err != nil {
		return fmt.Errorf("look up idempotency keys: %w", err)
	}
	for i, nb := range batch {
		if results[i].err != nil && nb.idem != nil && slices.ContainsFunc(found, func(h []byte) bool { return string(h) == string(nb.idem.KeyHash) }) {
			results[i].err = fmt.Errorf("idempotency key: %w", booking.ErrDuplicate)
		}
	}
	return nil
}

// insertBookings writes the bookings of the batch not refused, with their
// idempotency records, emails and jobs, and takes their seats, filling in
// results; it returns the rows of the bookings written.
func (s *Store) insertBookings(ctx context.Context, tx *gorm.DB, batch []*newBooking, results []writeResult, taken map[counterKey]taking) ([]bookingRow, error) {
	var (
		rows  []bookingRow
		index []int // of each row's booking in batch
	)
	for i, nb := range batch {
		if results[i].err == nil {
			row := toBookingRow(nb.b)
			row.ID = 0
			rows = append(rows, row)
			index = append(index, i)
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// A duplicate reference or key is no refusal the batch can make: the
	// booking may have to be replayed, or drawn again.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
	if res.Error != nil {
		return nil, fmt.Errorf("insert bookings: %w", res.Error)
	}
	if res.RowsAffected != int64(len(rows)) {
		return nil, fmt.Errorf("a reference exists: %w", booking.ErrDuplicate)
	}
	var (
		idems  []idempotencyRow
		emails []emailRow
	)
	for j, row := range rows {
		nb := batch[index[j]]
		if nb.idem != nil {
			irow := toIdempotencyRow(*nb.idem)
			irow.BookingID = row.ID
			if irow.CreatedAt.IsZero() {
				irow.CreatedAt = row.CreatedAt
			}
			idems = append(idems, irow)
		}
		if nb.email != "" {
			emails = append(emails, newEmailRow(nb.email, row, row.CreatedAt))
		}
		results[index[j]].b = row.toBooking()
	}
	if len(idems) > 0 {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&idems)
		if res.Error != nil {
			return nil, fmt.Errorf("insert idempotency records: %w", res.Error)
		}
		if res.RowsAffected != int64(len(idems)) {
			return nil, fmt.Errorf("idempotency key: %w", booking.ErrDuplicate)
		}
	}
	if len(emails) > 0 {
		if err := tx.Create(&emails).Error; err != nil {
			return nil, fmt.Errorf("record emails: %w", err)
		}
		ids := make([]int64, len(emails))
		for i, e := range emails {
			ids[i] = e.ID
		}
		if err := s.enqueue(ctx, tx, ids...); err != nil {
			return nil, err
		}
	}
	if err := addSeats(tx, taken); err != nil {
		return nil, err
	}
	return rows, nil
}

// addSeats adds the seats taken to their counters (locked by readSeats),
// with one UPDATE per resource, capacity and number of seats. The guard
// stays in the statement, though the batch has counted already.
func addSeats(tx *gorm.DB, taken map[counterKey]taking) error {
	type update struct {
		center, resource string
		capacity, n      int
	}
	groups := map[update][]any{}
	for k, t := range taken {
		u := update{k.center, k.resource, t.capacity, t.n}
		groups[u] = append(groups[u], time.UnixMicro(k.start).UTC())
	}
	order := slices.SortedFunc(func(yield func(update) bool) {
		for u := range groups {
			if !yield(u) {
				return
			}
		}
	}, func(a, b update) int {
		return cmp.Or(strings.Compare(a.center, b.center), strings.Compare(a.resource, b.resource),
			cmp.Compare(a.capacity, b.capacity), cmp.Compare(a.n, b.n))
	})
	for _, u := range order {
		starts := groups[u]
		res := tx.Exec("UPDATE slot_counters SET booked = booked + ?, capacity = ?"+
			" WHERE center_id = ? AND resource = ? AND starts_at IN ? AND booked + ? <= ?",
			u.n, u.capacity, u.center, u.resource, starts, u.n, u.capacity)
		if res.Error != nil {
			return fmt.Errorf("take seats of %s %s: %w", u.center, u.resource, res.Error)
		}
		if res.RowsAffected != int64(len(starts)) {
			return fmt.Errorf("take seats of %s %s: %d of %d units changed meanwhile",
				u.center, u.resource, int64(len(starts))-res.RowsAffected, len(starts))
		}
	}
	return nil
}

// announce tells other server processes, in one statement on db, of the
// seats the bookings took (PostgreSQL only; see SeatsChannel).
func (s *Store) announce(db *gorm.DB, rows []bookingRow) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	var (
		q    strings.Builder
		args []any
	)
	for _, r := range rows {
		p := s.seatsPayload(r.CenterID, r.StartsAt, r.EndsAt)
		if slices.Contains(args, any(p)) {
			continue
		}
		if q.Len() == 0 {
			q.WriteString("SELECT ")
		} else {
			q.WriteString(", ")
		}
		q.WriteString("pg_notify(?, ?)")
		args = append(args, SeatsChannel, p)
	}
	if err := db.Exec(q.String(), args...).Error; err != nil {
		return fmt.Errorf("announce seats: %w", err)
	}
	return nil
}
