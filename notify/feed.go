package notify

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// FeedEvent is one appointment in a center's staff calendar feed. It holds
// no more personal data than the name.
type FeedEvent struct {
	UID       string // the same UID as the newcomer's invitation
	Sequence  int
	Start     time.Time
	End       time.Time
	Name      string
	Service   string
	Reference string
}

// Feed returns a subscription calendar (no METHOD: it is published, not an
// invitation) of a center's appointments, for staff calendar apps.
func Feed(name string, events []FeedEvent, stamp time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	calName := ical.NewProp("X-WR-CALNAME")
	calName.Value = textEscaper.Replace(textValue(name))
	cal.Props.Set(calName)
	// Ask subscribers to refresh every 15 minutes (RFC 7986 and the
	// older Microsoft property).
	refresh := ical.NewProp("REFRESH-INTERVAL")
	refresh.Value = "PT15M"
	refresh.Params.Set(ical.ParamValue, "DURATION")
	cal.Props.Set(refresh)
	ttl := ical.NewProp("X-PUBLISHED-TTL")
	ttl.Value = "PT15M"
	cal.Props.Set(ttl)

	for _, e := range events {
		event := ical.NewEvent()
		event.Props.SetText(ical.PropUID, e.UID)
		seq := ical.NewProp(ical.PropSequence)
		seq.Value = strconv.Itoa(e.Sequence)
		event.Props.Set(seq)
		// UTC for the reasons given in Invitation.Encode.
		event.Props.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
		event.Props.SetDateTime(ical.PropDateTimeStart, e.Start.UTC())
		event.Props.SetDateTime(ical.PropDateTimeEnd, e.End.UTC())
		event.Props.SetText(ical.PropSummary, textValue(e.Name+" – "+e.Service))
		event.Props.SetText(ical.PropDescription, textValue("Reference: "+e.Reference))
		event.SetStatus(ical.EventConfirmed)
		cal.Children = append(cal.Children, event.Component)
	}
	var buf bytes.Buffer
	if len(events) == 0 {
		// go-ical refuses a calendar without components (RFC 5545 wants
		// one), but an empty feed must still tell subscribers that nothing
		// is left: write the calendar without its events.
		cal.Children = []*ical.Component{{Name: "X-EMPTY"}}
		if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
			return nil, fmt.Errorf("encode feed %q: %w", name, err)
		}
		return fold(bytes.Replace(buf.Bytes(), []byte("BEGIN:X-EMPTY\r\nEND:X-EMPTY\r\n"), nil, 1)), nil
	}
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode feed %q: %w", name, err)
	}
	return fold(buf.Bytes()), nil
}

// textEscaper escapes a TEXT value (RFC 5545 3.3.11) for the extension
// properties, which go-ical's SetText would mark with VALUE=TEXT.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
