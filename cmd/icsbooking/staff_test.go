package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

// staffCLI runs `icsbooking staff args...` with stdin and returns what it
// printed and its error.
func staffCLI(t *testing.T, databaseURL, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"staff"}, args...), env(map[string]string{"ICS_DATABASE_URL": databaseURL}),
		strings.NewReader(stdin), &out, io.Discard, nil)
	return out.String(), err
}

func TestStaffCommands(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := storetest.URL(t, dialect)
			out, err := staffCLI(t, db, "correct horse battery\n", "add", "--email", "Mette@ICS.dk", "--center", "aarhus", "--role", "staff")
			if err != nil || out != "added mette@ics.dk (staff, aarhus)\n" {
				t.Fatalf("add: %q, %v", out, err)
			}
			if _, err := staffCLI(t, db, "another long password", "add", "--email", "mette@ics.dk", "--center", "odense", "--role", "staff"); err == nil ||
				!strings.Contains(err.Error(), "exists") {
				t.Errorf("a second account with the email: %v, want a refusal", err)
			}
			for _, args := range [][]string{
				{"add", "--email", "short@ics.dk", "--center", "aarhus", "--role", "staff"},             // the password is short
				{"add", "--email", "x@ics.dk", "--center", "roskilde", "--role", "staff", "--generate"}, // no such center
				{"add", "--email", "x@ics.dk", "--center", "aarhus", "--role", "boss", "--generate"},    // no such role
				{"add", "--email", "x@ics.dk", "--role", "staff", "--generate"},                         // staff need a center
				{"add", "--email", "not an address", "--center", "aarhus", "--role", "staff", "--generate"},
				{"remove", "--email", "mette@ics.dk"},
				{"disable", "--email", "nobody@ics.dk"},
			} {
				if out, err := staffCLI(t, db, "eleven char", args...); err == nil {
					t.Errorf("staff %v: %q, no error", args, out)
				}
			}

			out, err = staffCLI(t, db, "", "add", "--email", "admin@ics.dk", "--role", "admin", "--generate")
			password := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out)
			if err != nil || password == nil || staff.CheckPolicy(password[1]) != nil {
				t.Fatalf("add --generate: %q, %v", out, err)
			}

			if _, err := staffCLI(t, db, "", "disable", "--email", "METTE@ics.dk"); err != nil {
				t.Fatal(err)
			}
			out, err = staffCLI(t, db, "", "list")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if err != nil || len(lines) != 3 || !regexp.MustCompile(`^admin@ics.dk +- +admin +active `).MatchString(lines[1]) ||
				!regexp.MustCompile(`^mette@ics.dk +aarhus +staff +disabled `).MatchString(lines[2]) {
				t.Errorf("list: %v\n%s", err, out)
			}

			// The passwords work, the disabled account's does not.
			st, err := store.Open(t.Context(), db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			dir := staff.NewDirectory(st, time.Now)
			if _, err := dir.Login(t.Context(), "admin@ics.dk", password[1], "192.0.2.1"); err != nil {
				t.Errorf("the generated password: %v", err)
			}
			if _, err := dir.Login(t.Context(), "mette@ics.dk", "correct horse battery", "192.0.2.1"); err == nil {
				t.Error("a disabled account logged in")
			}
		})
	}
}
