// Package storetest gives tests a fresh, migrated, empty database of either
// dialect.
//
// PostgreSQL tests connect to ICS_TEST_DATABASE_URL (such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable) with a role that
// may create databases. They are skipped when it is not set, unless
// ICS_TEST_REQUIRE_POSTGRES is set too (as in CI), which makes them fail
// instead. Each test gets its own database, copied from a template that is
// migrated once and named after the migrations' content, so it is reused by
// later runs and replaced when a migration changes.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/jobs"
	"github.com/ics-booking/icsbooking/migrations"
)

// Dialects lists the dialects Open accepts, for tests that run once per
// dialect.
func Dialects() []string { return []string{"sqlite", "postgres"} }

// Open returns a migrated, empty database of the given dialect ("sqlite" or
// "postgres") that is closed and deleted when the test ends.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	return OpenURL(t, URL(t, dialect))
}

// OpenURL opens a store on a database made by URL, closed when the test
// ends: several of them on one PostgreSQL database are several server
// processes.
func OpenURL(t testing.TB, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { s.Close() }) // runs before the database is dropped
	return s
}

// URL creates a migrated, empty database of the given dialect and returns
// its ICS_DATABASE_URL, for tests that open it themselves (a whole server,
// or two of them on one database). It is deleted when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return sqliteURL(t)
	case "postgres":
		return postgresURL(t)
	}
	t.Fatalf("storetest: unknown dialect %q", dialect)
	return ""
}

func sqliteURL(t testing.TB) string {
	t.Helper()
	url := "sqlite:" + filepath.Join(t.TempDir(), "icsbooking.db")
	s, err := store.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer s.Close()
	if err := migrate(t.Context(), s); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return url
}

// migrate applies our migrations and River's, as the server does.
func migrate(ctx context.Context, s *store.Store) error {
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	db, err := s.DB().DB()
	if err != nil {
		return err
	}
	return jobs.Migrate(ctx, db, s.Dialect())
}

// templatePrefix starts the names of template databases; testPrefix those
// of the databases tests use.
const (
	templatePrefix = "icsbooking_template_"
	testPrefix     = "icsbooking_test_"
)

var (
	templateMu   sync.Mutex
	templateName string // "" until ensureTemplate has made or found it
)

// template returns the name of the migrated template, made or found once
// per test binary; again is set when it was found gone (another checkout's
// test run may drop it, see ensureTemplate), and makes it again.
func template(ctx context.Context, adminURL string, again bool) (string, error) {
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateName != "" && !again {
		return templateName, nil
	}
	name, err := ensureTemplate(ctx, adminURL)
	if err != nil {
		return "", err
	}
	templateName = name
	return name, nil
}

func postgresURL(t testing.TB) string {
	t.Helper()
	adminURL := os.Getenv("ICS_TEST_DATABASE_URL")
	if adminURL == "" {
		if os.Getenv("ICS_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatal("ICS_TEST_DATABASE_URL not set, and ICS_TEST_REQUIRE_POSTGRES requires PostgreSQL tests")
		}
		t.Skip("ICS_TEST_DATABASE_URL not set: PostgreSQL tests skipped")
	}
	ctx := context.Background() // t.Context is done before cleanups run
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	name := testPrefix + randomSuffix()
	for again := false; ; again = true {
		tmpl, err := template(ctx, adminURL, again)
		if err != nil {
			t.Fatalf("storetest: %v", err)
		}
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
			" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize())
		var pgErr *pgconn.PgError
		if !again && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
			// The template is gone: a test run of another checkout, with
			// other migrations, dropped it as stale. Make it again.
			continue
		}
		if err != nil {
			t.Fatalf("storetest: create database %s: %v", name, err)
		}
		break
	}
	t.Cleanup(func() {
		if err := dropDatabase(ctx, adminURL, name); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})

	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return dbURL
}

// keepTemplates is how many of the newest templates of other migrations
// ensureTemplate leaves alone.
const keepTemplates = 20

// ensureTemplate returns the name of a migrated template database, creating
// it if no earlier run did. Test binaries of several packages run at once,
// so creation holds an advisory lock, and the template gets its final name
// only once it is complete. Templates of older migrations are dropped.
func ensureTemplate(ctx context.Context, adminURL string) (string, error) {
	sum, err := migrationsSum()
	if err != nil {
		return "", err
	}
	name := templatePrefix + sum

	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to ICS_TEST_DATABASE_URL: %w", err)
	}
	defer conn.Close()
	const lockKey = 0x1c5b00c1 // any constant shared by all test binaries
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("lock template creation: %w", err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lockKey)

	var exists bool
	err = conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return "", fmt.Errorf("look for template %s: %w", name, err)
	}
	if exists {
		return name, nil
	}

	// Best effort: templates of older migrations and half-built ones, but
	// the newest few, which test runs of other checkouts (a branch with
	// another migration) may be using right now.
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY oid DESC OFFSET $2",
		templatePrefix+"%", keepTemplates)
	if err != nil {
		return "", fmt.Errorf("list templates: %w", err)
	}
	var stale []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return "", fmt.Errorf("list templates: %w", err)
		}
		stale = append(stale, n)
	}
	rows.Close()
	for _, n := range stale {
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize())
	}

	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	if err := migrateTemplate(ctx, adminURL, building); err != nil {
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)")
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+
		" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

func migrateTemplate(ctx context.Context, adminURL, name string) error {
	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		return err
	}
	defer s.Close() // a template must have no connections when copied
	return migrate(ctx, s)
}

// migrationsSum hashes the PostgreSQL migrations and River's version,
// naming the template.
func migrationsSum() (string, error) {
	h := sha256.New()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/riverqueue/river" {
				fmt.Fprintf(h, "%s@%s\x00", m.Path, m.Version)
			}
		}
	}
	err := fs.WalkDir(migrations.FS, "postgres", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func dropDatabase(ctx context.Context, adminURL, name string) error {
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// withDatabase returns the URL with its database replaced by name.
func withDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", errors.New("ICS_TEST_DATABASE_URL is not a URL") // url.Parse's error would show the password
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func randomSuffix() string {
	return strings.ToLower(rand.Text())
}
