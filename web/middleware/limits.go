package middleware

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"strconv"
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

// RateLimit limits the requests one client address may make a minute,
// counted together over every route it guards (booking, managing a
// booking, tickets and check-ins).
type RateLimit struct {
	perMinute int
	counter   RateCounter
	key       []byte
	now       func() time.Time
}

// NewRateLimit returns the limit of perMinute requests (none if 0) counted
// in counter under client addresses hashed with key (a random key if
// empty: counts are then shared only by this process), by the clock now.
func NewRateLimit(perMinute int, counter RateCounter, key []byte, now func() time.Time) *RateLimit {
	if len(key) == 0 {
		key = make([]byte, addressKeySize)
		rand.Read(key)
	}
	return &RateLimit{perMinute: perMinute, counter: counter, key: key, now: now}
}

// Limit refuses a client's request with 429 once the client has made
// the limit's number of requests in the current minute. The client is
// c.ClientIP(): the peer of the connection, or what X-Forwarded-For says
// if the peer is a trusted proxy. The count is kept under a keyed hash of
// the address, not the address.
func (l *RateLimit) Limit(c *gin.Context) {
	if l.perMinute <= 0 || l.counter == nil {
		c.Next()
		return
	}
	now := l.now()
	window := now.UTC().Truncate(rateWindow)
	n, err := l.counter.CountHit(c.Request.Context(), l.bucket(c.ClientIP()), window)
	if err != nil {
		Fail(c, err)
		return
	}
	if n > l.perMinute {
		c.Header("Retry-After", strconv.Itoa(retryAfter(window.Add(rateWindow).Sub(now))))
		Fail(c, &render.HTTPError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Detail: "too many requests from your address; please wait a minute and try again"})
		return
	}
	c.Next()
}

// bucket returns the keyed hash a client address is counted under.
func (l *RateLimit) bucket(address string) []byte {
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte(address))
	return mac.Sum(nil)[:16]
}

// retryAfter returns d in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
