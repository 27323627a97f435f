package store

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	gormlogger "gorm.io/gorm/logger"
)

// slowQuery is how long a statement may take before it is logged as a
// warning.
const slowQuery = 500 * time.Millisecond

// gormLogger routes GORM's log to slog: statements at debug level, slow ones
// as warnings. Statements are logged without their parameters, which carry
// names, emails and notes.
type gormLogger struct {
	logger *slog.Logger
}

func newGormLogger(logger *slog.Logger) gormLogger { return gormLogger{logger: logger} }

// LogMode is ignored: the slog handler's level decides.
func (l gormLogger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.logger.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.logger.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.logger.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Trace logs one statement. Errors are logged at debug level too: the store
// returns them, and its caller decides whether they matter (a full slot or a
// duplicate reference is no fault).
func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	level := slog.LevelDebug
	if elapsed >= slowQuery {
		level = slog.LevelWarn
	}
	if !l.logger.Enabled(ctx, level) {
		return
	}
	query, rows := fc()
	attrs := []any{"sql", placeholder.ReplaceAllString(query, "$$$1"), "rows", rows, "duration", elapsed}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	l.logger.Log(ctx, level, "sql", attrs...)
}

// ParamsFilter keeps the parameters out of the statement GORM hands to
// Trace.
func (gormLogger) ParamsFilter(_ context.Context, query string, _ ...any) (string, []any) {
	return query, nil
}

// placeholder matches the $1$ that GORM's PostgreSQL dialect makes of $1 when
// it explains a statement without its parameters.
var placeholder = regexp.MustCompile(`\$(\d+)\$`)
