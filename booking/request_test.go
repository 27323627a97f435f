package booking

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func validRequest() Request {
	return Request{
		Center: "aarhus", Service: "residence-permit-renewal",
		Start: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC),
		Name:  "  Ana  ", Email: "ana@example.com",
	}
}

func TestRequestNormalize(t *testing.T) {
	r := validRequest()
	r.Notes = "line one\r\nline two"
	if err := r.normalize(); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	if r.Name != "Ana" || r.Locale != "en" || r.Notes != "line one\nline two" {
		t.Errorf("normalized to name %q locale %q notes %q", r.Name, r.Locale, r.Notes)
	}
}

func TestRequestRefused(t *testing.T) {
	tests := []struct {
		field  string
		change func(*Request)
	}{
		{"name", func(r *Request) { r.Name = " " }},
		{"name", func(r *Request) { r.Name = "Ana\nATTENDEE:mailto:x@example.com" }},
		{"name", func(r *Request) { r.Name = "Ana\rBcc: x@example.com" }},
		{"name", func(r *Request) { r.Name = "Ana\x00" }},
		{"name", func(r *Request) { r.Name = strings.Repeat("a", MaxName+1) }},
		{"email", func(r *Request) { r.Email = "ana" }},
		{"email", func(r *Request) { r.Email = "Ana <ana@example.com>" }},
		{"email", func(r *Request) { r.Email = "ana@example" }},
		{"email", func(r *Request) { r.Email = "ana@example.com\nBcc: x@example.com" }},
		{"phone", func(r *Request) { r.Phone = "call me" }},
		{"notes", func(r *Request) { r.Notes = "bell\a" }},
		{"notes", func(r *Request) { r.Notes = strings.Repeat("n", MaxNotes+1) }},
		{"locale", func(r *Request) { r.Locale = "fr" }},
		{"language", func(r *Request) { r.Language = "arabic" }},
		{"start", func(r *Request) { r.Start = time.Time{} }},
		{"Idempotency-Key", func(r *Request) { r.IdempotencyKey = "short" }},
	}
	for _, tt := range tests {
		r := validRequest()
		tt.change(&r)
		err := r.normalize()
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want an ErrInvalid *Error", tt.field, err)
			continue
		}
		if len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: fields %+v", tt.field, e.Fields)
		}
	}
}

func TestRequestKeepsScripts(t *testing.T) {
	for _, name := range []string{"محمد عبد الله", "王芳", "Ærø Østergård", "Đặng Thị Hương", "Ольга"} {
		r := validRequest()
		r.Name = name
		if err := r.normalize(); err != nil || r.Name != name {
			t.Errorf("%q: %v, stored %q", name, err, r.Name)
		}
	}
}

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		ref := newReference("CPH")
		if len(ref) != 10 || !strings.HasPrefix(ref, "CPH-") {
			t.Fatalf("reference %q", ref)
		}
		for _, c := range ref[4:] {
			if !strings.ContainsRune(referenceAlphabet, c) {
				t.Fatalf("reference %q has %q", ref, c)
			}
		}
		seen[ref] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct references of 1000", len(seen))
	}
}

func TestTokenSealing(t *testing.T) {
	token := newToken()
	if len(token) < 43 { // 256 bits in base64url
		t.Fatalf("token %q too short", token)
	}
	if !tokenMatches(token, HashToken(token)) || tokenMatches(token+"x", HashToken(token)) {
		t.Error("tokenMatches")
	}
	sealer, err := NewSealer(randomBytes(TokenKeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed := sealer.Seal("CPH-AAAAAA", token)
	if strings.Contains(string(sealed), token) {
		t.Error("sealed token readable")
	}
	if got, err := sealer.Open("CPH-AAAAAA", sealed); err != nil || got != token {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := sealer.Open("CPH-BBBBBB", sealed); err == nil {
		t.Error("a token sealed for one booking opened for another")
	}
	other, _ := NewSealer(randomBytes(TokenKeySize))
	if _, err := other.Open("CPH-AAAAAA", sealed); err == nil {
		t.Error("another key opened the sealed token")
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Error("NewSealer took a short key")
	}
}

func TestKeyCheck(t *testing.T) {
	key := randomBytes(TokenKeySize)
	a, _ := NewSealer(key)
	b, _ := NewSealer(slices.Clone(key))
	other, _ := NewSealer(randomBytes(TokenKeySize))
	if !bytes.Equal(a.KeyCheck(), b.KeyCheck()) {
		t.Error("one key, two check values")
	}
	if bytes.Equal(a.KeyCheck(), other.KeyCheck()) {
		t.Error("two keys, one check value")
	}
	if bytes.Contains(a.KeyCheck(), key) || len(a.KeyCheck()) != 32 {
		t.Errorf("check value %x of key %x", a.KeyCheck(), key)
	}
}
