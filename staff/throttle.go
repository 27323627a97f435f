package staff

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Throttle slows down guessing, and makes locking staff out take many
// addresses, or a long time from one. Failed logins are counted three ways:
// per email (trimmed and lower-cased, whether or not it has an account) and
// client address together, per email, and per client address. Once one
// count reaches its limit, the logins it covers are refused, unchecked, for
// Lockout from the last failure; each failure after that doubles the wait,
// up to MaxLockout.
//
// The count that locks first is the pair's: someone guessing one account's
// password from one address is stopped after a few tries, while the
// account's owner, at another address, logs in as usual. Counting only
// per email would let anyone who knows a staff email keep its owner out.
// The per-email count is a brake on slow guessing from many addresses, so
// its limit is much higher; the per-address count stops one address trying
// many emails, and is high enough for an office behind one address.
//
// Failures are forgotten after Forget without one, and those of the pair
// at its successful login.
//
// A field left zero takes DefaultThrottle's value.
type Throttle struct {
	// Limit is the failures of one email from one address.
	Limit int
	// EmailLimit is the failures of one email from anywhere.
	EmailLimit int
	// AddressLimit is the failures from one address, whatever the emails.
	AddressLimit int
	Lockout      time.Duration
	MaxLockout   time.Duration
	Forget       time.Duration
}

// DefaultThrottle: five tries per email and address, then a minute's wait
// doubling up to an hour; fifty per email from anywhere and fifty per
// address, shared by an office.
var DefaultThrottle = Throttle{Limit: 5, EmailLimit: 50, AddressLimit: 50,
	Lockout: time.Minute, MaxLockout: time.Hour, Forget: 24 * time.Hour}

// withDefaults returns t with its zero fields set to DefaultThrottle's.
func (t Throttle) withDefaults() Throttle {
	d := DefaultThrottle
	t.Limit = cmp.Or(t.Limit, d.Limit)
	t.EmailLimit = cmp.Or(t.EmailLimit, d.EmailLimit)
	t.AddressLimit = cmp.Or(t.AddressLimit, d.AddressLimit)
	t.Lockout = cmp.Or(t.Lockout, d.Lockout)
	t.MaxLockout = cmp.Or(t.MaxLockout, d.MaxLockout)
	t.Forget = cmp.Or(t.Forget, d.Forget)
	return t
}

// Check returns an ErrInvalid error saying what cannot work: a limit below
// one, a lockout below a second or above MaxLockout, failures forgotten
// before MaxLockout. Zero fields count as DefaultThrottle's.
func (t Throttle) Check() error {
	t = t.withDefaults()
	switch {
	case t.Limit < 1 || t.EmailLimit < 1 || t.AddressLimit < 1:
		return fmt.Errorf("%w: every limit on failed logins must be at least 1", ErrInvalid)
	case t.Lockout < time.Second:
		return fmt.Errorf("%w: the lockout must be at least a second", ErrInvalid)
	case t.MaxLockout < t.Lockout:
		return fmt.Errorf("%w: the longest lockout (%s) must not be shorter than the first (%s)", ErrInvalid, t.MaxLockout, t.Lockout)
	case t.Forget < t.MaxLockout:
		return fmt.Errorf("%w: failures must be kept (%s) at least as long as the longest lockout (%s)", ErrInvalid, t.Forget, t.MaxLockout)
	}
	return nil
}

// ThrottledError is the error of a login refused because of earlier
// failures: it wraps ErrThrottled and says how long until a login may be
// tried again, for a Retry-After.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s; try again in %s", ErrThrottled, e.RetryAfter.Round(time.Second))
}

// Unwrap lets errors.Is see ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// throttleKey is one of the counts of a login, with its limit.
type throttleKey struct {
	key   string
	limit int
}

// keys returns the counts a login of email from address falls under: the
// pair's first, which a successful login clears.
func (t Throttle) keys(email, address string) []throttleKey {
	return []throttleKey{
		{hashKey("email+address:" + email + "\x00" + address), t.Limit},
		{hashKey("email:" + email), t.EmailLimit},
		{hashKey("address:" + address), t.AddressLimit},
	}
}

// lockedUntil returns until when a key's failures lock it out, once they
// have reached limit; the zero time before.
func (t Throttle) lockedUntil(f Failures, limit int) time.Time {
	if f.Count < limit {
		return time.Time{}
	}
	wait := t.Lockout
	for range f.Count - limit {
		if wait >= t.MaxLockout {
			break
		}
		wait *= 2
	}
	return f.Last.Add(min(wait, t.MaxLockout))
}

// hashKey is the key failures are counted under: a hash, so that emails
// typed by mistake and client addresses are not kept.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
