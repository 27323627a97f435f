package booking

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
)

// referenceAlphabet is Crockford's base32 without the letters that read like
// digits, so a reference can be spelled over the phone.
const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newReference returns a random reference such as CPH-7K3M9Q: 30 random
// bits, neither sequential nor guessable in bulk.
func newReference(code string) string {
	b := randomBytes(6)
	for i := range b {
		// 32 divides 256, so the modulo has no bias.
		b[i] = referenceAlphabet[int(b[i])%len(referenceAlphabet)]
	}
	return code + "-" + string(b)
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

// idempotencyKeyHash is how an Idempotency-Key is looked up; the sealing key
// is derived from the same Idempotency-Key under another label, so the stored
// hash does not open the sealed token.
func idempotencyKeyHash(key string) []byte {
	h := sha256.Sum256([]byte("icsbooking idempotency lookup\x00" + key))
	return h[:]
}

func idempotencyAEAD(key string) cipher.AEAD {
	k := sha256.Sum256([]byte("icsbooking idempotency seal\x00" + key))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealToken encrypts the token under the Idempotency-Key.
func sealToken(key, token string) []byte {
	aead := idempotencyAEAD(key)
	nonce := randomBytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, []byte(token), nil)
}

// openToken decrypts a token sealed by sealToken.
func openToken(key string, sealed []byte) (string, error) {
	aead := idempotencyAEAD(key)
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("sealed token too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
