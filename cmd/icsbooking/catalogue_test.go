package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/store"
	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/configs"
)

// catalogueCLI runs `icsbooking catalogue args...` with the settings vars
// and returns what it printed and its error.
func catalogueCLI(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"catalogue"}, args...), env(vars), nil, &out, io.Discard, nil)
	return out.String(), err
}

// writeCatalogue writes the built-in catalogue with each of the pairs of
// replace (old, new) replaced once, and returns the file's path.
func writeCatalogue(t *testing.T, replace ...string) string {
	t.Helper()
	data := string(configs.Catalogue)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(data, replace[i]) {
			t.Fatalf("the built-in catalogue has no %q", replace[i])
		}
		data = strings.Replace(data, replace[i], replace[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// aarhusSaturdays opens Aarhus on Saturdays in the built-in catalogue.
var aarhusSaturdays = []string{"    email: aarhus@ics.dk\n    hours:\n      mon: \"09:00-15:00\"\n      tue: \"09:00-15:00\"\n      wed: \"09:00-15:00\"\n      thu: \"09:00-15:00\"\n      fri: \"09:00-15:00\"\n      sat: closed\n",
	"    email: aarhus@ics.dk\n    hours:\n      mon: \"09:00-15:00\"\n      tue: \"09:00-15:00\"\n      wed: \"09:00-15:00\"\n      thu: \"09:00-15:00\"\n      fri: \"09:00-15:00\"\n      sat: \"10:00-14:00\"\n"}

// The import command checks a file as the loader does, stores it as the
// next version and prints its number; the export writes a version back in
// the same format, which imports as no change.
func TestCatalogueImportExport(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"ICS_DATABASE_URL": storetest.URL(t, dialect)}
			if _, err := catalogueCLI(t, vars, "export"); err == nil || !strings.Contains(err.Error(), "no catalogue") {
				t.Errorf("export of a new database: %v, want no catalogue", err)
			}
			// On a new database the file is the first version.
			path := writeCatalogue(t, aarhusSaturdays...)
			out, err := catalogueCLI(t, vars, "import", path)
			if err != nil || out != "imported "+path+" as catalogue version 1\n" {
				t.Fatalf("import: %q, %v", out, err)
			}
			out, err = catalogueCLI(t, vars, "export")
			if err != nil || !strings.HasPrefix(out, "# The catalogue of ICS centers and services, version 1 of ") ||
				!strings.Contains(out, "      sat: \"10:00-14:00\"\n") {
				t.Fatalf("export: %v\n%s", err, out)
			}
			exported := filepath.Join(t.TempDir(), "exported.yaml")
			if err := os.WriteFile(exported, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := catalogueCLI(t, vars, "import", exported); err != nil || !strings.Contains(out, "is catalogue version 1 already") {
				t.Errorf("import of the export: %q, %v", out, err)
			}

			// The loader's messages, naming the file, the entry and the field.
			bad := writeCatalogue(t, "code: AAR", "code: aar")
			_, err = catalogueCLI(t, vars, "import", bad)
			if err == nil || !strings.Contains(err.Error(), bad+`: center "aarhus": code: "aar" is not 2 to 5 capital letters`) {
				t.Errorf("import of a bad file: %v", err)
			}

			// The built-in catalogue, whose Saturdays are closed, is the
			// next version; then version 1 once more as the third.
			if out, err := catalogueCLI(t, vars, "import", writeCatalogue(t)); err != nil || !strings.Contains(out, "as catalogue version 2") {
				t.Errorf("import: %q, %v", out, err)
			}
			if out, err := catalogueCLI(t, vars, "import", exported); err != nil || !strings.Contains(out, "as catalogue version 3") {
				t.Errorf("import: %q, %v", out, err)
			}
			if out, err := catalogueCLI(t, vars, "export", "2"); err != nil || !strings.Contains(out, "version 2 of") || !strings.Contains(out, "      sat: closed\n") {
				t.Errorf("export 2: %v\n%s", err, out)
			}

			// A file that would strand a future booking is refused, listing it.
			st, err := store.Open(t.Context(), vars["ICS_DATABASE_URL"], nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			saturday := nextWeekday(time.Saturday).Add(11 * time.Hour)
			b := booking.Booking{Reference: "AAR-SAT001", TokenHash: booking.HashToken("t"), TokenSealed: []byte("t"), Center: "aarhus", Service: "cpr-number",
				Services: []string{"cpr-number"}, People: 1, Start: saturday, End: saturday.Add(30 * time.Minute), Name: "Ana Silva",
				Email: "ana@example.com", Locale: "en", Status: booking.Confirmed, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if _, err := st.CreateBooking(t.Context(), b, nil, nil, ""); err != nil {
				t.Fatal(err)
			}
			_, err = catalogueCLI(t, vars, "import", writeCatalogue(t))
			if err == nil || !strings.Contains(err.Error(), "would strand 1 future bookings") ||
				!strings.Contains(err.Error(), "AAR-SAT001 at aarhus on ") || !strings.Contains(err.Error(), "outside the new opening hours") {
				t.Errorf("import stranding a booking: %v", err)
			}
			if v, err := st.CatalogueVersion(t.Context(), 0); err != nil || v.Number != 3 {
				t.Errorf("latest version %d (%v), want 3", v.Number, err)
			}
		})
	}
}

// nextWeekday is midnight in Copenhagen of the next such weekday at least
// two days ahead.
func nextWeekday(wd time.Weekday) time.Time {
	loc, _ := time.LoadLocation("Europe/Copenhagen")
	d := time.Now().In(loc).AddDate(0, 0, 2)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, 1)
	}
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// A running server uses an imported version without a restart: on
// PostgreSQL within a second of the import, as it is announced; on SQLite
// at its next look.
func TestServerUsesImportedCatalogue(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vars := serverVars(dir, storetest.URL(t, dialect))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			addr, done, err := startRun(t, ctx, vars)
			if err != nil {
				t.Fatal(err)
			}
			day := nextWeekday(time.Saturday).Format("2006-01-02")
			slots := func() int {
				res, err := http.Get("http://" + addr + "/api/v1/centers/aarhus/slots?service=cpr-number&from=" + day + "&to=" + day)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var body struct{ Slots []json.RawMessage }
				if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
					t.Fatal(err)
				}
				return len(body.Slots)
			}
			if n := slots(); n != 0 {
				t.Fatalf("%d slots on a Saturday, want none", n)
			}
			if _, err := catalogueCLI(t, vars, "import", writeCatalogue(t, aarhusSaturdays...)); err != nil {
				t.Fatal(err)
			}
			imported := time.Now()
			limit := time.Second
			if dialect == "sqlite" {
				limit = 10 * time.Second // the server looks every second
			}
			for slots() == 0 {
				if time.Since(imported) > limit {
					t.Fatalf("no Saturday slots %s after the import", limit)
				}
				time.Sleep(20 * time.Millisecond) // polling the condition, with a deadline
			}
			cancel()
			if err := within(t, done, "shut down"); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
	}
}
