package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
)

// slowQuery is how long a statement may take before it is logged as a
// warning.
const slowQuery = 500 * time.Millisecond

// gormLogger routes GORM's log to slog: statements at debug level, slow ones
// as warnings, always as the database got them, with placeholders and
// never with their parameters, which carry names, emails, addresses,
// tokens and references.
//
// GORM's own way of logging a statement, Logger.Trace, cannot promise
// that: Scan (db.Raw(...).Scan) records the statement through a logger of
// its own, which writes the parameters into it, and hands Trace only the
// result. So Trace logs nothing, and the statements are logged by
// callbacks around every statement GORM runs (register), which see the
// statement as it is sent.
type gormLogger struct {
	logger *slog.Logger
	// slow is how long a statement may take before it is a warning.
	slow time.Duration
}

func newGormLogger(logger *slog.Logger, slow time.Duration) *gormLogger {
	return &gormLogger{logger: logger, slow: slow}
}

// LogMode is ignored: the slog handler's level decides.
func (l *gormLogger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

func (l *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.logger.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.logger.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.logger.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Trace logs nothing: the callbacks of register log every statement.
func (l *gormLogger) Trace(context.Context, time.Time, func() (string, int64), error) {}

// The names of the callbacks that log statements, and the key of a
// statement's start among its settings.
const (
	statementStart  = "icsbooking:statement_start"
	statementLogged = "icsbooking:statement_log"
)

// register adds the callbacks that time and log every statement to each of
// GORM's processors (create, query, update, delete, row, raw).
func (l *gormLogger) register(db *gorm.DB) error {
	cb := db.Callback()
	var errs []error
	add := func(before, after registrar) {
		errs = append(errs, before.Register(statementStart, l.start), after.Register(statementLogged, l.log))
	}
	add(cb.Create().Before("*"), cb.Create().After("*"))
	add(cb.Query().Before("*"), cb.Query().After("*"))
	add(cb.Update().Before("*"), cb.Update().After("*"))
	add(cb.Delete().Before("*"), cb.Delete().After("*"))
	add(cb.Row().Before("*"), cb.Row().After("*"))
	add(cb.Raw().Before("*"), cb.Raw().After("*"))
	return errors.Join(errs...)
}

// registrar is what Before and After of a GORM processor return.
type registrar interface {
	Register(name string, fn func(*gorm.DB)) error
}

// start notes when a statement began.
func (l *gormLogger) start(db *gorm.DB) {
	db.InstanceSet(statementStart, time.Now())
}

// log logs a statement that ran: its SQL with placeholders, the rows it
// affected, how long it took and its error. Errors are logged at debug
// level too: the store returns them, and its caller decides whether they
// matter (a full slot or a duplicate reference is no fault).
func (l *gormLogger) log(db *gorm.DB) {
	stmt := db.Statement
	if stmt.SQL.Len() == 0 {
		return
	}
	var elapsed time.Duration
	if begin, ok := db.InstanceGet(statementStart); ok {
		elapsed = time.Since(begin.(time.Time))
	}
	l.statement(stmt.Context, stmt.SQL.String(), db.RowsAffected, elapsed, db.Error)
}

// statement logs a statement that ran, through GORM (log) or prepared
// (Store.query), with the rows it affected (-1: not counted).
func (l *gormLogger) statement(ctx context.Context, sql string, rows int64, elapsed time.Duration, err error) {
	level := slog.LevelDebug
	if elapsed >= l.slow {
		level = slog.LevelWarn
	}
	if !l.logger.Enabled(ctx, level) {
		return
	}
	attrs := []any{"sql", sql, "rows", rows, "duration", elapsed}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	l.logger.Log(ctx, level, "sql", attrs...)
}
