package booking

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// referenceAlphabet is Crockford's base32 without the letters that read like
// digits, so a reference can be spelled over the phone.
const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// referencePattern matches a reference; anything else is not looked up.
var referencePattern = regexp.MustCompile(`^[A-Z]{2,5}-[` + referenceAlphabet + `]{6}$`)

// lookalikes maps the letters the reference alphabet leaves out to the
// digits people mean by them, as Crockford's base32 decodes them.
var lookalikes = strings.NewReplacer("O", "0", "I", "1", "L", "1")

// normalizeReference turns a reference as a person types it into the form
// it is stored in: upper case, without surrounding spaces, and with O, I and
// L after the dash read as 0, 1 and 1.
func normalizeReference(reference string) string {
	code, random, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(reference)), "-")
	if !ok {
		return code
	}
	return code + "-" + lookalikes.Replace(random)
}

// newReference returns a random reference such as CPH-7K3M9Q: 30 random
// bits, neither sequential nor guessable in bulk.
func newReference(code string) string { return code + "-" + randomCode(6) }

// newTicketToken returns the name of a ticket's public page: 10 characters
// of the reference alphabet, 50 random bits, short enough to type from the
// kiosk's screen into a phone and too many to find a ticket by guessing.
func newTicketToken() string { return randomCode(10) }

// randomCode returns n random characters of referenceAlphabet.
func randomCode(n int) string {
	b := randomBytes(n)
	for i := range b {
		// 32 divides 256, so the modulo has no bias.
		b[i] = referenceAlphabet[int(b[i])%len(referenceAlphabet)]
	}
	return string(b)
}

// newToken returns a manage token of 256 random bits, base64url encoded.
func newToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never returns an error
	return b
}

// HashToken returns the SHA-256 of a manage token, the only form stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenMatches compares in constant time.
func tokenMatches(token string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashToken(token), hash) == 1
}

// idempotencyKeyHash is how an Idempotency-Key is stored and looked up.
func idempotencyKeyHash(key string) []byte {
	h := sha256.Sum256([]byte("icsbooking idempotency key\x00" + key))
	return h[:]
}

// TokenKeySize is the length of the key that seals manage tokens.
const TokenKeySize = 32

// Sealer encrypts manage tokens with the server's key (AES-256-GCM). The
// hash of a token is what authorizes; the sealed copy lets the server put
// the manage link into emails it sends later (an update, a reminder, a
// retried request) without ever storing the token readable. A database dump
// without the key reveals neither.
type Sealer struct {
	aead  cipher.AEAD
	check []byte
	key   []byte
}

// keyCheckLabel is what KeyCheck is the HMAC of. Changing it would make
// every server refuse the key its database was first served with.
const keyCheckLabel = "icsbooking sealing key check v1"

// NewSealer returns a Sealer for a key of TokenKeySize random bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != TokenKeySize {
		return nil, fmt.Errorf("token key must be %d bytes, not %d", TokenKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(keyCheckLabel))
	return &Sealer{aead: aead, check: mac.Sum(nil), key: bytes.Clone(key)}, nil
}

// DeriveKey returns a key for another purpose, named by label, derived
// from the sealing key: servers sharing the sealing key share it too.
func (s *Sealer) DeriveKey(label string) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(label))
	return mac.Sum(nil)
}

// KeyCheck returns the HMAC-SHA256 of a fixed label under the key. Stored
// beside the tokens the key seals, it tells whether a server has the same
// key as the one that sealed them, without revealing the key.
func (s *Sealer) KeyCheck() []byte { return slices.Clone(s.check) }

// Seal encrypts the token of the booking with the given reference; the
// reference is authenticated too, so a sealed token opens only for its own
// booking.
func (s *Sealer) Seal(reference, token string) []byte {
	nonce := randomBytes(s.aead.NonceSize())
	return s.aead.Seal(nonce, nonce, []byte(token), []byte(reference))
}

// Open decrypts a token sealed for the booking with the given reference.
func (s *Sealer) Open(reference string, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed token too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(reference))
	if err != nil {
		return "", fmt.Errorf("open sealed token: %w", err)
	}
	return string(plain), nil
}

// TicketURL is the public page of a ticket, showing its place in the queue.
func TicketURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/tickets/" + url.PathEscape(token)
}

// ManageURL is the link with which a newcomer shows, moves and cancels a
// booking; it goes into API answers and emails.
func ManageURL(baseURL, reference, token string) string {
	return strings.TrimRight(baseURL, "/") + "/bookings/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token)
}

// WaitlistURL is the page on which a waitlist entry's holder sees their
// place, accepts or declines a time offered, and leaves the line; it goes
// into API answers and emails.
func WaitlistURL(baseURL, reference, token string) string {
	return strings.TrimRight(baseURL, "/") + "/waitlist/" + url.PathEscape(reference) + "?token=" + url.QueryEscape(token)
}
