package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Canonical returns f as every stored version of the catalogue keeps it:
// the default hours and slot step written out, descriptions without the
// blank lines YAML's folded style leaves. Two catalogues that mean the same
// then read the same, in the back office's forms and in diffs.
func Canonical(f File) File {
	out := File{TimeZone: f.TimeZone, Centers: slices.Clone(f.Centers), Services: slices.Clone(f.Services)}
	for i := range out.Centers {
		c := &out.Centers[i]
		if c.Hours == nil {
			c.Hours = Hours{}
			for k, v := range defaultHours {
				c.Hours[k] = v
			}
		}
		if c.SlotStep == "" {
			c.SlotStep = Minutes(defaultSlotStep)
		}
	}
	for i := range out.Services {
		s := &out.Services[i]
		s.Description = strings.TrimSpace(s.Description)
		if s.Translations != nil {
			texts := make(map[string]ServiceText, len(s.Translations))
			for lang, t := range s.Translations {
				t.Description = strings.TrimSpace(t.Description)
				texts[lang] = t
			}
			s.Translations = texts
		}
	}
	return out
}

// Minutes writes a duration of whole minutes as the file does: "30m",
// "90m".
func Minutes(d time.Duration) string { return fmt.Sprintf("%dm", d/time.Minute) }

// Marshal writes f, in its canonical form (Canonical), as YAML that Parse
// reads back to the same catalogue.
func Marshal(f File) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(Canonical(f)); err != nil {
		return nil, fmt.Errorf("write catalogue: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write catalogue: %w", err)
	}
	return buf.Bytes(), nil
}

// Export writes version n of the catalogue, kept since at, as a file to
// review or to load with `icsbooking catalogue import`: Marshal's YAML
// under a comment saying where it comes from.
func Export(f File, n int, at time.Time) ([]byte, error) {
	data, err := Marshal(f)
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# The catalogue of ICS centers and services, version %d of %s.\n"+
		"# Exported by ICS Booking; load a changed copy with: icsbooking catalogue import FILE\n"+
		"# The format is described in configs/catalogue.yaml.\n\n", n, at.UTC().Format(time.RFC3339))
	return append([]byte(header), data...), nil
}

// orderedKeys lists the keys of hours in the order of the week, then any
// others, sorted.
func (h Hours) orderedKeys() []string {
	keys := make([]string, 0, len(h))
	for _, wd := range Weekdays {
		if _, ok := h[wd.Key]; ok {
			keys = append(keys, wd.Key)
		}
	}
	for _, k := range sortedKeys(h) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// MarshalYAML writes the hours in the order of the week, each period
// quoted as configs/catalogue.yaml quotes it.
func (h Hours) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range h.orderedKeys() {
		style := yaml.DoubleQuotedStyle
		if h[k] == closed {
			style = 0
		}
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Value: h[k], Style: style})
	}
	return n, nil
}

// MarshalJSON writes the hours in the order of the week.
func (h Hours) MarshalJSON() ([]byte, error) {
	if h == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range h.orderedKeys() {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		value, _ := json.Marshal(h[k])
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
