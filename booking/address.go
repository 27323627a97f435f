package booking

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
)

// MaxLocalPart is the longest part before the @ that RFC 5321 lets a mail
// server accept.
const MaxLocalPart = 64

// domains checks and converts the domain of an email address as mail servers
// look it up (RFC 5891 section 5): case and width folded, labels valid and
// at most 63 octets long in their ASCII form, no hyphen at either end of a
// label, letters, digits and hyphens only.
var domains = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true))

// checkEmail returns what is wrong with an address a newcomer typed, or "".
// The address must be a bare addr-spec with a dotted host name (no address
// literal such as [192.0.2.1]); the host may be an internationalized domain
// name, which is sent in its ASCII form. A local part outside ASCII is
// accepted only if utf8Local is set: only a mail server that offers SMTPUTF8
// can deliver to it.
func checkEmail(s string, utf8Local bool) string {
	const example = "is not an email address such as name@example.com"
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return example
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	switch {
	case strings.HasPrefix(domain, "["):
		return "must name a host such as example.com, not an address literal such as [192.0.2.1]"
	case len(local) > MaxLocalPart:
		return fmt.Sprintf("has more than %d characters before the @", MaxLocalPart)
	case !utf8Local && !isASCII(local):
		return "cannot receive our emails: our mail server cannot send to an address with letters outside A-Z before the @; please give another address"
	}
	if _, err := domains.ToASCII(domain); err != nil {
		return "has a host name that is not valid: each part between dots has at most 63 characters and does not start or end with a hyphen"
	}
	if !strings.Contains(strings.Trim(domain, "."), ".") || strings.HasSuffix(domain, ".") {
		return example
	}
	return ""
}

// ASCIIAddress returns addr with its domain in ASCII (punycode), as a mail
// server without SMTPUTF8 needs it: ana@bücher.example becomes
// ana@xn--bcher-kva.example. The local part is kept as it is.
func ASCIIAddress(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", errors.New("the address has no @")
	}
	domain, err := domains.ToASCII(addr[at+1:])
	if err != nil {
		return "", fmt.Errorf("domain of the address: %w", err)
	}
	return addr[:at+1] + domain, nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
