package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
)

// A server refuses to start with another key than the one that sealed the
// database's tokens, or without its key file once the database has a key,
// rather than fail every queued email.
func TestServeRefusesAnotherKey(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			vars := serverVars(t.TempDir(), storetest.URL(t, dialect))
			keyFile := vars["ICS_SECRET_KEY_FILE"]
			if err := serveOnce(t, vars); err != nil {
				t.Fatalf("first start: %v", err)
			}
			first, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatalf("first start made no key: %v", err)
			}

			// A second server with a key of its own.
			other := serverVars(t.TempDir(), vars["ICS_DATABASE_URL"])
			writeNewKey(t, other["ICS_SECRET_KEY_FILE"])
			if err := serveOnce(t, other); err == nil || !strings.Contains(err.Error(), "ICS_SECRET_KEY_FILE="+other["ICS_SECRET_KEY_FILE"]) {
				t.Errorf("start with another key: %v, want a refusal naming ICS_SECRET_KEY_FILE", err)
			}

			// The key file lost, as with an ephemeral data/ folder.
			if err := os.Remove(keyFile); err != nil {
				t.Fatal(err)
			}
			if err := serveOnce(t, vars); err == nil || !strings.Contains(err.Error(), "ICS_SECRET_KEY_FILE="+keyFile) {
				t.Errorf("start without the key file: %v, want a refusal naming ICS_SECRET_KEY_FILE", err)
			}
			if _, err := os.Stat(keyFile); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a key file was created for a database that has a key: %v", err)
			}

			// The file restored, the server starts.
			if err := os.WriteFile(keyFile, first, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := serveOnce(t, vars); err != nil {
				t.Errorf("start with the key restored: %v", err)
			}
		})
	}
}

// A database that predates the check value adopts the key in the file.
func TestOpenSealerAdoptsExistingFile(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	path := filepath.Join(t.TempDir(), "secret.key")
	key := writeNewKey(t, path)
	sealer, err := openSealer(t.Context(), st, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := booking.NewSealer(key)
	if !bytes.Equal(sealer.KeyCheck(), want.KeyCheck()) {
		t.Error("the sealer does not use the key in the file")
	}
	if stored, err := st.KeyCheck(t.Context()); err != nil || !bytes.Equal(stored, want.KeyCheck()) {
		t.Errorf("stored check value %x, %v; want %x", stored, err, want.KeyCheck())
	}
}

// A database whose bookings predate the check value gets a key only from
// the file that sealed them: a missing file is not created, another key is
// refused, and the right one is adopted.
func TestOpenSealerChecksBookingsOlderThanTheCheck(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	st := storetest.Open(t, "sqlite")
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	key := writeNewKey(t, path)
	sealer, err := booking.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	_, err = st.CreateBooking(t.Context(), booking.Booking{
		Reference: "AAR-OLD001", TokenHash: booking.HashToken("token"), TokenSealed: sealer.Seal("AAR-OLD001", "token"),
		Center: "aarhus", Service: "tax-card", Start: start, End: start.Add(30 * time.Minute),
		Name: "Ana", Email: "ana@example.com", Locale: "en", Status: booking.Confirmed,
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}

	missing := filepath.Join(dir, "missing.key")
	if _, err := openSealer(t.Context(), st, missing, logger); err == nil || !strings.Contains(err.Error(), "ICS_SECRET_KEY_FILE="+missing) {
		t.Errorf("no key file: %v, want a refusal naming ICS_SECRET_KEY_FILE", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a key file was created for a database with sealed tokens: %v", err)
	}
	other := filepath.Join(dir, "other.key")
	writeNewKey(t, other)
	if _, err := openSealer(t.Context(), st, other, logger); err == nil || !strings.Contains(err.Error(), "ICS_SECRET_KEY_FILE="+other) {
		t.Errorf("another key: %v, want a refusal naming ICS_SECRET_KEY_FILE", err)
	}
	if _, err := st.KeyCheck(t.Context()); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("a refused key left a check value: %v", err)
	}
	if _, err := openSealer(t.Context(), st, path, logger); err != nil {
		t.Errorf("the key that sealed the bookings: %v", err)
	}
}

// Servers starting together with one key file path, none there yet, and one
// empty database all end up with the same key, which the file holds whole.
func TestOpenSealerConcurrentFirstStarts(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, dialect)
			dir := filepath.Join(t.TempDir(), "data")
			path := filepath.Join(dir, "secret.key")
			const servers = 8
			stores := make([]*store.Store, servers)
			for i := range stores {
				stores[i] = storetest.OpenURL(t, url)
			}
			checks := make([][]byte, servers)
			var wg sync.WaitGroup
			for i, st := range stores {
				wg.Go(func() {
					sealer, err := openSealer(t.Context(), st, path, slog.New(slog.DiscardHandler))
					if err != nil {
						t.Errorf("server %d: %v", i, err)
						return
					}
					checks[i] = sealer.KeyCheck()
				})
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			key, err := readKey(path)
			if err != nil {
				t.Fatal(err)
			}
			inFile, _ := booking.NewSealer(key)
			for i, check := range checks {
				if !bytes.Equal(check, inFile.KeyCheck()) {
					t.Errorf("server %d has another key than the file's", i)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 1 {
				t.Errorf("files left in %s: %v %v, want only the key", dir, entries, err)
			}
			if info, err := os.Stat(path); err != nil {
				t.Error(err)
			} else if info.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %v, want 0600", info.Mode())
			}
		})
	}
}

// Servers creating the key file at the same moment never read half a key,
// and all read the same one.
func TestCreateKeyConcurrently(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	for round := range 50 {
		path := filepath.Join(t.TempDir(), "data", "secret.key")
		const servers = 8
		keys := make([][]byte, servers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range servers {
			wg.Go(func() {
				<-start
				key, err := createKey(path, logger)
				if err != nil {
					t.Errorf("round %d, server %d: %v", round, i, err)
				}
				keys[i] = key
			})
		}
		close(start)
		wg.Wait()
		for i, key := range keys {
			if !bytes.Equal(key, keys[0]) {
				t.Fatalf("round %d: server %d read another key than server 0", round, i)
			}
		}
	}
}

// writeNewKey writes a new random key to path and returns it.
func writeNewKey(t *testing.T, path string) []byte {
	t.Helper()
	key := make([]byte, booking.TokenKeySize)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return key
}
