package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// statements holds the statements of the hot read paths (slot listing),
// prepared once: building them through GORM and having the database parse
// them on every request cost more than running them. Writes stay in GORM
// transactions.
type statements struct {
	mu    sync.Mutex
	db    *sql.DB
	byKey map[string]*sql.Stmt
}

// query runs a prepared read, logged as GORM's statements are (until its
// rows are ready, uncounted). The query uses ? placeholders, rewritten to
// $n for PostgreSQL.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	stmt, err := s.stmts.prepare(ctx, s.dialect, query)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rows, err := stmt.QueryContext(ctx, args...)
	s.statementLog.statement(ctx, query, -1, time.Since(start), err)
	return rows, err
}

func (st *statements) prepare(ctx context.Context, dialect, query string) (*sql.Stmt, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if stmt, ok := st.byKey[query]; ok {
		return stmt, nil
	}
	text := query
	if dialect == dialectPostgres {
		text = dollarPlaceholders(query)
	}
	stmt, err := st.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if st.byKey == nil {
		st.byKey = map[string]*sql.Stmt{}
	}
	st.byKey[query] = stmt
	return stmt, nil
}

func (st *statements) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, stmt := range st.byKey {
		stmt.Close()
	}
	st.byKey = nil
}

// dollarPlaceholders turns the n-th ? into $n. The queries it is used on
// have no ? inside string literals.
func dollarPlaceholders(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
