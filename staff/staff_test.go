package staff_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

func TestHashPassword(t *testing.T) {
	hash, err := staff.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: not argon2id with OWASP's parameters", hash)
	}
	again, _ := staff.HashPassword("correct horse battery")
	if again == hash {
		t.Error("two hashes of one password are equal: no random salt")
	}
	for password, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := staff.CheckPassword(hash, password); ok != want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", password, ok, err, want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=8,t=1,p=1$!!$AA"} {
		if _, err := staff.CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword(%q): no error", bad)
		}
	}
}

func TestPolicy(t *testing.T) {
	for password, ok := range map[string]bool{"short": false, "elevenchars": false, "twelve chars": true, "æøåæøåæøåæøå": true, strings.Repeat("x", 2000): false} {
		if err := staff.CheckPolicy(password); (err == nil) != ok || (err != nil && !errors.Is(err, staff.ErrInvalid)) {
			t.Errorf("CheckPolicy(%q): %v, want ok %v", password, err, ok)
		}
	}
	if p := staff.GeneratePassword(); staff.CheckPolicy(p) != nil || p == staff.GeneratePassword() {
		t.Errorf("generated password %q", p)
	}
}

func TestCanSee(t *testing.T) {
	aarhus := staff.Account{Center: "aarhus", Role: staff.RoleStaff}
	admin := staff.Account{Center: "aarhus", Role: staff.RoleAdmin}
	if !aarhus.CanSee("aarhus") || aarhus.CanSee("copenhagen") || aarhus.CanSee("") {
		t.Error("staff of Aarhus must see Aarhus alone")
	}
	if !admin.CanSee("aarhus") || !admin.CanSee("copenhagen") {
		t.Error("an admin must see every center")
	}
}

func TestDirectory(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := t.Context()
			now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
			d := staff.NewDirectory(storetest.Open(t, dialect), func() time.Time { return now })
			a, err := d.Add(ctx, staff.NewAccount{Email: " Mette@ICS.dk ", Center: "aarhus", Role: staff.RoleStaff, Password: "twelve chars!"})
			if err != nil || a.ID == 0 || a.Email != "mette@ics.dk" || !a.CreatedAt.Equal(now) {
				t.Fatalf("Add: %+v, %v", a, err)
			}
			if _, err := d.Add(ctx, staff.NewAccount{Email: "METTE@ics.dk", Role: staff.RoleAdmin, Password: "twelve chars!"}); !errors.Is(err, staff.ErrDuplicate) {
				t.Errorf("second account with the email: %v, want ErrDuplicate", err)
			}
			for _, n := range []staff.NewAccount{
				{Email: "x@ics.dk", Center: "aarhus", Role: staff.RoleStaff, Password: "short"},
				{Email: "not an email", Center: "aarhus", Role: staff.RoleStaff, Password: "twelve chars!"},
				{Email: "y@ics.dk", Role: staff.RoleStaff, Password: "twelve chars!"},
				{Email: "z@ics.dk", Center: "aarhus", Role: "boss", Password: "twelve chars!"},
			} {
				if _, err := d.Add(ctx, n); !errors.Is(err, staff.ErrInvalid) {
					t.Errorf("Add(%+v): %v, want ErrInvalid", n, err)
				}
			}

			got, err := d.Login(ctx, "METTE@ics.dk", "twelve chars!", "192.0.2.1")
			if err != nil || got.ID != a.ID {
				t.Fatalf("Login: %+v, %v", got, err)
			}
			if _, err := d.Login(ctx, "mette@ics.dk", "wrong password", "192.0.2.1"); !errors.Is(err, staff.ErrBadCredentials) {
				t.Errorf("wrong password: %v", err)
			}
			if _, err := d.Login(ctx, "nobody@ics.dk", "twelve chars!", "192.0.2.1"); !errors.Is(err, staff.ErrBadCredentials) {
				t.Errorf("unknown email: %v", err)
			}

			if err := d.Disable(ctx, "Mette@ics.dk"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Login(ctx, "mette@ics.dk", "twelve chars!", "192.0.2.4"); !errors.Is(err, staff.ErrBadCredentials) {
				t.Errorf("disabled account: %v, want ErrBadCredentials", err)
			}
			if err := d.Disable(ctx, "nobody@ics.dk"); !errors.Is(err, staff.ErrNotFound) {
				t.Errorf("disable an unknown email: %v", err)
			}
			list, err := d.Accounts(ctx)
			if err != nil || len(list) != 1 || !list[0].Disabled {
				t.Errorf("Accounts: %+v, %v", list, err)
			}

			if err := d.Record(ctx, staff.Entry{AccountID: a.ID, Center: "aarhus", Action: "login"}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Second)
			if err := d.Record(ctx, staff.Entry{AccountID: a.ID, Center: "aarhus", Action: "booking.cancel", Subject: "AAR-7K3M9Q"}); err != nil {
				t.Fatal(err)
			}
			entries, err := d.Entries(ctx, 10)
			if err != nil || len(entries) != 2 || entries[0].Action != "booking.cancel" || entries[0].Email != "mette@ics.dk" ||
				entries[0].Subject != "AAR-7K3M9Q" || !entries[0].At.Equal(now) {
				t.Errorf("Entries: %+v, %v", entries, err)
			}
		})
	}
}

// throttled returns a directory over a fresh database of the dialect with
// the throttle, its clock (set *now to move it) and an account
// mette@ics.dk whose password is "twelve chars!".
func throttled(t *testing.T, dialect string, th staff.Throttle) (*staff.Directory, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d := staff.NewDirectory(storetest.Open(t, dialect), func() time.Time { return now })
	if err := d.SetThrottle(th); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Add(t.Context(), staff.NewAccount{Email: "mette@ics.dk", Center: "aarhus", Role: staff.RoleStaff, Password: "twelve chars!"}); err != nil {
		t.Fatal(err)
	}
	return d, &now
}

