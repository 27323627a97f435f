package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

const staffUsage = `usage:
  icsbooking staff add --email E --center C --role staff|admin [--generate]
      adds an account; its password is read from standard input (at least
      12 characters), or with --generate made up and printed once
  icsbooking staff list
  icsbooking staff disable --email E
`

// maxPasswordInput bounds what is read as a password from standard input.
const maxPasswordInput = 4096

// staffCommand runs `icsbooking staff ...`: it adds, lists and disables
// back-office accounts. Centers are checked against the catalogue.
func staffCommand(ctx context.Context, args []string, dir *staff.Directory, cat booking.Catalogue,
	stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, staffUsage)
		return errors.New("staff: expected add, list or disable")
	}
	flags := flag.NewFlagSet("staff "+args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, staffUsage) }
	email := flags.String("email", "", "the account's email")
	center := flags.String("center", "", "the account's center")
	role := flags.String("role", string(staff.RoleStaff), "staff or admin")
	generate := flags.Bool("generate", false, "make up a password and print it")
	if err := flags.Parse(args[1:]); err != nil {
		return fmt.Errorf("staff %s: %w", args[0], err)
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("staff %s: unexpected %q", args[0], flags.Arg(0))
	}
	switch args[0] {
	case "add":
		return addStaff(ctx, dir, cat, staff.NewAccount{Email: *email, Center: *center, Role: staff.Role(*role)}, *generate, stdin, stdout)
	case "list":
		return listStaff(ctx, dir, stdout)
	case "disable":
		if err := dir.Disable(ctx, *email); err != nil {
			return fmt.Errorf("staff disable: %w", err)
		}
		fmt.Fprintf(stdout, "disabled %s\n", strings.ToLower(strings.TrimSpace(*email)))
		return nil
	}
	fmt.Fprint(stderr, staffUsage)
	return fmt.Errorf("staff: unknown command %q: expected add, list or disable", args[0])
}

func addStaff(ctx context.Context, dir *staff.Directory, cat booking.Catalogue, n staff.NewAccount, generate bool,
	stdin io.Reader, stdout io.Writer) error {
	if n.Center != "" {
		if _, err := cat.Center(n.Center); err != nil {
			return fmt.Errorf("staff add: no center %q in the catalogue", n.Center)
		}
	}
	if generate {
		n.Password = staff.GeneratePassword()
	} else {
		input, err := io.ReadAll(io.LimitReader(stdin, maxPasswordInput))
		if err != nil {
			return fmt.Errorf("staff add: read the password from standard input: %w", err)
		}
		n.Password = strings.TrimSuffix(strings.TrimSuffix(string(input), "\n"), "\r")
	}
	a, err := dir.Add(ctx, n)
	if err != nil {
		return fmt.Errorf("staff add: %w", err)
	}
	fmt.Fprintf(stdout, "added %s (%s%s)\n", a.Email, a.Role, prefixed(", ", a.Center))
	if generate {
		fmt.Fprintf(stdout, "password: %s\n(shown this once; pass it on safely)\n", n.Password)
	}
	return nil
}

func listStaff(ctx context.Context, dir *staff.Directory, stdout io.Writer) error {
	accounts, err := dir.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("staff list: %w", err)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tCENTER\tROLE\tSTATUS\tCREATED")
	for _, a := range accounts {
		status := "active"
		if a.Disabled {
			status = "disabled"
		}
		center := a.Center
		if center == "" {
			center = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", a.Email, center, a.Role, status, a.CreatedAt.Format("2006-01-02 15:04Z"))
	}
	return w.Flush()
}

// prefixed returns s after prefix, or "" if s is empty.
func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
