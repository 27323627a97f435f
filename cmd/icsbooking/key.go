package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
)

// openSealer returns the Sealer of the key in ICS_SECRET_KEY_FILE (path),
// checked against the check value the database keeps of the key that sealed
// its manage tokens: with another key every queued email and reminder would
// fail, so the server refuses to start. A missing file is created only for a
// database that has no key yet; the first server to start stores its key's
// check value.
func openSealer(ctx context.Context, st *store.Store, path string, logger *slog.Logger) (*booking.Sealer, error) {
	stored, err := st.KeyCheck(ctx)
	if err != nil && !errors.Is(err, booking.ErrNotFound) {
		return nil, err
	}
	// A database whose bookings predate the check value has none stored,
	// yet its tokens are sealed: the key must be the one that sealed them.
	var sealedRef string
	var sealed []byte
	if stored == nil {
		sealedRef, sealed, err = st.NewestSealedToken(ctx)
		if err != nil && !errors.Is(err, booking.ErrNotFound) {
			return nil, err
		}
	}
	key, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		if stored != nil || sealed != nil {
			return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s does not exist, but the database's manage tokens are sealed with a key: "+
				"restore the file it was first served with (servers sharing a database must share it); "+
				"with a new key every queued email would fail", path)
		}
		key, err = createKey(path, logger)
	}
	if err != nil {
		return nil, err
	}
	sealer, err := booking.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: %w", path, err)
	}
	if stored == nil {
		if _, err := sealer.Open(sealedRef, sealed); sealed != nil && err != nil {
			return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s holds another key than the one that sealed the database's manage tokens: "+
				"use the file the database was first served with", path)
		}
		if stored, err = st.ClaimKeyCheck(ctx, sealer.KeyCheck()); err != nil {
			return nil, err
		}
	}
	if !hmac.Equal(stored, sealer.KeyCheck()) {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s holds another key than the one that sealed the database's manage tokens: "+
			"use the file the database was first served with (servers sharing a database must share it); "+
			"with this key every queued email would fail", path)
	}
	return sealer, nil
}

// readKey reads the key that seals manage tokens: 32 random bytes, base64.
// A missing file is reported as fs.ErrNotExist.
func readKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != booking.TokenKeySize {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: must hold %d random bytes in base64 (e.g. from openssl rand -base64 %d)", path, booking.TokenKeySize, booking.TokenKeySize)
	}
	return key, nil
}

// createKey creates the key file, readable by the owner only, and returns
// the key it then holds: a new one, or the one another server starting at
// the same time wrote first.
func createKey(path string, logger *slog.Logger) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: cannot create its directory: %w", path, err)
	}
	switch err := linkNewKey(path); {
	case err == nil:
		logger.Info("created the key that seals manage tokens; keep it, and share it between servers", "file", path)
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: cannot create: %w", path, err)
	}
	return readKey(path)
}

// linkNewKey writes a new key to a temporary file beside path, syncs it and
// links it to path. The link appears complete or not at all, so no server
// reads half a key, and fails with fs.ErrExist rather than replace a key
// another server made.
func linkNewKey(path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	key := make([]byte, booking.TokenKeySize)
	rand.Read(key) // never returns an error
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if err := errors.Join(err, tmp.Close()); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	// The new name must survive a crash too.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
