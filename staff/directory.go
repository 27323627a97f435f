package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Directory manages accounts, logins and the audit trail over a Store.
type Directory struct {
	store    Store
	now      func() time.Time
	throttle Throttle
}

// NewDirectory returns a Directory over the store with the clock now and the
// default throttle.
func NewDirectory(store Store, now func() time.Time) *Directory {
	return &Directory{store: store, now: now, throttle: DefaultThrottle}
}

// SetThrottle replaces the default throttle, whose values its zero fields
// keep; an ErrInvalid error if it cannot work (see Throttle.Check), and the
// throttle stays as it was.
func (d *Directory) SetThrottle(t Throttle) error {
	if err := t.Check(); err != nil {
		return err
	}
	d.throttle = t.withDefaults()
	return nil
}

// NewAccount is what it takes to add an account.
type NewAccount struct {
	Email    string
	Center   string
	Role     Role
	Password string
}

// Add checks and stores a new account. Staff need a center; checking that
// it exists is the caller's, who knows the catalogue.
func (d *Directory) Add(ctx context.Context, n NewAccount) (Account, error) {
	email, err := NormalizeEmail(n.Email)
	if err != nil {
		return Account{}, err
	}
	role, err := ParseRole(string(n.Role))
	if err != nil {
		return Account{}, err
	}
	center := strings.TrimSpace(n.Center)
	if role == RoleStaff && center == "" {
		return Account{}, fmt.Errorf("%w: a staff account needs a center", ErrInvalid)
	}
	if err := CheckPolicy(n.Password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return Account{}, err
	}
	a := Account{Email: email, Center: center, Role: role, CreatedAt: d.now()}
	a, err = d.store.CreateAccount(ctx, a, hash)
	if err != nil {
		return Account{}, fmt.Errorf("add account: %w", err)
	}
	return a, nil
}

// Accounts lists every account by email.
func (d *Directory) Accounts(ctx context.Context) ([]Account, error) {
	return d.store.Accounts(ctx)
}

// Account returns the account with the ID.
func (d *Directory) Account(ctx context.Context, id int64) (Account, error) {
	return d.store.Account(ctx, id)
}

// Disable disables the account with the email: it can no longer log in, and
// its sessions stop working at their next request.
func (d *Directory) Disable(ctx context.Context, email string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := d.store.DisableAccount(ctx, email); err != nil {
		return fmt.Errorf("disable account: %w", err)
	}
	return nil
}

// Login returns the account whose email and password these are, from a
// client at address. A wrong password, an email without an account and a
// disabled account all give ErrBadCredentials after the same work. While
// the email from this address, the email from anywhere or the address has
// failed too often lately (see Throttle), the error is a *ThrottledError,
// which is an ErrThrottled.
func (d *Directory) Login(ctx context.Context, email, password, address string) (Account, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := d.throttle.keys(email, address)
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	failures, err := d.store.LoginFailures(ctx, names)
	if err != nil {
		return Account{}, fmt.Errorf("login: %w", err)
	}
	now := d.now()
	var until time.Time
	for _, k := range keys {
		if u := d.throttle.lockedUntil(failures[k.key], k.limit); u.After(until) {
			until = u
		}
	}
	if now.Before(until) {
		return Account{}, &ThrottledError{RetryAfter: until.Sub(now)}
	}

	a, hash, err := d.store.AccountByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		hash = dummyHash()
	case err != nil:
		return Account{}, fmt.Errorf("login: %w", err)
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return Account{}, fmt.Errorf("login: %w", err)
	}
	if !ok || a.ID == 0 || a.Disabled {
		for _, name := range names {
			if err := d.store.RecordLoginFailure(ctx, name, now, now.Add(-d.throttle.Forget)); err != nil {
				return Account{}, fmt.Errorf("login: %w", err)
			}
		}
		return Account{}, ErrBadCredentials
	}
	// The pair's failures only: forgetting the email's would let whoever
	// guesses slowly from many addresses start again at every login of
	// its owner.
	if err := d.store.ClearLoginFailures(ctx, names[0]); err != nil {
		return Account{}, fmt.Errorf("login: %w", err)
	}
	return a, nil
}

// Record adds an entry to the audit trail, at the directory's time.
func (d *Directory) Record(ctx context.Context, e Entry) error {
	e.At = d.now()
	if err := d.store.RecordEntry(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Entries returns the newest entries of the audit trail, newest first.
func (d *Directory) Entries(ctx context.Context, limit int) ([]Entry, error) {
	return d.store.Entries(ctx, limit)
}
