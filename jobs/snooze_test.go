package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// A later email waits until the earlier one's next attempt, not a poll
// interval at a time: an earlier email retried in 40 minutes would
// otherwise wake it thousands of times.
func TestSnooze(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const poll = time.Second
	for _, tt := range []struct {
		name    string
		state   rivertype.JobState
		next    time.Duration // scheduled_at - now
		longest time.Duration
		want    time.Duration
	}{
		{"being tried", rivertype.JobStateRunning, -time.Minute, time.Hour, poll},
		{"due", rivertype.JobStateAvailable, -time.Minute, time.Hour, poll},
		{"due now", rivertype.JobStateAvailable, 0, time.Hour, poll},
		{"retried later", rivertype.JobStateRetryable, 40 * time.Minute, time.Hour, 40*time.Minute + poll},
		{"itself waiting", rivertype.JobStateScheduled, 3 * time.Second, time.Hour, 4 * time.Second},
		{"beyond the longest retry", rivertype.JobStateRetryable, 3 * time.Hour, time.Hour, time.Hour},
		{"longest below poll", rivertype.JobStateRetryable, time.Hour, time.Millisecond, poll},
	} {
		job := &rivertype.JobRow{State: tt.state, ScheduledAt: now.Add(tt.next)}
		if got := snooze(job, now, poll, tt.longest); got != tt.want {
			t.Errorf("%s: snooze %s, want %s", tt.name, got, tt.want)
		}
	}
}
