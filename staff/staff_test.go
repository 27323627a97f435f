package staff_test

import (
	"errors"
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

			// Five failures lock the email out for a minute, then two, ...
			for range 4 {
				if _, err := d.Login(ctx, "mette@ics.dk", "wrong password", "192.0.2.2"); !errors.Is(err, staff.ErrBadCredentials) {
					t.Fatalf("failure: %v", err)
				}
			}
			if _, err := d.Login(ctx, "mette@ics.dk", "twelve chars!", "192.0.2.3"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("the right password after five failures: %v, want ErrThrottled", err)
			}
			now = now.Add(time.Minute)
			if _, err := d.Login(ctx, "mette@ics.dk", "wrong password", "192.0.2.3"); !errors.Is(err, staff.ErrBadCredentials) {
				t.Fatalf("after a minute: %v", err)
			}
			now = now.Add(time.Minute)
			if _, err := d.Login(ctx, "mette@ics.dk", "twelve chars!", "192.0.2.3"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("a minute after the sixth failure: %v, want ErrThrottled", err)
			}
			now = now.Add(time.Minute)
			if _, err := d.Login(ctx, "mette@ics.dk", "twelve chars!", "192.0.2.3"); err != nil {
				t.Fatalf("two minutes after the sixth failure: %v", err)
			}
			// The success forgot the email's failures.
			if _, err := d.Login(ctx, "mette@ics.dk", "wrong password", "192.0.2.3"); !errors.Is(err, staff.ErrBadCredentials) {
				t.Fatalf("after a success: %v", err)
			}
			if _, err := d.Login(ctx, "mette@ics.dk", "twelve chars!", "192.0.2.3"); err != nil {
				t.Fatalf("after one failure: %v", err)
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

// An address that fails too often is refused, whichever emails it tries.
func TestThrottleAddress(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d := staff.NewDirectory(storetest.Open(t, "sqlite"), func() time.Time { return now })
	d.SetThrottle(staff.Throttle{Limit: 5, AddressLimit: 3, Lockout: time.Minute, MaxLockout: time.Hour, Forget: time.Hour})
	for _, email := range []string{"a@ics.dk", "b@ics.dk", "c@ics.dk"} {
		if _, err := d.Login(ctx, email, "wrong password", "192.0.2.9"); !errors.Is(err, staff.ErrBadCredentials) {
			t.Fatal(err)
		}
	}
	if _, err := d.Login(ctx, "d@ics.dk", "wrong password", "192.0.2.9"); !errors.Is(err, staff.ErrThrottled) {
		t.Errorf("fourth email from one address: %v, want ErrThrottled", err)
	}
	if _, err := d.Login(ctx, "d@ics.dk", "wrong password", "192.0.2.10"); !errors.Is(err, staff.ErrBadCredentials) {
		t.Errorf("another address: %v, want ErrBadCredentials", err)
	}
	// An hour and a minute on, the failures are forgotten: one more does
	// not lock the address again.
	now = now.Add(time.Hour + time.Minute)
	for range 2 {
		if _, err := d.Login(ctx, "e@ics.dk", "wrong password", "192.0.2.9"); !errors.Is(err, staff.ErrBadCredentials) {
			t.Errorf("after the failures were forgotten: %v", err)
		}
	}
}
