package booking

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field limits. Names and notes are stored as given, in any script.
const (
	MaxName           = 200
	MaxEmail          = 254
	MaxPhone          = 32
	MaxNotes          = 2000
	MaxIdempotencyKey = 255
	MinIdempotencyKey = 16
)

// visit returns the ids of the request's services, and whether they came
// as a list.
func (r Request) visit() ([]string, bool) {
	if r.Services != nil {
		return r.Services, true
	}
	return []string{r.Service}, false
}

// Locales in which emails can be written.
var Locales = []string{"en", "da"}

// Request is what a newcomer asks for when booking: a visit to a center for
// one service (Service) or several in order (Services, not both), for one
// or more people.
type Request struct {
	Center   string
	Service  string
	Services []string
	// People is how many people come; 0 means one.
	People   int
	Start    time.Time
	Name     string
	Email    string
	Phone    string
	Language string // interpreter language (ISO 639 code), optional
	Notes    string
	Locale   string // en (default) or da
	// IdempotencyKey, if set, makes a retried request return the booking
	// the first one made.
	IdempotencyKey string
}

var (
	languageCode = regexp.MustCompile(`^[a-z]{2,3}$`)
	phoneChars   = regexp.MustCompile(`^\+?[0-9 ()\-]{4,}$`)
)

// normalize trims the fields and checks them; it returns every problem at
// once, so a form can show each next to its field. utf8Local allows email
// addresses with a local part outside ASCII (Policy.UTF8LocalParts).
func (r *Request) normalize(utf8Local bool) error {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{field, msg}) }

	r.Center = strings.TrimSpace(r.Center)
	r.Service = strings.TrimSpace(r.Service)
	if r.Center == "" {
		add("center", "is required")
	}
	switch {
	case r.Service != "" && r.Services != nil:
		add("services", "must not come with service: send service or services, not both")
	case r.Services != nil && len(r.Services) == 0:
		add("services", "must list at least one service")
	case r.Services != nil:
		for i, id := range r.Services {
			r.Services[i] = strings.TrimSpace(id)
		}
	case r.Service == "":
		add("service", "is required")
	}
	if r.Start.IsZero() {
		add("start", "is required")
	}

	r.Name = strings.TrimSpace(r.Name)
	if msg := checkLine(r.Name, MaxName, true); msg != "" {
		add("name", msg)
	} else if strings.IndexFunc(r.Name, isVisibleLetter) < 0 {
		add("name", "must contain a letter")
	}

	r.Email = strings.TrimSpace(r.Email)
	if msg := checkLine(r.Email, MaxEmail, true); msg != "" {
		add("email", msg)
	} else if msg := checkEmail(r.Email, utf8Local); msg != "" {
		add("email", msg)
	}

	r.Phone = strings.TrimSpace(r.Phone)
	if msg := checkLine(r.Phone, MaxPhone, false); msg != "" {
		add("phone", msg)
	} else if r.Phone != "" && !phoneChars.MatchString(r.Phone) {
		add("phone", "may hold only digits, spaces, brackets, dashes and a leading +")
	}

	var langErr *FieldError
	if r.Language, langErr = normalizeLanguage(r.Language); langErr != nil {
		errs = append(errs, *langErr)
	}

	r.Notes = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(r.Notes, "\r\n", "\n"), "\r", "\n"))
	if msg := checkText(r.Notes, MaxNotes); msg != "" {
		add("notes", msg)
	}

	r.Locale = strings.ToLower(strings.TrimSpace(r.Locale))
	if r.Locale == "" {
		r.Locale = "en"
	} else if r.Locale != "en" && r.Locale != "da" {
		add("locale", "must be en or da")
	}

	if r.IdempotencyKey != "" {
		if n := len(r.IdempotencyKey); n < MinIdempotencyKey || n > MaxIdempotencyKey {
			add("Idempotency-Key", "must be 16 to 255 characters; a random UUID is a good key")
		} else if msg := checkLine(r.IdempotencyKey, MaxIdempotencyKey, true); msg != "" {
			add("Idempotency-Key", msg)
		}
	}
	return invalid(errs)
}

// normalizeLanguage lower-cases and checks an optional ISO 639 code.
func normalizeLanguage(s string) (string, *FieldError) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !languageCode.MatchString(s) {
		return s, &FieldError{"language", "is not a language code such as ar or uk"}
	}
	return s, nil
}

// checkLine checks a single-line field: no control characters at all (a line
// break in a name could add a header to an email or a property to an
// invitation).
func checkLine(s string, max int, required bool) string {
	return checkFreeText(s, max, required, false)
}

// checkText checks a multi-line field: line breaks and tabs are fine, other
// control characters are not.
func checkText(s string, max int) string {
	return checkFreeText(s, max, false, true)
}

// checkFreeText is the one check of every text a person types (names,
// emails, notes, reasons), on one line or several: valid UTF-8, at most
// max characters, no control characters but the line breaks and tabs of
// multi-line text, and no bidirectional embedding, override or isolate,
// which could make the text of an email, a page or an invitation read
// differently from what it is.
func checkFreeText(s string, max int, required, multiline bool) string {
	switch {
	case required && s == "":
		return "is required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("is too long (at most %d characters)", max)
	case multiline && strings.ContainsFunc(s, isControlInText):
		return "must not contain control characters"
	case !multiline && strings.ContainsFunc(s, isControl):
		return "must be a single line without control characters"
	case strings.ContainsFunc(s, isBidiControl):
		return "must not contain bidirectional override or isolate characters (U+202A to U+202E, U+2066 to U+2069)"
	}
	return ""
}

// isControl reports whether r is a control character or a Unicode line or
// paragraph separator.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// isControlInText is isControl without the line breaks and tabs that a text
// of several lines holds.
func isControlInText(r rune) bool {
	return r != '\n' && r != '\t' && isControl(r)
}

// isBidiControl reports whether r is an explicit bidirectional embedding,
// override or isolate (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// isVisibleLetter reports whether r is a letter that shows: the Hangul
// fillers are letters by category but blank.
func isVisibleLetter(r rune) bool {
	return unicode.IsLetter(r) && !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// fingerprint identifies the request's content, so that an Idempotency-Key
// reused for another request is refused rather than answered with the wrong
// booking.
func (r Request) fingerprint() []byte {
	h := sha256.New()
	fields := []string{r.Center, r.Service, r.Start.UTC().Format(time.RFC3339), r.Name, r.Email, r.Phone, r.Language, r.Notes, r.Locale}
	if r.Services != nil || r.People > 1 {
		// Only then, so that a key sent before visits keeps its print.
		fields = append(fields, strings.Join(r.Services, " "), strconv.Itoa(r.People))
	}
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}
