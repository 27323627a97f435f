package jobs

import (
	"testing"
	"time"
)

// The backoff grows as base * n^4 up to max, and each wait is spread over
// its top quarter, so that emails failed together retry apart.
func TestBackoff(t *testing.T) {
	b := backoff{base: time.Second, max: time.Hour}
	for _, tt := range []struct {
		attempt int
		full    time.Duration
	}{
		{0, time.Second},
		{1, time.Second},
		{2, 16 * time.Second},
		{5, 625 * time.Second},
		{8, time.Hour}, // 4096 s, capped
		{1000, time.Hour},
	} {
		seen := map[time.Duration]bool{}
		for range 200 {
			w := b.wait(tt.attempt)
			if w > tt.full || w < tt.full*3/4 {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", tt.attempt, w, tt.full*3/4, tt.full)
			}
			seen[w] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d different waits in 200", tt.attempt, len(seen))
		}
	}
}
