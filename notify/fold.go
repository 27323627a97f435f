package notify

import (
	"bytes"
	"unicode/utf8"
)

// maxLineOctets is the longest content line RFC 5545 (section 3.1) allows,
// not counting the CRLF.
const maxLineOctets = 75

// fold folds the CRLF-ended content lines of an iCalendar object so that no
// line is longer than 75 octets. A long line is cut before the character that
// would cross the limit, never inside a UTF-8 sequence, and goes on in a line
// that starts with one space; unfolding (removing each CRLF followed by a
// space) gives back the original line.
func fold(ics []byte) []byte {
	out := make([]byte, 0, len(ics)+len(ics)/maxLineOctets*3)
	for len(ics) > 0 {
		line := ics
		if i := bytes.Index(ics, []byte("\r\n")); i >= 0 {
			line, ics = ics[:i], ics[i+2:]
		} else {
			ics = nil
		}
		limit := maxLineOctets
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			if cut == 0 { // not UTF-8: cut anywhere rather than loop
				cut = limit
			}
			out = append(out, line[:cut]...)
			out = append(out, "\r\n "...)
			line = line[cut:]
			limit = maxLineOctets - 1 // the leading space counts
		}
		out = append(out, line...)
		out = append(out, "\r\n"...)
	}
	return out
}
