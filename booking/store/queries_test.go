package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// hotQuery is a statement of store.HotQueries with arguments that ask for
// a week with no rows in it, the indexes PostgreSQL may use for it (any of
// them) and what SQLite's plan must say.
type hotQuery struct {
	name     string
	args     []any
	postgres []string
	sqlite   string
}

func hotQueries() []hotQuery {
	monday := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	week := monday.AddDate(0, 0, 7)
	return []hotQuery{
		{"usage", []any{"aarhus", monday, week},
			[]string{"slot_counters_center_id_starts_at_idx"},
			"USING INDEX slot_counters_center_id_starts_at_idx (center_id=? AND starts_at>? AND starts_at<?)"},
		{"closures", []any{"aarhus", "2027-01-04", "2027-01-10"},
			[]string{"closures_pkey"},
			"USING PRIMARY KEY (center_id=? AND day>? AND day<?)"},
		// For an empty week either index reads next to nothing.
		{"appointments", []any{"aarhus", monday, week},
			[]string{"bookings_center_id_starts_at_idx", "bookings_confirmed_starts_at_idx"},
			"USING INDEX bookings_center_id_starts_at_idx (center_id=? AND starts_at>? AND starts_at<?)"},
		{"reminders", []any{monday, monday, monday, monday.AddDate(0, 0, 1), monday},
			[]string{"bookings_confirmed_starts_at_idx"},
			"USING INDEX bookings_confirmed_starts_at_idx (starts_at>? AND starts_at<?)"},
		{"emails of a booking", []any{int64(1 << 40)},
			[]string{"emails_booking_id_kind_sequence_key"},
			"USING INDEX sqlite_autoindex_emails_1 (booking_id=?)"},
		{"a day's bookings", []any{"aarhus", monday, monday.AddDate(0, 0, 1)},
			[]string{"bookings_center_id_starts_at_idx"},
			"USING INDEX bookings_center_id_starts_at_idx (center_id=? AND starts_at>? AND starts_at<?)"},
		{"queued emails", []any{0, 100},
			[]string{"emails_queued_idx"},
			"USING INDEX emails_queued_idx (id>?)"},
		{"next ticket", []any{"aarhus", "2027-01-04", monday.Add(12 * time.Hour)},
			[]string{"tickets_waiting_idx"},
			"USING COVERING INDEX tickets_waiting_idx (center_id=? AND day=?)"},
		{"expired bookings", []any{monday.AddDate(-2, 0, 0)},
			[]string{"bookings_unerased_ends_at_idx"},
			"USING INDEX bookings_unerased_ends_at_idx (ends_at<?)"},
		{"tickets of days", []any{"aarhus", "2027-01-04", "2027-01-10"},
			[]string{"tickets_center_id_day_number_key"},
			"USING INDEX sqlite_autoindex_tickets_3 (center_id=? AND day>? AND day<?)"},
	}
}

