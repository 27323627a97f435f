package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func TestFeed(t *testing.T) {
	stamp := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	data, err := Feed("Aarhus, appointments", []FeedEvent{
		{UID: "AAR-1@x", Sequence: 2, Start: start, End: start.Add(45 * time.Minute), Name: "Ana; Silva", Service: "Work permit", Reference: "AAR-1"},
		{UID: "AAR-2@x", Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Name: "王芳", Service: "Families", Reference: "AAR-2"},
	}, stamp)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if strings.Contains(string(data), "METHOD") || !strings.Contains(string(data), "X-WR-CALNAME:Aarhus\\, appointments\r\n") {
		t.Errorf("feed:\n%s", data)
	}
	events := cal.Events()
	if len(events) != 2 || events[0].GetProperty(ics.ComponentPropertySummary).Value != "Ana; Silva – Work permit" ||
		events[0].GetProperty(ics.ComponentPropertySequence).Value != "2" || events[1].Id() != "AAR-2@x" {
		t.Errorf("feed:\n%s", data)
	}

	empty, err := Feed("Odense", nil, stamp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ics.ParseCalendar(bytes.NewReader(empty)); err != nil || strings.Contains(string(empty), "X-EMPTY") {
		t.Errorf("empty feed %v:\n%s", err, empty)
	}
}
