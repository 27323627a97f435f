package main

import (
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
)

// loadOrCreateKey reads the key that seals manage tokens (32 random bytes,
// base64). On a first start it creates the file, readable by the owner only;
// servers sharing a database must share the file.
func loadOrCreateKey(path string, logger *slog.Logger) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: cannot create: %w", path, err)
		}
		logger.Info("created the key that seals manage tokens; keep it, and share it between servers", "file", path)
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != booking.TokenKeySize {
		return nil, fmt.Errorf("ICS_SECRET_KEY_FILE=%s: must hold %d random bytes in base64 (e.g. from openssl rand -base64 %d)", path, booking.TokenKeySize, booking.TokenKeySize)
	}
	return key, nil
}

func createKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	key := make([]byte, booking.TokenKeySize)
	rand.Read(key) // never returns an error
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
