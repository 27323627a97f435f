package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ics-booking/icsbooking/staff"
)

var _ staff.Store = (*Store)(nil)

// staffAccountRow is a row of staff_accounts.
type staffAccountRow struct {
	ID           int64
	Email        string
	CenterID     string
	Role         string
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
}

func (staffAccountRow) TableName() string { return "staff_accounts" }

func (r staffAccountRow) account() staff.Account {
	return staff.Account{ID: r.ID, Email: r.Email, Center: r.CenterID, Role: staff.Role(r.Role),
		Disabled: r.Disabled, CreatedAt: r.CreatedAt.UTC()}
}

// staffAuditRow is a row of staff_audit.
type staffAuditRow struct {
	ID        int64
	AccountID int64
	CenterID  string
	Action    string
	Subject   string
	Detail    string
	At        time.Time
}

func (staffAuditRow) TableName() string { return "staff_audit" }

// loginFailureRow is a row of staff_login_failures.
type loginFailureRow struct {
	Key          string
	Failures     int
	LastFailedAt time.Time
}

func (loginFailureRow) TableName() string { return "staff_login_failures" }

// CreateAccount stores a new staff account; staff.ErrDuplicate if its email
// is taken.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account, passwordHash string) (staff.Account, error) {
	row := staffAccountRow{Email: a.Email, CenterID: a.Center, Role: string(a.Role), PasswordHash: passwordHash,
		Disabled: a.Disabled, CreatedAt: dbTime(a.CreatedAt)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if uniqueViolation(err) {
			return staff.Account{}, staff.ErrDuplicate
		}
		return staff.Account{}, fmt.Errorf("create staff account: %w", err)
	}
	return row.account(), nil
}

// AccountByEmail returns the staff account with the email and its password
// hash.
func (s *Store) AccountByEmail(ctx context.Context, email string) (staff.Account, string, error) {
	row, err := s.staffAccount(ctx, "lower(email) = lower(?)", email)
	return row.account(), row.PasswordHash, err
}

// Account returns the staff account with the ID.
func (s *Store) Account(ctx context.Context, id int64) (staff.Account, error) {
	row, err := s.staffAccount(ctx, "id = ?", id)
	return row.account(), err
}

func (s *Store) staffAccount(ctx context.Context, where string, arg any) (staffAccountRow, error) {
	var row staffAccountRow
	err := s.db.WithContext(ctx).Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, staff.ErrNotFound
	}
	if err != nil {
		return row, fmt.Errorf("read staff account: %w", err)
	}
	return row, nil
}

// Accounts lists every staff account by email.
func (s *Store) Accounts(ctx context.Context) ([]staff.Account, error) {
	var rows []staffAccountRow
	if err := s.db.WithContext(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list staff accounts: %w", err)
	}
	accounts := make([]staff.Account, len(rows))
	for i, r := range rows {
		accounts[i] = r.account()
	}
	return accounts, nil
}

// DisableAccount disables the staff account with the email.
func (s *Store) DisableAccount(ctx context.Context, email string) error {
	res := s.db.WithContext(ctx).Model(&staffAccountRow{}).Where("lower(email) = lower(?)", email).Update("disabled", true)
	if res.Error != nil {
		return fmt.Errorf("disable staff account: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return staff.ErrNotFound
	}
	return nil
}

// RecordEntry adds an entry to the audit trail.
func (s *Store) RecordEntry(ctx context.Context, e staff.Entry) error {
	row := staffAuditRow{AccountID: e.AccountID, CenterID: e.Center, Action: e.Action, Subject: e.Subject, Detail: e.Detail, At: dbTime(e.At)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// Entries returns the newest limit entries of the audit trail, newest
// first, with the email of each entry's account.
func (s *Store) Entries(ctx context.Context, limit int) ([]staff.Entry, error) {
	var rows []struct {
		ID        int64
		AccountID int64
		Email     string
		CenterID  string
		Action    string
		Subject   string
		Detail    string
		At        time.Time
	}
	err := s.db.WithContext(ctx).Table("staff_audit").
		Select("staff_audit.id, staff_audit.account_id, staff_accounts.email, staff_audit.center_id, staff_audit.action, staff_audit.subject, staff_audit.detail, staff_audit.at").
		Joins("JOIN staff_accounts ON staff_accounts.id = staff_audit.account_id").
		Order("staff_audit.at DESC, staff_audit.id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read audit trail: %w", err)
	}
	entries := make([]staff.Entry, len(rows))
	for i, r := range rows {
		entries[i] = staff.Entry{ID: r.ID, AccountID: r.AccountID, Email: r.Email, Center: r.CenterID,
			Action: r.Action, Subject: r.Subject, Detail: r.Detail, At: r.At.UTC()}
	}
	return entries, nil
}

// LoginFailures returns the failed logins counted under each key that has
// any.
func (s *Store) LoginFailures(ctx context.Context, keys []string) (map[string]staff.Failures, error) {
	var rows []loginFailureRow
	if err := s.db.WithContext(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read login failures: %w", err)
	}
	failures := make(map[string]staff.Failures, len(rows))
	for _, r := range rows {
		failures[r.Key] = staff.Failures{Count: r.Failures, Last: r.LastFailedAt.UTC()}
	}
	return failures, nil
}

// RecordLoginFailure counts a failed login under the key in one statement,
// so that servers failing logins at once all count: from one again if the
// last failure was before forgetBefore.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, at, forgetBefore time.Time) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "key"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "failures"}, Value: gorm.Expr(
				"CASE WHEN staff_login_failures.last_failed_at < ? THEN 1 ELSE staff_login_failures.failures + 1 END", dbTime(forgetBefore))},
			{Column: clause.Column{Name: "last_failed_at"}, Value: dbTime(at)},
		},
	}).Create(&loginFailureRow{Key: key, Failures: 1, LastFailedAt: dbTime(at)}).Error
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets the failed logins counted under the key.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.db.WithContext(ctx).Where("key = ?", key).Delete(&loginFailureRow{}).Error; err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// sessionStore is the scs store of the back office's sessions, made once.
type sessionStore struct {
	once    sync.Once
	store   scs.Store
	stop    func()
	stopped sync.Once
}

// close stops the removal of expired sessions, once: a second stop would
// wait for good.
func (s *sessionStore) close() {
	s.stopped.Do(func() {
		if s.stop != nil {
			s.stop()
		}
	})
}

// Sessions returns the store of the back office's sessions (table
// sessions), for an scs.SessionManager. It removes expired sessions every
// five minutes until Close.
func (s *Store) Sessions() scs.Store {
	s.sessions.once.Do(func() {
		if s.dialect == dialectPostgres {
			st := postgresstore.New(s.sqlDB)
			s.sessions.store, s.sessions.stop = st, st.StopCleanup
			return
		}
		st := sqlite3store.New(s.sqlDB)
		s.sessions.store, s.sessions.stop = st, st.StopCleanup
	})
	return s.sessions.store
}
