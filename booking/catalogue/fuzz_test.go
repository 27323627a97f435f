package catalogue_test

import (
	"testing"

	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/configs"
)

// FuzzParse feeds the catalogue loader any bytes: it never panics, and
// what it accepts is a catalogue whose centers and services can be looked
// up by their IDs.
func FuzzParse(f *testing.F) {
	f.Add(configs.Catalogue)
	f.Add([]byte(base))
	f.Add([]byte("time_zone: Europe/Copenhagen\ncenters: []\nservices: []\n"))
	f.Add([]byte("centers:\n  - id: x\n    hours: {mon: \"25:00-26:00\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, loc, err := catalogue.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if loc == nil || len(cat.Centers) == 0 || len(cat.Services) == 0 {
			t.Fatalf("accepted a catalogue without a time zone, centers or services")
		}
		for _, c := range cat.Centers {
			if got, err := cat.Center(c.ID); err != nil || got.ID != c.ID {
				t.Fatalf("center %q cannot be found: %v", c.ID, err)
			}
			for _, span := range c.Hours {
				if span.Close <= span.Open {
					t.Fatalf("center %q has hours %v", c.ID, span)
				}
			}
		}
	})
}
