// Package store is the database of ICS Booking, PostgreSQL or SQLite
// through GORM, with the migrations of the migrations package. It keeps:
//
//   - bookings, their seat counters, closures and idempotency records, and
//     the emails bookings get: it implements booking.Store. Seats are taken
//     with a conditional UPDATE the database enforces; new bookings are
//     written in shared transactions (batch.go); emails are recorded and
//     queued in the transaction of the change they tell of (emails.go);
//     personal data past its retention is erased (retention.go);
//   - the walk-in queue's tickets, with their numbers drawn per center and
//     day and the tickets of each client counted per center and day: it
//     implements booking.TicketStore (tickets.go);
//   - staff accounts, the audit trail and failed logins, for staff.Store,
//     and the back office's sessions, for scs (staff.go);
//   - the counts behind rate limits and the cap on a newcomer's bookings
//     (limits.go), the check value of the key that seals manage tokens
//     (keys.go), and what bookings still need of the catalogue
//     (catalogue.go);
//   - on PostgreSQL, the announcements (NOTIFY) of seat and queue changes,
//     which Listen hears from every server process (listen.go).
//
// Driver errors are translated into booking's and staff's sentinel
// errors; the hot read statements are prepared once (queries.go,
// prepared.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	sqlitedriver "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/migrations"
)

// The dialects a Store can speak, as returned by Dialect.
const (
	dialectPostgres = "postgres"
	dialectSQLite   = "sqlite"
)

// maxPostgresConns bounds the PostgreSQL pool: requests beyond it queue in
// the pool instead of exhausting the server's max_connections (100 by default).
const maxPostgresConns = 20

// sqlitePragmas make SQLite behave under concurrent writers: WAL lets readers
// run beside the writer, busy_timeout waits for a lock instead of failing,
// _txlock=immediate takes the write lock when a transaction begins (so two
// transactions never deadlock upgrading a read lock), and _time_format=sqlite
// writes times in SQLite's own format, which sorts as text when in UTC.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate&_time_format=sqlite"

// txAttempts is how many times a transaction is tried on PostgreSQL when it
// fails with a deadlock or a serialization failure.
const txAttempts = 3

// Store is the database of ICS Booking. It implements booking.Store and is
// safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	logger  *slog.Logger
	// statementLog logs every statement, without its parameters.
	statementLog *gormLogger
	enqueuer     Enqueuer // nil: emails are recorded, not queued
	stmts        statements
	sessions     sessionStore
	// instance tells this process's announcements from others' (Listen).
	instance string
	batcher  *batcher // writes new bookings (batch.go)
	// counterDays are the days whose seat counters exist (seats.go).
	counterDays knownDays
}

var _ booking.Store = (*Store)(nil)

// Open connects to the database named by databaseURL, which is either a
// PostgreSQL URL (postgres://user:password@host:5432/db?sslmode=disable, or
// postgresql://...) or sqlite:PATH (sqlite:data/icsbooking.db; the parent
// directory is created, and sqlite::memory: gives a private in-memory
// database). It does not migrate; call Migrate. SQL statements are logged at
// debug level to logger, without their parameters, which carry personal
// data; a nil logger discards them.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var (
		s         = &Store{logger: logger, instance: strconv.FormatUint(rand.Uint64(), 36)}
		dialector gorm.Dialector
		err       error
	)
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		s.dialect = dialectPostgres
		if s.sqlDB, err = sql.Open("pgx", databaseURL); err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		s.sqlDB.SetMaxOpenConns(maxPostgresConns)
		s.sqlDB.SetMaxIdleConns(maxPostgresConns)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		dialector = postgres.New(postgres.Config{Conn: s.sqlDB})
	case strings.HasPrefix(databaseURL, "sqlite:"):
		s.dialect = dialectSQLite
		dsn, err := sqliteDSN(strings.TrimPrefix(databaseURL, "sqlite:"))
		if err != nil {
			return nil, err
		}
		if s.sqlDB, err = sql.Open("sqlite", dsn); err != nil {
			return nil, fmt.Errorf("open SQLite: %w", err)
		}
		// One connection: SQLite has a single writer anyway, River's SQLite
		// driver asks for it, and it keeps an in-memory database alive.
		// The price is that nothing may use the pool while a transaction
		// holds the connection: pass the transaction down instead.
		s.sqlDB.SetMaxOpenConns(1)
		s.sqlDB.SetConnMaxIdleTime(0)
		s.sqlDB.SetConnMaxLifetime(0)
		dialector = sqlite.New(sqlite.Config{DriverName: "sqlite", Conn: s.sqlDB})
	default:
		return nil, errors.New("ICS_DATABASE_URL must be postgres://USER:PASSWORD@HOST:PORT/DATABASE " +
			"(or postgresql://...) or sqlite:PATH, such as sqlite:data/icsbooking.db")
	}

	if err := s.sqlDB.PingContext(ctx); err != nil {
		s.sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.dialect, err)
	}
	s.stmts.db = s.sqlDB
	s.statementLog = newGormLogger(logger, slowQuery)
	s.db, err = gorm.Open(dialector, &gorm.Config{
		PrepareStmt:            false, // River needs the *sql.Tx behind a transaction
		SkipDefaultTransaction: true,
		Logger:                 s.statementLog,
		NowFunc:                func() time.Time { return dbTime(time.Now()) },
	})
	if err == nil {
		err = s.statementLog.register(s.db)
	}
	if err != nil {
		s.sqlDB.Close()
		return nil, fmt.Errorf("open %s with GORM: %w", s.dialect, err)
	}
	// Writers of batches of new bookings: on PostgreSQL a few, so that one
	// batch's statements overlap another's commit; SQLite has one writer.
	writers := 4
	if s.dialect == dialectSQLite {
		writers = 1
	}
	s.startBatcher(writers)
	return s, nil
}

