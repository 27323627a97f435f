package booking

import (
	"slices"
	"testing"
)

func TestCheckUses(t *testing.T) {
	cat := Catalogue{Centers: []Center{{ID: "aarhus"}}, Services: []Service{{ID: "families"}}}
	if err := cat.CheckUses([]CatalogueUse{{"aarhus", "families", 3, 1}}); err != nil {
		t.Errorf("uses within the catalogue: %v", err)
	}
	err := cat.CheckUses([]CatalogueUse{
		{"aarhus", "families", 3, 0},
		{"aarhus", "tax-card", 1, 0},
		{"odense", "families", 2, 1},
		{"odense", "tax-card", 4, 2},
		{"odense", "work-permit", 0, 1},
	})
	want := `no service "tax-card": 1 booking of service "tax-card" at center "aarhus"
no center "odense": 2 bookings and 1 waitlist entry of service "families" at center "odense"
no center "odense", no service "tax-card": 4 bookings and 2 waitlist entries of service "tax-card" at center "odense"
no center "odense", no service "work-permit": 1 waitlist entry of service "work-permit" at center "odense"`
	if err == nil || err.Error() != want {
		t.Errorf("CheckUses:\n%v\nwant\n%s", err, want)
	}
}

func TestBring(t *testing.T) {
	cpr := Service{ID: "cpr-number", Bring: []string{"Passport", "Proof of address", "Marriage certificate"},
		Translations: map[string]ServiceText{"da": {Bring: []string{"Pas", "Adressebevis", "Vielsesattest"}}}}
	tax := Service{ID: "tax-card", Bring: []string{"Passport", "Employment contract"},
		Translations: map[string]ServiceText{"da": {Bring: []string{"Pas", "Ansættelseskontrakt"}}}}
	none := Service{ID: "advice"}
	tests := []struct {
		services []Service
		lang     string
		want     []string
	}{
		{[]Service{cpr}, "en", []string{"Passport", "Proof of address", "Marriage certificate"}},
		{[]Service{cpr, tax}, "en", []string{"Passport", "Proof of address", "Marriage certificate", "Employment contract"}},
		{[]Service{tax, cpr}, "en", []string{"Passport", "Employment contract", "Proof of address", "Marriage certificate"}},
		{[]Service{cpr, tax}, "da", []string{"Pas", "Adressebevis", "Vielsesattest", "Ansættelseskontrakt"}},
		{[]Service{none, tax}, "fr", []string{"Passport", "Employment contract"}},
		{[]Service{none}, "en", nil},
	}
	for _, tt := range tests {
		if got := Bring(tt.services, tt.lang); !slices.Equal(got, tt.want) {
			t.Errorf("Bring(%d services, %s) = %q, want %q", len(tt.services), tt.lang, got, tt.want)
		}
	}
}