// TestHotQueriesUseTheirIndexes keeps the cost of the hot queries flat as
// history grows: on PostgreSQL with a year of generated history each must
// use its index and read only a handful of pages for an empty week (a walk
// over the history reads hundreds); on SQLite each must search its index.
func TestHotQueriesUseTheirIndexes(t *testing.T) {
	if len(hotQueries()) != len(store.HotQueries) {
		t.Fatalf("%d hot queries checked, %d in store.HotQueries", len(hotQueries()), len(store.HotQueries))
	}
	t.Run("postgres", func(t *testing.T) {
		s := storetest.Open(t, "postgres")
		db := s.DB().WithContext(t.Context())
		// 2025-12-01 to 2026-11-30 for 11 centers: 130,000 seat counters of
		// two resources every quarter hour of opening time, 110,000
		// bookings and as many emails, 165,000 tickets, and a closure on
		// every day (more than in years of real life, so that its index
		// matters).
		for _, q := range []string{
			`CREATE TEMP TABLE centers AS SELECT 'aarhus' AS c UNION ALL SELECT 'center' || i FROM generate_series(1, 10) i`,
			`CREATE TEMP TABLE days AS SELECT d::date AS d FROM generate_series('2025-12-01'::date, '2026-11-30'::date, '1 day') d WHERE extract(isodow FROM d) < 6`,
			`INSERT INTO slot_counters (center_id, resource, starts_at, booked, capacity)
				SELECT c, r, d + time '08:00' + u * interval '15 minutes', 1, 3
				FROM centers, days, generate_series(0, 23) u, unnest(ARRAY['desk', 'interpreter:ar']) r`,
			`INSERT INTO bookings (reference, token_hash, token_sealed, center_id, service_id, starts_at, ends_at,
				name, email, status, sequence, created_at, updated_at)
				SELECT c || d || '-' || n, '\x00', '\x00', c, 'tax-card', d + time '08:00' + n * interval '15 minutes',
					d + time '08:30' + n * interval '15 minutes', 'Name', 'x@example.com',
					CASE WHEN n % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END, 0, d - 10, d - 10
				FROM centers, days, generate_series(0, 39) n`,
			`INSERT INTO emails (booking_id, kind, sequence, starts_at, ends_at, state, attempts, created_at, updated_at)
				SELECT id, 'confirmation', 0, starts_at, ends_at, 'sent', 1, created_at, created_at FROM bookings`,
			`INSERT INTO tickets (token, center_id, day, number, kind, service_id, lane, priority, state, desk, calls,
					issued_at, called_at, done_at)
				SELECT c || d || '-' || n, c, to_char(d, 'YYYY-MM-DD'), 'W-' || n, 'walk_in', 'general-information', 1,
					d + time '09:00' + n * interval '1 minute', CASE WHEN n % 20 = 0 THEN 'no_show' ELSE 'done' END, '1', 1,
					d + time '09:00' + n * interval '1 minute', d + time '10:00', d + time '10:10'
				FROM centers, days, generate_series(1, 60) n`,
			`INSERT INTO closures (center_id, day, reason, created_at)
				SELECT c, to_char(d, 'YYYY-MM-DD'), 'training', now() FROM centers, days`,
			`ANALYZE`,
		} {
			if err := db.Exec(q).Error; err != nil {
				t.Fatalf("generate history: %v", err)
			}
		}
		for _, q := range hotQueries() {
			t.Run(q.name, func(t *testing.T) {
				// In a transaction rolled back: EXPLAIN ANALYZE runs the
				// statement, and the reminders statement writes.
				tx := db.Begin()
				defer tx.Rollback()
				var out string
				if err := tx.Raw("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+store.HotQueries[q.name], q.args...).Row().Scan(&out); err != nil {
					t.Fatal(err)
				}
				var plans []struct{ Plan planNode }
				if err := json.Unmarshal([]byte(out), &plans); err != nil {
					t.Fatal(err)
				}
				root := plans[0].Plan
				indexes, seqScans := root.scans()
				if seqScans != "" || !slices.ContainsFunc(q.postgres, func(index string) bool { return strings.Contains(indexes, index) }) {
					t.Errorf("plan uses indexes %q and sequential scans on %q, want one of %v:\n%s", indexes, seqScans, q.postgres, out)
				}
				if pages := root.SharedHitBlocks + root.SharedReadBlocks; pages > 10 {
					t.Errorf("read %d pages for an empty week, want at most 10:\n%s", pages, out)
				}
			})
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		s := storetest.Open(t, "sqlite")
		for _, q := range hotQueries() {
			t.Run(q.name, func(t *testing.T) {
				rows, err := s.DB().WithContext(t.Context()).Raw("EXPLAIN QUERY PLAN "+store.HotQueries[q.name], q.args...).Rows()
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var plan []string
				for rows.Next() {
					var id, parent, unused int
					var detail string
					if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, detail)
				}
				if text := strings.Join(plan, "\n"); !strings.Contains(text, q.sqlite) {
					t.Errorf("plan does not say %q:\n%s", q.sqlite, text)
				}
			})
		}
	})
}

// planNode is a node of PostgreSQL's EXPLAIN (FORMAT JSON) with the fields
// the test reads.
type planNode struct {
	NodeType         string     `json:"Node Type"`
	RelationName     string     `json:"Relation Name"`
	IndexName        string     `json:"Index Name"`
	SharedHitBlocks  int        `json:"Shared Hit Blocks"`
	SharedReadBlocks int        `json:"Shared Read Blocks"`
	Plans            []planNode `json:"Plans"`
}

// scans lists the indexes the plan reads and the tables it scans whole.
func (n planNode) scans() (indexes, seqScans string) {
	if n.IndexName != "" {
		indexes += n.IndexName + " "
	}
	if n.NodeType == "Seq Scan" {
		seqScans += n.RelationName + " "
	}
	for _, c := range n.Plans {
		i, s := c.scans()
		indexes, seqScans = indexes+i, seqScans+s
	}
	return indexes, seqScans
}
