package staff

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Throttle slows down guessing: after Limit failed logins for one email (as
// typed, whether or not it has an account), or AddressLimit from one client
// address, further logins are refused for Lockout, twice as long after each
// further failure, at most MaxLockout. Failures are forgotten after Forget
// without one, and those of an email at its successful login.
type Throttle struct {
	Limit        int
	AddressLimit int
	Lockout      time.Duration
	MaxLockout   time.Duration
	Forget       time.Duration
}

// DefaultThrottle: five tries per email, then a minute's wait doubling up to
// an hour; an address shared by an office gets fifty.
var DefaultThrottle = Throttle{Limit: 5, AddressLimit: 50, Lockout: time.Minute, MaxLockout: time.Hour, Forget: 24 * time.Hour}

// lockedUntil returns until when failures past limit lock a key out; the
// zero time if they do not.
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

// emailKey and addressKey are the keys failures are counted under: hashes,
// so that emails typed by mistake are not kept.
func emailKey(email string) string     { return hashKey("email:" + email) }
func addressKey(address string) string { return hashKey("address:" + address) }

func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
