package booking

import (
	"time"
)

// The wait estimate: the people ahead times the expected service time of
// each, divided by the desks calling.
const (
	// waitStep is what estimates are rounded up to: they are estimates,
	// and minutes would promise more than they know.
	waitStep = 5 * time.Minute
	// serviceSamples is how many of the day's finished services of one
	// service its expected time is the mean of (the latest ones); below
	// minServiceSamples, the catalogue's duration stands instead.
	serviceSamples    = 10
	minServiceSamples = 3
	// deskWindow is how recent a desk's last call must be for it to count
	// as calling.
	deskWindow = time.Hour
)

// serviceTimes returns the expected service time of each service: the mean
// time from call to done of the day's latest finished tickets of the
// service, or the catalogue's duration until there are minServiceSamples
// of them.
func serviceTimes(tickets []Ticket, catalogue interface{ Service(string) (Service, error) }) func(service string) time.Duration {
	samples := map[string][]time.Duration{}
	for _, t := range tickets {
		if t.State == Done && !t.CalledAt.IsZero() && t.DoneAt.After(t.CalledAt) {
			samples[t.Service] = append(samples[t.Service], t.DoneAt.Sub(t.CalledAt))
		}
	}
	// tickets come in ID order; the latest finished count, roughly.
	return func(service string) time.Duration {
		s := samples[service]
		if len(s) < minServiceSamples {
			if sv, err := catalogue.Service(service); err == nil && sv.Duration > 0 {
				return sv.Duration
			}
			return Unit
		}
		s = s[max(0, len(s)-serviceSamples):]
		var sum time.Duration
		for _, d := range s {
			sum += d
		}
		return sum / time.Duration(len(s))
	}
}

// desksCalling counts the desks that called a ticket within deskWindow
// before now; when none has yet, the center's desks are assumed.
func desksCalling(tickets []Ticket, now time.Time, desks int) int {
	seen := map[string]bool{}
	for _, t := range tickets {
		if t.Desk != "" && !t.CalledAt.IsZero() && now.Sub(t.CalledAt) <= deskWindow {
			seen[t.Desk] = true
		}
	}
	if len(seen) == 0 {
		return max(desks, 1)
	}
	return len(seen)
}

// estimateWait is the wait of someone behind ahead: the sum of their
// expected service times over the desks calling, rounded up to waitStep.
// It is 0 only when nobody is ahead.
func estimateWait(ahead []Ticket, expected func(service string) time.Duration, desks int) time.Duration {
	if len(ahead) == 0 {
		return 0
	}
	var total time.Duration
	for _, t := range ahead {
		total += expected(t.Service)
	}
	total /= time.Duration(max(desks, 1))
	steps := (total + waitStep - 1) / waitStep
	return max(steps, 1) * waitStep
}
