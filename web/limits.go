package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
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

// limitRate refuses a client's request with 429 once the client has made
// RateLimitPerMinute limited requests in the current minute, counted in
// the shared RateCounter. The client is c.ClientIP(): the peer of the
// connection, or what X-Forwarded-For says if the peer is a trusted proxy.
// The count is kept under a keyed hash of the address, not the address.
func (s *Server) limitRate(c *gin.Context) {
	if s.cfg.RateLimitPerMinute <= 0 || s.cfg.RateCounter == nil {
		c.Next()
		return
	}
	now := s.cfg.Now()
	window := now.UTC().Truncate(rateWindow)
	n, err := s.cfg.RateCounter.CountHit(c.Request.Context(), s.bucket(c.ClientIP()), window)
	if err != nil {
		s.refuse(c, err)
		return
	}
	if n > s.cfg.RateLimitPerMinute {
		c.Header("Retry-After", strconv.Itoa(retryAfter(window.Add(rateWindow).Sub(now))))
		s.refuse(c, &httpError{status: http.StatusTooManyRequests, code: "rate_limited",
			detail: "too many requests from your address; please wait a minute and try again"})
		return
	}
	c.Next()
}

// bucket returns the keyed hash a client address is counted under.
func (s *Server) bucket(address string) []byte {
	mac := hmac.New(sha256.New, s.addressKey)
	mac.Write([]byte(address))
	return mac.Sum(nil)[:16]
}

// retryAfter returns d in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// addressKey returns key, or a random key if key is empty: counts are then
// shared only by servers of this process.
func addressKey(key []byte) []byte {
	if len(key) > 0 {
		return key
	}
	key = make([]byte, addressKeySize)
	rand.Read(key)
	return key
}
