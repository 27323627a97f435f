package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
)

// Requests counted at once each get their own count, one to n, as servers
// sharing the database do; another bucket or window starts again at one.
func TestCountHit(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		const n = 12
		window := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		bucket := []byte("0123456789abcdef")
		counts := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var err error
				if counts[i], err = s.CountHit(t.Context(), bucket, window); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		slices.Sort(counts)
		for i, c := range counts {
			if c != i+1 {
				t.Fatalf("counts %v, want 1 to %d", counts, n)
			}
		}
		for _, tt := range []struct {
			bucket []byte
			window time.Time
		}{{[]byte("fedcba9876543210"), window}, {bucket, window.Add(time.Minute)}} {
			if c, err := s.CountHit(t.Context(), tt.bucket, tt.window); err != nil || c != 1 {
				t.Errorf("CountHit(%q, %s) = %d, %v; want 1", tt.bucket, tt.window, c, err)
			}
		}
	})
}
