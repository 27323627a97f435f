package catalogue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// The catalogue kept in the database as numbered versions: a file seeds a
// new database as version 1, and every later version is the whole
// catalogue in canonical YAML (Marshal), read back here with the checks of
// the file.

// Store is what the catalogue's versions need of the database.
type Store interface {
	CatalogueVersion(ctx context.Context, n int) (booking.CatalogueVersion, error)
	AddCatalogueVersion(ctx context.Context, v booking.CatalogueVersion, cancel []booking.Update) error
}

// VersionName names version n in messages, as a file's path names a file.
func VersionName(n int) string { return fmt.Sprintf("catalogue version %d", n) }

// Stored reads version n of the catalogue, the latest if n is 0, and
// checks it as Parse checks a file. ErrNotFound if there is none.
func Stored(ctx context.Context, st Store, n int) (booking.CatalogueVersion, booking.Catalogue, *time.Location, error) {
	v, err := st.CatalogueVersion(ctx, n)
	if err != nil {
		return booking.CatalogueVersion{}, booking.Catalogue{}, nil, err
	}
	cat, loc, err := Parse(VersionName(v.Number), v.Document)
	if err != nil {
		return booking.CatalogueVersion{}, booking.Catalogue{}, nil, err
	}
	return v, cat, loc, nil
}

// Seed stores the catalogue file data (read from name, a path or
// configs.CatalogueName) as version 1 if the database holds no version
// yet, after checking it as Parse does, and reports whether it did. Of
// server processes starting together on a new database, one seeds.
func Seed(ctx context.Context, st Store, name string, data []byte, at time.Time) (bool, error) {
	if _, err := st.CatalogueVersion(ctx, 0); !errors.Is(err, booking.ErrNotFound) {
		return false, err
	}
	f, err := Decode(name, data)
	if err != nil {
		return false, err
	}
	if _, _, err := Check(name, f); err != nil {
		return false, err
	}
	doc, err := Marshal(f)
	if err != nil {
		return false, err
	}
	v := booking.CatalogueVersion{Number: 1, Document: doc, Author: "seed", Note: "from " + name, At: at}
	switch err := st.AddCatalogueVersion(ctx, v, nil); {
	case errors.Is(err, booking.ErrVersionMoved):
		return false, nil // another process seeded it first
	case err != nil:
		return false, err
	}
	return true, nil
}

// Same reports whether the catalogue file data means the same catalogue
// as version v: whether loading it would change nothing.
func Same(v booking.CatalogueVersion, name string, data []byte) (bool, error) {
	f, err := Decode(name, data)
	if err != nil {
		return false, err
	}
	doc, err := Marshal(f)
	if err != nil {
		return false, err
	}
	return string(doc) == string(v.Document), nil
}

// ErrOtherTimeZone: a version of the catalogue keeps hours in another time
// zone than the scheduler, which takes a new one only at a restart.
var ErrOtherTimeZone = errors.New("the catalogue keeps hours in another time zone: restart the server to use it")

// Reload makes the scheduler use the latest version of the catalogue if it
// is later than the one in use, and returns its number, or 0 if it kept
// its own. Heard is the number of a version announced (0: one may have
// been missed), which saves reading the database for a version the
// scheduler has already.
func Reload(ctx context.Context, st Store, s *booking.Scheduler, heard int) (int, error) {
	if heard != 0 && heard <= s.CatalogueVersion() {
		return 0, nil // this process stored it, or heard of it already
	}
	latest, err := st.CatalogueVersion(ctx, 0)
	if err != nil {
		return 0, err
	}
	if latest.Number <= s.CatalogueVersion() {
		return 0, nil
	}
	cat, loc, err := Parse(VersionName(latest.Number), latest.Document)
	if err != nil {
		return 0, err
	}
	if loc.String() != s.Location().String() {
		return 0, fmt.Errorf("%s: %w", VersionName(latest.Number), ErrOtherTimeZone)
	}
	if !s.UseCatalogue(latest.Number, cat) {
		return 0, nil
	}
	return latest.Number, nil
}
