package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

func TestKeyCheck(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		if _, err := s.KeyCheck(t.Context()); !errors.Is(err, booking.ErrNotFound) {
			t.Fatalf("KeyCheck of a new database: %v, want ErrNotFound", err)
		}
		first, second := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		for _, claim := range [][]byte{first, second} {
			got, err := s.ClaimKeyCheck(t.Context(), claim)
			if err != nil || !bytes.Equal(got, first) {
				t.Errorf("ClaimKeyCheck(%x) = %x, %v; want the first, %x", claim, got, err, first)
			}
		}
		if got, err := s.KeyCheck(t.Context()); err != nil || !bytes.Equal(got, first) {
			t.Errorf("KeyCheck = %x, %v; want %x", got, err, first)
		}
	})
}

// Servers starting together on an empty database all learn the one check
// value stored, whichever server stored it.
func TestClaimKeyCheckConcurrently(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *store.Store) {
		const n = 8
		got := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				check, err := s.ClaimKeyCheck(t.Context(), []byte(fmt.Sprintf("check of server %d", i)))
				if err != nil {
					t.Errorf("ClaimKeyCheck %d: %v", i, err)
				}
				got[i] = check
			})
		}
		wg.Wait()
		for i := range got {
			if !bytes.Equal(got[i], got[0]) {
				t.Errorf("server %d learned %q, server 0 %q", i, got[i], got[0])
			}
		}
		if n := count(t, s, "sealing_key", ""); n != 1 {
			t.Errorf("%d rows in sealing_key, want 1", n)
		}
	})
}
