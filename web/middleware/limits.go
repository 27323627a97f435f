package middleware

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// RateCounter counts requests per client and minute where every server
// sees the same counts (the database).
type RateCounter interface {
	// CountHit counts one request in the window of bucket starting at
	// window and returns the window's count, this request included.
	CountHit(ctx context.Context, bucket []byte, window time.Time) (int, error)
}

// rateWindow is the span requests are counted in.
const rateWindow = time.Minute

// addressKeySize is the size of the key client addresses are hashed with.
const addressKeySize = 32

// Addresses names clients by a keyed hash of their address, never the
// address, for what is counted per client: requests, walk-in tickets,
// display streams.
type Addresses struct {
	key []byte
}

// NewAddresses returns the hashes under key (a random key if empty:
// hashes then match only within this process; servers that count together
// in a database must share it).
func NewAddresses(key []byte) Addresses {
	if len(key) == 0 {
		key = make([]byte, addressKeySize)
		rand.Read(key)
	}
	return Addresses{key: key}
}

// Client returns the keyed hash of the request's client address,
// c.ClientIP(): the peer of the connection, or what X-Forwarded-For says
// if the peer is a trusted proxy.
func (a Addresses) Client(c *gin.Context) []byte {
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(c.ClientIP()))
	return mac.Sum(nil)[:16]
}

// RateLimit limits the requests one client address may make a minute,
// counted together over every route it guards (booking, managing a
// booking, tickets and check-ins).
type RateLimit struct {
	perMinute int
	counter   RateCounter
	addresses Addresses
	now       func() time.Time
}

// NewRateLimit returns the limit of perMinute requests (none if 0) counted
// in counter under the clients' hashed addresses, by the clock now.
func NewRateLimit(perMinute int, counter RateCounter, addresses Addresses, now func() time.Time) *RateLimit {
	return &RateLimit{perMinute: perMinute, counter: counter, addresses: addresses, now: now}
}

// Limit refuses a client's request with 429 once the client has made
// the limit's number of requests in the current minute. The count is kept
// under the keyed hash of the client's address (Addresses.Client), not the
// address.
func (l *RateLimit) Limit(c *gin.Context) {
	if l.perMinute <= 0 || l.counter == nil {
		c.Next()
		return
	}
	now := l.now()
	window := now.UTC().Truncate(rateWindow)
	n, err := l.counter.CountHit(c.Request.Context(), l.addresses.Client(c), window)
	if err != nil {
		Fail(c, err)
		return
	}
	if n > l.perMinute {
		render.RetryAfter(c, window.Add(rateWindow).Sub(now))
		Fail(c, &render.HTTPError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Detail: "too many requests from your address; please wait a minute and try again"})
		return
	}
	c.Next()
}
