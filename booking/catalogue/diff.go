package catalogue

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is one difference between two versions of a catalogue, named as
// the loader names problems: a field of an entry (a center or service, ""
// for the top level) with its old and new values, "" where it had none; or
// a whole entry added or removed, with Field "" and its name as the value
// it gained or lost.
type Change struct {
	Entry, Field string
	Old, New     string
	// Title is the entry's name, from new if it has the entry.
	Title string
}

// Diff lists what changed from old to new, entry by entry in the order of
// new, then the entries new removed; fields in the order of the file. Both
// are compared in their canonical form, so a default written out is no
// change.
func Diff(old, new File) []Change {
	a, b := flatten(Canonical(old)), flatten(Canonical(new))
	var changes []Change
	for _, e := range b {
		i := slices.IndexFunc(a, func(o flatEntry) bool { return o.name == e.name })
		if i < 0 {
			changes = append(changes, Change{Entry: e.name, New: e.title, Title: e.title})
			continue
		}
		for _, ch := range diffFields(e.name, a[i].fields, e.fields) {
			ch.Title = e.title
			changes = append(changes, ch)
		}
	}
	for _, e := range a {
		if !slices.ContainsFunc(b, func(n flatEntry) bool { return n.name == e.name }) {
			changes = append(changes, Change{Entry: e.name, Old: e.title, Title: e.title})
		}
	}
	return changes
}

// flatEntry is an entry's fields as pairs of a name and its value written
// out, in the order of the file.
type flatEntry struct {
	name, title string
	fields      [][2]string
}

// add adds a field with its value written out, unless it has none.
func (e *flatEntry) add(name, v string) {
	if v != "" {
		e.fields = append(e.fields, [2]string{name, v})
	}
}

func diffFields(entry string, old, new [][2]string) []Change {
	value := func(fields [][2]string, name string) (string, bool) {
		for _, f := range fields {
			if f[0] == name {
				return f[1], true
			}
		}
		return "", false
	}
	var changes []Change
	for _, f := range new {
		if was, _ := value(old, f[0]); was != f[1] {
			changes = append(changes, Change{Entry: entry, Field: f[0], Old: was, New: f[1]})
		}
	}
	for _, f := range old {
		if _, ok := value(new, f[0]); !ok {
			changes = append(changes, Change{Entry: entry, Field: f[0], Old: f[1]})
		}
	}
	return changes
}

// flatten writes out every field of every entry. Entries are named by id,
// as the loader names them, so that an entry that moved in its list is the
// same entry.
func flatten(f File) []flatEntry {
	top := flatEntry{fields: [][2]string{{"time_zone", f.TimeZone}}}
	entries := []flatEntry{top}
	for i, c := range f.Centers {
		e := &flatEntry{name: entry("center", c.ID, i), title: c.Name}
		add := e.add
		add("code", c.Code)
		add("name", c.Name)
		add("address", c.Address)
		add("phone", c.Phone)
		add("email", c.Email)
		for _, wd := range Weekdays {
			v, ok := c.Hours[wd.Key]
			if !ok {
				v = closed
			}
			add("hours."+wd.Key, v)
		}
		for j, sh := range c.SpecialHours {
			add(fmt.Sprintf("special_hours[%d]", j), specialHoursText(sh))
		}
		add("languages", strings.Join(c.Languages, ", "))
		add("desks", strconv.Itoa(c.Desks))
		add("slot_step", c.SlotStep)
		for _, l := range sortedKeys(c.Interpreters) {
			add("interpreters."+l, strconv.Itoa(c.Interpreters[l]))
		}
		add("max_services", count(c.MaxServices))
		entries = append(entries, *e)
	}
	for i, s := range f.Services {
		e := &flatEntry{name: entry("service", s.ID, i), title: s.Name}
		add := e.add
		add("name", s.Name)
		add("category", s.Category)
		add("description", s.Description)
		add("mode", s.Mode)
		add("duration", s.Duration)
		for j, b := range s.Bring {
			add(fmt.Sprintf("bring[%d]", j), b)
		}
		if s.NeedsLanguage {
			add("needs_language", "true")
		}
		add("max_people", count(s.MaxPeople))
		add("per_person", s.PerPerson)
		for _, lang := range sortedKeys(s.Translations) {
			t := s.Translations[lang]
			add("translations."+lang+".name", t.Name)
			add("translations."+lang+".description", t.Description)
			for j, b := range t.Bring {
				add(fmt.Sprintf("translations.%s.bring[%d]", lang, j), b)
			}
		}
		entries = append(entries, *e)
	}
	return entries
}

// specialHoursText writes a period of special hours on one line:
// "2027-08-01 to 2027-08-31: mon 08:00-17:00, sat 10:00-14:00".
func specialHoursText(sh SpecialHours) string {
	days := make([]string, 0, len(sh.Hours))
	for _, k := range sh.Hours.orderedKeys() {
		days = append(days, k+" "+sh.Hours[k])
	}
	return sh.From + " to " + sh.To + ": " + strings.Join(days, ", ")
}

func count(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
