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
	if err := r.normalize(false); err != nil {
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
		{"email", func(r *Request) { r.Email = "ana@[192.0.2.1]" }},
		{"email", func(r *Request) { r.Email = "ana@[IPv6:2001:db8::1]" }},
		{"email", func(r *Request) { r.Email = "ana@" + strings.Repeat("a", 64) + ".example" }},
		{"email", func(r *Request) { r.Email = "ana@-example.com" }},
		{"email", func(r *Request) { r.Email = "ana@example-.com" }},
		{"email", func(r *Request) { r.Email = "ana@mail.-example.com" }},
		{"email", func(r *Request) { r.Email = "ana@exa_mple.com" }},
		{"email", func(r *Request) { r.Email = "ana@example..com" }},
		{"email", func(r *Request) { r.Email = strings.Repeat("a", MaxLocalPart+1) + "@example.com" }},
		{"email", func(r *Request) { r.Email = "ü@example.com" }}, // no SMTPUTF8
		{"email", func(r *Request) { r.Email = "ana\u202e@example.com" }},
		{"name", func(r *Request) { r.Name = "\u200b\u200c\u200d" }},
		{"name", func(r *Request) { r.Name = "\u2060\ufeff" }},
		{"name", func(r *Request) { r.Name = "\u0301\u0308" }},       // marks alone
		{"name", func(r *Request) { r.Name = "\u3164\u115f\uffa0" }}, // Hangul fillers: letters that show nothing
		{"name", func(r *Request) { r.Name = "12345" }},
		{"name", func(r *Request) { r.Name = "Ana \u202eevil\u202c" }},
		{"name", func(r *Request) { r.Name = "\u202bمحمد" }},
		{"name", func(r *Request) { r.Name = "Ana\u2066x\u2069" }},
		{"name", func(r *Request) { r.Name = "Ana\u2068" }},
		{"phone", func(r *Request) { r.Phone = "+45\u202d12345678" }},
		{"phone", func(r *Request) { r.Phone = "call me" }},
		{"notes", func(r *Request) { r.Notes = "bell\a" }},
		{"notes", func(r *Request) { r.Notes = "Pay \u202e0001\u202c kr" }},
		{"notes", func(r *Request) { r.Notes = "line one\n\u2067line two" }},
		{"notes", func(r *Request) { r.Notes = strings.Repeat("n", MaxNotes+1) }},
		{"locale", func(r *Request) { r.Locale = "fr" }},
		{"language", func(r *Request) { r.Language = "arabic" }},
		{"start", func(r *Request) { r.Start = time.Time{} }},
		{"Idempotency-Key", func(r *Request) { r.IdempotencyKey = "short" }},
	}
	for _, tt := range tests {
		r := validRequest()
		tt.change(&r)
		err := r.normalize(false)
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

// A single line refuses every control character, line breaks included; a
// text of several lines allows its line breaks and tabs and refuses the
// other control characters. Each refusal names the first rule the text
// breaks.
func TestFreeTextControl(t *testing.T) {
	const (
		max      = 20
		required = "is required"
		notUTF8  = "is not valid UTF-8"
		tooLong  = "is too long (at most 20 characters)"
		oneLine  = "must be a single line without control characters"
		control  = "must not contain control characters"
		bidi     = "must not contain bidirectional override or isolate characters (U+202A to U+202E, U+2066 to U+2069)"
	)
	for _, tt := range []struct {
		s          string
		line, text string
	}{
		{"", required, ""},
		{"plain", "", ""},
		{"one\ntwo", oneLine, ""},
		{"one\ttwo", oneLine, ""},
		{"one\rtwo", oneLine, control},
		{"bell\a", oneLine, control},
		{"nul\x00", oneLine, control},
		{"del\x7f", oneLine, control},
		{"next\u0085line", oneLine, control},
		{"one\u2028two", oneLine, control},
		{"one\u2029two", oneLine, control},
		{"one \u202etwo", bidi, bidi},
		{"one\n\u202etwo", oneLine, bidi},
		{"bad\xff\n", notUTF8, notUTF8},
		{strings.Repeat("a", max) + "\n", tooLong, tooLong},
	} {
		if got := checkLine(tt.s, max, true); got != tt.line {
			t.Errorf("checkLine(%+q) = %q; want %q", tt.s, got, tt.line)
		}
		if got := checkText(tt.s, max); got != tt.text {
			t.Errorf("checkText(%+q) = %q; want %q", tt.s, got, tt.text)
		}
	}
}

// Every free text, on one line or several, refuses each bidirectional
// embedding, override and isolate, and keeps the marks that only say a
// direction (LRM, RLM, ALM), which right-to-left names need.
func TestFreeTextBidi(t *testing.T) {
	for r := rune(0x2000); r <= 0x206f; r++ {
		s := "a" + string(r) + "b"
		want := r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		line, text := checkLine(s, MaxName, true), checkText(s, MaxNotes)
		if got := strings.Contains(line, "bidirectional"); got != want {
			t.Errorf("checkLine(U+%04X) = %q; refused for bidi %v, want %v", r, line, got, want)
		}
		if got := strings.Contains(text, "bidirectional"); got != want {
			t.Errorf("checkText(U+%04X) = %q; refused for bidi %v, want %v", r, text, got, want)
		}
	}
	for _, s := range []string{"\u200e", "\u200f", "\u061c"} {
		if msg := checkText("a"+s+"b", MaxNotes); msg != "" {
			t.Errorf("a direction mark %+q refused: %s", s, msg)
		}
	}
}

func TestRequestKeepsScripts(t *testing.T) {
	for _, name := range []string{"محمد عبد الله", "王芳", "Ærø Østergård", "Đặng Thị Hương", "Ольга"} {
		r := validRequest()
		r.Name = name
		if err := r.normalize(false); err != nil || r.Name != name {
			t.Errorf("%q: %v, stored %q", name, err, r.Name)
		}
	}
}

func TestRequestNames(t *testing.T) {
	// Joiners inside a name are part of how some scripts are written.
	for _, name := range []string{"مهسا\u200cسادات", "ශ්\u200dරී", "Zoë", "O'Brien-Smith", "李"} {
		r := validRequest()
		r.Name = name
		if err := r.normalize(false); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
}

func TestRequestEmails(t *testing.T) {
	for _, tt := range []struct {
		email     string
		utf8Local bool
		want      string // "" for accepted, else part of the message
	}{
		{"ana@example.com", false, ""},
		{"ana.silva+ics@mail.example.co.uk", false, ""},
		{"ana@bücher.example", false, ""},
		{"ana@xn--bcher-kva.example", false, ""},
		{"ana@" + strings.Repeat("a", 63) + ".example", false, ""},
		{"ü@example.com", true, ""},
		{"ü@example.com", false, "outside A-Z"},
		{"ana@[192.0.2.1]", false, "address literal"},
		{"ana@" + strings.Repeat("a", 64) + ".example", false, "63 characters"},
		{"ana@-bad.example", false, "hyphen"},
		{"ana@bad-.example", false, "hyphen"},
		{"ana@localhost", false, "name@example.com"},
		{"ana@example.com.", false, "name@example.com"},
	} {
		r := validRequest()
		r.Email = tt.email
		err := r.normalize(tt.utf8Local)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q (UTF-8 local parts %v) refused: %v", tt.email, tt.utf8Local, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q (UTF-8 local parts %v): %v, want an error saying %q", tt.email, tt.utf8Local, err, tt.want)
		}
	}
}

func TestASCIIAddress(t *testing.T) {
	for in, want := range map[string]string{
		"ana@example.com":           "ana@example.com",
		"ana@bücher.example":        "ana@xn--bcher-kva.example",
		"ana@BÜCHER.Example":        "ana@xn--bcher-kva.example",
		"ü@bücher.example":          "ü@xn--bcher-kva.example",
		"ana@xn--bcher-kva.example": "ana@xn--bcher-kva.example",
	} {
		if got, err := ASCIIAddress(in); err != nil || got != want {
			t.Errorf("ASCIIAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ASCIIAddress("ana@-bad.example"); err == nil {
		t.Error("ASCIIAddress took a label that starts with a hyphen")
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