// sqliteDSN turns the PATH of sqlite:PATH into a modernc.org/sqlite DSN and
// creates the directory the database file goes in.
func sqliteDSN(path string) (string, error) {
	switch {
	case path == "":
		return "", errors.New("ICS_DATABASE_URL sqlite:PATH needs a path, such as sqlite:data/icsbooking.db")
	case strings.HasPrefix(path, "//"):
		return "", errors.New("ICS_DATABASE_URL takes sqlite:PATH, not sqlite://PATH: " +
			"write sqlite:data/icsbooking.db or sqlite:/var/lib/icsbooking/icsbooking.db")
	case strings.ContainsAny(path, "?#"):
		return "", errors.New("ICS_DATABASE_URL sqlite:PATH takes a plain file path, without query parameters")
	case path == ":memory:":
		return ":memory:?" + sqlitePragmas, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("create the directory of the SQLite database: %w", err)
	}
	return "file:" + path + "?" + sqlitePragmas, nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	s.stopBatcher()
	s.sessions.close()
	s.stmts.close()
	if err := s.sqlDB.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.dialect, err)
	}
	return nil
}

// SetMaxConns bounds the PostgreSQL pool (ICS_DB_MAX_CONNS); SQLite keeps
// its single connection.
func (s *Store) SetMaxConns(n int) {
	if s.dialect == dialectPostgres {
		s.sqlDB.SetMaxOpenConns(n)
		s.sqlDB.SetMaxIdleConns(n)
	}
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// DB returns the GORM handle, for wiring that must share the store's
// connections or transactions (River inserts jobs in the same transaction).
func (s *Store) DB() *gorm.DB { return s.db }

// Migrate applies the embedded migrations that the database lacks. On
// PostgreSQL it holds an advisory lock meanwhile, so that several servers
// starting together migrate one at a time.
func (s *Store) Migrate(ctx context.Context) error {
	provider, err := s.migrations(true)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	for _, r := range results {
		s.logger.InfoContext(ctx, "applied migration", "dialect", s.dialect,
			"version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// migrations returns the goose provider of the embedded migrations; locked
// makes it hold an advisory lock while it migrates (PostgreSQL).
func (s *Store) migrations(locked bool) (*goose.Provider, error) {
	gooseDialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.dialect == dialectPostgres {
		gooseDialect = goose.DialectPostgres
		if locked {
			locker, err := lock.NewPostgresSessionLocker()
			if err != nil {
				return nil, err
			}
			opts = append(opts, goose.WithSessionLocker(locker))
		}
	}
	dir, err := fs.Sub(migrations.FS, s.dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, s.sqlDB, dir, opts...)
}

// Ready reports why the database cannot serve, or nil if it can: it
// answers, and every migration of this build is applied (a server of an
// older build may share it; one of a newer build must migrate first).
func (s *Store) Ready(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("the database does not answer: %w", err)
	}
	provider, err := s.migrations(false)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if pending {
		return errors.New("the database lacks migrations of this build: run icsbooking migrate")
	}
	return nil
}

// transaction runs fn in a transaction, committed if fn returns nil. On
// PostgreSQL a deadlock or serialization failure rolls it back and runs it
// again, so fn must start from scratch each time (build rows inside it).
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	for attempt := 1; ; attempt++ {
		err := s.db.WithContext(ctx).Transaction(fn)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		s.logger.DebugContext(ctx, "retrying transaction", "attempt", attempt, "error", err)
		// A short random pause lets the transaction that won go first.
		t := time.NewTimer(time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryable reports whether err is a PostgreSQL deadlock or serialization
// failure, after which the whole transaction may simply be tried again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// uniqueViolation reports whether err is a unique or primary key violation.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlitedriver.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// notFound returns a booking.ErrNotFound error whose detail a user may read.
func notFound(format string, args ...any) error {
	return &booking.Error{Kind: booking.ErrNotFound, Detail: fmt.Sprintf(format, args...)}
}