// login tries a login and checks its outcome: nil for a success,
// ErrBadCredentials, or a *ThrottledError with the wait given.
func login(t *testing.T, d *staff.Directory, email, password, address string, want error, wait time.Duration) {
	t.Helper()
	_, err := d.Login(t.Context(), email, password, address)
	if !errors.Is(err, want) || (want == nil) != (err == nil) {
		t.Fatalf("login of %s from %s: %v, want %v", email, address, err, want)
	}
	var te *staff.ThrottledError
	if errors.Is(want, staff.ErrThrottled) && (!errors.As(err, &te) || te.RetryAfter != wait) {
		t.Fatalf("login of %s from %s: %v, want a wait of %s", email, address, err, wait)
	}
}

// Failures of one email from one address lock that pair out, for a minute,
// then two, ... with the real time left; its owner elsewhere logs in as
// usual, and a success forgets the pair's failures.
func TestThrottleEmailAndAddress(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			d, now := throttled(t, dialect, staff.DefaultThrottle)
			const attacker, office = "192.0.2.66", "198.51.100.7"
			for range 5 {
				login(t, d, "mette@ics.dk", "wrong password", attacker, staff.ErrBadCredentials, 0)
			}
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, staff.ErrThrottled, time.Minute)
			login(t, d, "mette@ics.dk", "twelve chars!", office, nil, 0)
			login(t, d, "METTE@ics.dk ", "twelve chars!", office, nil, 0)

			*now = now.Add(20 * time.Second)
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, staff.ErrThrottled, 40*time.Second)
			*now = now.Add(40 * time.Second)
			login(t, d, "mette@ics.dk", "wrong password", attacker, staff.ErrBadCredentials, 0)
			*now = now.Add(time.Minute)
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, staff.ErrThrottled, time.Minute)
			*now = now.Add(time.Minute)
			login(t, d, "mette@ics.dk", "wrong password", attacker, staff.ErrBadCredentials, 0)
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, staff.ErrThrottled, 4*time.Minute)
			// Doubling stops at an hour.
			for range 8 {
				*now = now.Add(time.Hour)
				login(t, d, "mette@ics.dk", "wrong password", attacker, staff.ErrBadCredentials, 0)
			}
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, staff.ErrThrottled, time.Hour)

			// A success forgets the pair's failures: one more does not
			// lock it again.
			*now = now.Add(time.Hour)
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, nil, 0)
			login(t, d, "mette@ics.dk", "wrong password", attacker, staff.ErrBadCredentials, 0)
			login(t, d, "mette@ics.dk", "twelve chars!", attacker, nil, 0)
		})
	}
}

// Slow guessing of one email from many addresses meets the per-email
// limit, which locks the email from everywhere; the failures of every
// pair count towards it.
func TestThrottleEmail(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			th := staff.DefaultThrottle
			th.EmailLimit = 8
			d, now := throttled(t, dialect, th)
			for i := range 8 {
				login(t, d, "mette@ics.dk", "wrong password", fmt.Sprintf("192.0.2.%d", i), staff.ErrBadCredentials, 0)
				*now = now.Add(time.Second)
			}
			// Locked a minute from the last failure, a second ago.
			login(t, d, "mette@ics.dk", "twelve chars!", "198.51.100.7", staff.ErrThrottled, time.Minute-time.Second)
			login(t, d, "other@ics.dk", "wrong password", "198.51.100.7", staff.ErrBadCredentials, 0)
			*now = now.Add(time.Minute)
			login(t, d, "mette@ics.dk", "twelve chars!", "198.51.100.7", nil, 0)
		})
	}
}

// An address that fails too often is refused, whichever emails it tries.
func TestThrottleAddress(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			th := staff.DefaultThrottle
			th.AddressLimit, th.Forget = 3, time.Hour
			d, now := throttled(t, dialect, th)
			for _, email := range []string{"a@ics.dk", "b@ics.dk", "c@ics.dk"} {
				login(t, d, email, "wrong password", "192.0.2.9", staff.ErrBadCredentials, 0)
			}
			login(t, d, "d@ics.dk", "wrong password", "192.0.2.9", staff.ErrThrottled, time.Minute)
			login(t, d, "d@ics.dk", "wrong password", "192.0.2.10", staff.ErrBadCredentials, 0)
			// An hour and a minute on, the failures are forgotten: one
			// more does not lock the address again.
			*now = now.Add(time.Hour + time.Minute)
			for range 2 {
				login(t, d, "e@ics.dk", "wrong password", "192.0.2.9", staff.ErrBadCredentials, 0)
			}
		})
	}
}

// A throttle that cannot work is refused; its zero fields are the
// default's.
func TestThrottleCheck(t *testing.T) {
	for _, change := range []func(*staff.Throttle){
		func(th *staff.Throttle) { th.Limit = -1 },
		func(th *staff.Throttle) { th.EmailLimit = -1 },
		func(th *staff.Throttle) { th.AddressLimit = -1 },
		func(th *staff.Throttle) { th.Lockout = time.Millisecond },
		func(th *staff.Throttle) { th.MaxLockout = th.Lockout / 2 },
		func(th *staff.Throttle) { th.Forget = th.MaxLockout / 2 },
	} {
		th := staff.DefaultThrottle
		change(&th)
		if err := th.Check(); !errors.Is(err, staff.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", th, err)
		}
	}
	for _, th := range []staff.Throttle{staff.DefaultThrottle, {}, {Limit: 3, AddressLimit: 2}} {
		if err := th.Check(); err != nil {
			t.Errorf("%+v: %v", th, err)
		}
	}
}
