package booking

import "testing"

func TestCheckUses(t *testing.T) {
	cat := Catalogue{Centers: []Center{{ID: "aarhus"}}, Services: []Service{{ID: "families"}}}
	if err := cat.CheckUses([]CatalogueUse{{"aarhus", "families", 3}}); err != nil {
		t.Errorf("uses within the catalogue: %v", err)
	}
	err := cat.CheckUses([]CatalogueUse{
		{"aarhus", "families", 3},
		{"aarhus", "tax-card", 1},
		{"odense", "families", 2},
		{"odense", "tax-card", 4},
	})
	want := `no service "tax-card": 1 booking of service "tax-card" at center "aarhus"
no center "odense": 2 bookings of service "families" at center "odense"
no center "odense", no service "tax-card": 4 bookings of service "tax-card" at center "odense"`
	if err == nil || err.Error() != want {
		t.Errorf("CheckUses:\n%v\nwant\n%s", err, want)
	}
}
