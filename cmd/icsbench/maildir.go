package main

import (
	"os"
	"strings"
	"sync"
	"time"
)

// mailbox is where a stage's server puts its emails: the SMTP sink, or a
// directory of .eml files.
type mailbox interface {
	// received is how many messages arrived in all.
	received() int
	// confirmations returns the arrival times of the confirmations of a
	// booking reference.
	confirmations(ref string) []time.Time
}

// maildir is a directory the server writes .eml files into (notify's
// FileSender), read as a mailbox. It reads the directory at most every
// rescan, so that polling it for every reference costs one read.
type maildir struct {
	dir string

	mu       sync.Mutex
	scanned  time.Time
	total    int
	arrivals map[string][]time.Time
}

// rescan is the least time between two reads of the directory.
const rescan = 200 * time.Millisecond

func newMaildir(dir string) *maildir { return &maildir{dir: dir} }

func (m *maildir) received() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scan()
	return m.total
}

func (m *maildir) confirmations(ref string) []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scan()
	return m.arrivals[ref]
}

// scan reads the file names, <UTC time>-<Message-ID>.eml, such as
// 20261207T191512.797909219Z-AAR-H91Q2Z.0.confirmation@127.0.0.1.eml, if
// the last read is older than rescan. A directory not made yet is empty.
func (m *maildir) scan() {
	if time.Since(m.scanned) < rescan {
		return
	}
	m.scanned = time.Now()
	entries, _ := os.ReadDir(m.dir)
	m.total = 0
	m.arrivals = map[string][]time.Time{}
	for _, e := range entries {
		stamp, id, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".eml"), "-")
		if !ok || !strings.HasSuffix(e.Name(), ".eml") {
			continue // a message being written
		}
		m.total++
		at, err := time.Parse("20060102T150405.000000000Z", stamp)
		ref, rest, ok := strings.Cut(id, ".")
		if err == nil && ok && strings.HasPrefix(rest, "0.confirmation@") {
			m.arrivals[ref] = append(m.arrivals[ref], at)
		}
	}
}
