// Package catalogue reads the catalogue of ICS centers and services from YAML
// (see configs/catalogue.yaml) into booking's types.
//
// The file is checked thoroughly when it is read, because a mistake in it
// would otherwise surface much later as wrong slots or an empty page. Every
// problem is reported with the file, the entry and the field, and all of them
// are reported at once.
package catalogue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ics-booking/icsbooking/booking"
)

// File is a catalogue as written: the fields of the YAML file and, under
// the same names, of the staff API's JSON. Check converts it to booking's
// types; Marshal writes it back as YAML.
type File struct {
	TimeZone string    `yaml:"time_zone" json:"time_zone"`
	Centers  []Center  `yaml:"centers" json:"centers"`
	Services []Service `yaml:"services" json:"services"`
}

// Center is a center as written. Durations are Go durations ("30m").
type Center struct {
	ID      string `yaml:"id" json:"id"`
	Code    string `yaml:"code" json:"code"`
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	Email   string `yaml:"email" json:"email"`
	// Hours is nil when the key is absent, which means the default hours.
	Hours Hours `yaml:"hours,omitempty" json:"hours,omitempty"`
	// SpecialHours are periods with other hours than Hours.
	SpecialHours []SpecialHours `yaml:"special_hours,omitempty" json:"special_hours,omitempty"`
	Languages    []string       `yaml:"languages,omitempty" json:"languages,omitempty"`
	Desks        int            `yaml:"desks,omitempty" json:"desks,omitempty"`
	SlotStep     string         `yaml:"slot_step,omitempty" json:"slot_step,omitempty"`
	Interpreters map[string]int `yaml:"interpreters,omitempty" json:"interpreters,omitempty"`
	// MaxServices is nil when the key is absent: the default.
	MaxServices *int `yaml:"max_services,omitempty" json:"max_services,omitempty"`
}

// Hours holds opening hours by weekday key (mon ... sun): "HH:MM-HH:MM" or
// "closed". It is written in the order of the week.
type Hours map[string]string

// SpecialHours are a center's hours from one day to another, both
// included, written YYYY-MM-DD. Hours holds the weekdays that differ from
// the center's usual hours, "closed" for one closed in the period; a
// weekday it leaves out keeps the usual hours.
type SpecialHours struct {
	From  string `yaml:"from" json:"from"`
	To    string `yaml:"to" json:"to"`
	Hours Hours  `yaml:"hours" json:"hours"`
}

// Service is a service as written.
type Service struct {
	ID            string   `yaml:"id" json:"id"`
	Name          string   `yaml:"name" json:"name"`
	Category      string   `yaml:"category,omitempty" json:"category,omitempty"`
	Description   string   `yaml:"description,omitempty" json:"description,omitempty"`
	Mode          string   `yaml:"mode" json:"mode"`
	Duration      string   `yaml:"duration,omitempty" json:"duration,omitempty"`
	Bring         []string `yaml:"bring,omitempty" json:"bring,omitempty"`
	NeedsLanguage bool     `yaml:"needs_language,omitempty" json:"needs_language,omitempty"`
	// MaxPeople is nil when the key is absent: one person.
	MaxPeople *int   `yaml:"max_people,omitempty" json:"max_people,omitempty"`
	PerPerson string `yaml:"per_person,omitempty" json:"per_person,omitempty"`
	// Translations holds the name, description and bring list in other
	// languages than English, by language tag.
	Translations map[string]ServiceText `yaml:"translations,omitempty" json:"translations,omitempty"`
}

// ServiceText is a service's text in one language as written.
type ServiceText struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	Bring       []string `yaml:"bring,omitempty" json:"bring,omitempty"`
}

var (
	idPattern       = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	codePattern     = regexp.MustCompile(`^[A-Z]{2,5}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)
	spanPattern     = regexp.MustCompile(`^(\d{2}):(\d{2})-(\d{2}):(\d{2})$`)
)

// Weekday is a key of hours and the day it stands for.
type Weekday struct {
	Key string
	Day time.Weekday
}

// Weekdays are the keys of hours in the order of the week, the order
// problems are reported and hours written in.
var Weekdays = []Weekday{
	{"mon", time.Monday},
	{"tue", time.Tuesday},
	{"wed", time.Wednesday},
	{"thu", time.Thursday},
	{"fri", time.Friday},
	{"sat", time.Saturday},
	{"sun", time.Sunday},
}

const closed = "closed"

// defaultHours are used for a center without an hours key: the ICS centers'
// Monday-Friday 09:00-15:00.
var defaultHours = map[string]string{
	"mon": "09:00-15:00",
	"tue": "09:00-15:00",
	"wed": "09:00-15:00",
	"thu": "09:00-15:00",
	"fri": "09:00-15:00",
}

const defaultSlotStep = 30 * time.Minute

// unit is booking.Unit as written in the file.
var unit = strings.TrimSuffix(booking.Unit.String(), "0s")

// Load reads the catalogue file at path; see Parse.
func Load(path string) (booking.Catalogue, *time.Location, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return booking.Catalogue{}, nil, fmt.Errorf("load catalogue: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a catalogue from YAML and returns it with the time zone its
// centers keep hours in. Name is used in error messages; it is the path of
// the file or, for the embedded default, configs.CatalogueName.
//
// Unknown fields are errors. A center without hours is open Monday-Friday
// 09:00-15:00; a center without slot_step has 30-minute slots. If the
// catalogue has problems, the error lists every one of them, one a line, each
// naming the file, the entry and the field (Problems).
func Parse(name string, data []byte) (booking.Catalogue, *time.Location, error) {
	f, err := Decode(name, data)
	if err != nil {
		return booking.Catalogue{}, nil, err
	}
	return Check(name, f)
}

// Decode reads a catalogue's YAML as written, without checking it beyond
// its shape: unknown fields, values of the wrong type and a second
// document are errors naming the file and, where they can, the entry.
func Decode(name string, data []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, decodeError(name, data, err)
	}
	// A second document would otherwise be ignored without a word.
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("%s: more than one YAML document", name)
	}
	return f, nil
}

// Check converts a catalogue as written to booking's types, checking every
// rule the loader checks; see Parse. Its error is Problems.
func Check(name string, f File) (booking.Catalogue, *time.Location, error) {
	c := &checker{file: name}
	loc := c.timeZone(f.TimeZone)
	cat := booking.Catalogue{
		Centers:  make([]booking.Center, 0, len(f.Centers)),
		Services: make([]booking.Service, 0, len(f.Services)),
	}
	// Centers need desks only if some service can be booked.
	var bookable string
	if i := slices.IndexFunc(f.Services, func(s Service) bool { return booking.Mode(s.Mode).Bookable() }); i >= 0 {
		bookable = entry("service", f.Services[i].ID, i)
	}
	for i, ce := range f.Centers {
		cat.Centers = append(cat.Centers, c.center(i, ce, bookable))
	}
	for i, s := range f.Services {
		cat.Services = append(cat.Services, c.service(i, s))
	}
	if len(f.Centers) == 0 {
		c.addf("", "centers", "none defined")
	}
	if len(f.Services) == 0 {
		c.addf("", "services", "none defined")
	}
	unique(c, "center", "id", f.Centers, func(ce Center) (string, string) { return ce.ID, ce.ID })
	unique(c, "center", "code", f.Centers, func(ce Center) (string, string) { return ce.ID, ce.Code })
	unique(c, "service", "id", f.Services, func(s Service) (string, string) { return s.ID, s.ID })

	if len(c.problems) > 0 {
		return booking.Catalogue{}, nil, c.problems
	}
	return cat, loc, nil
}

// Problem is one thing wrong in a catalogue: in which file, entry (a
// center or service, named as Entry names it; "" for the top level) and
// field, and what.
type Problem struct {
	File, Entry, Field, Message string
}

func (p Problem) Error() string {
	where := p.File + ": "
	if p.Entry != "" {
		where += p.Entry + ": "
	}
	return where + p.Field + ": " + p.Message
}

// Problems are all that is wrong in a catalogue, in the order found; the
// error of Check, written one a line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Entry names the i-th center or service (kind "center" or "service") in
// messages: by id if it has one, by its place otherwise.
func Entry(kind, id string, i int) string { return entry(kind, id, i) }

// checker collects the problems found in one file.
type checker struct {
	file     string
	problems Problems
}

// addf records a problem with the field of the entry; entry is empty for the
// top level of the file.
func (c *checker) addf(entry, field, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Entry: entry, Field: field, Message: fmt.Sprintf(format, args...)})
}

// entry names the i-th center or service in messages: by id if it has one.
func entry(kind, id string, i int) string {
	if id == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, id)
}

func (c *checker) timeZone(name string) *time.Location {
	// LoadLocation accepts "" (UTC) and "Local", but hours must not depend
	// on the machine the server runs on.
	switch name {
	case "":
		c.addf("", "time_zone", "required, e.g. Europe/Copenhagen")
		return nil
	case "Local":
		c.addf("", "time_zone", "%q depends on the machine; name a zone such as Europe/Copenhagen", name)
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		c.addf("", "time_zone", "%q is not a known time zone", name)
		return nil
	}
	return loc
}

// center converts and checks the i-th center. Bookable names a service that
// can be booked, or is "" if there is none; then the center needs no desks.
func (c *checker) center(i int, in Center, bookable string) booking.Center {
	e := entry("center", in.ID, i)
	c.id(e, in.ID)
	if in.Code == "" {
		c.addf(e, "code", "required")
	} else if !codePattern.MatchString(in.Code) {
		c.addf(e, "code", "%q is not 2 to 5 capital letters", in.Code)
	}
	c.required(e, "name", in.Name)
	c.required(e, "address", in.Address)
	if in.Email == "" {
		c.addf(e, "email", "required")
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		c.addf(e, "email", "%q is not an email address", in.Email)
	}
	if in.Desks < 0 {
		c.addf(e, "desks", "%d is negative", in.Desks)
	} else if in.Desks == 0 && bookable != "" {
		c.addf(e, "desks", "must be at least 1, as %s can be booked", bookable)
	}
	step := defaultSlotStep
	if in.SlotStep != "" {
		step = c.duration(e, "slot_step", in.SlotStep)
	}
	for j, l := range in.Languages {
		c.language(e, fmt.Sprintf("languages[%d]", j), l)
		if slices.Index(in.Languages, l) < j {
			c.addf(e, fmt.Sprintf("languages[%d]", j), "%q is listed twice", l)
		}
	}
	var interpreters map[string]int
	if in.Interpreters != nil {
		interpreters = make(map[string]int, len(in.Interpreters))
	}
	for _, l := range sortedKeys(in.Interpreters) {
		n := in.Interpreters[l]
		c.language(e, "interpreters."+l, l)
		if n < 0 {
			c.addf(e, "interpreters."+l, "%d is negative", n)
		}
		interpreters[l] = n
	}
	return booking.Center{
		MaxServices:  c.atLeastOne(e, "max_services", in.MaxServices),
		ID:           in.ID,
		Code:         in.Code,
		Name:         in.Name,
		Address:      in.Address,
		Phone:        in.Phone,
		Email:        in.Email,
		Hours:        c.hours(e, in.Hours),
		SpecialHours: c.specialHours(e, in.SpecialHours),
		Languages:    in.Languages,
		Desks:        in.Desks,
		SlotStep:     step,
		Interpreters: interpreters,
	}
}

func (c *checker) hours(e string, in Hours) map[time.Weekday]booking.Span {
	if in == nil {
		in = defaultHours
	}
	hours := make(map[time.Weekday]booking.Span)
	open := 0
	for _, wd := range Weekdays {
		s, ok := in[wd.Key]
		if !ok || s == closed {
			continue
		}
		open++
		if span, ok := c.span(e, "hours."+wd.Key, s); ok {
			hours[wd.Day] = span
		}
	}
	for _, k := range sortedKeys(in) {
		if !slices.ContainsFunc(Weekdays, func(wd Weekday) bool { return wd.Key == k }) {
			c.addf(e, "hours", "%q is not a weekday (mon, tue, wed, thu, fri, sat, sun)", k)
		}
	}
	if open == 0 {
		c.addf(e, "hours", "the center is closed every day")
	}
	return hours
}

// specialHours checks a center's special hours: each a period of whole
// days with the hours of the weekdays that differ, none overlapping another.
func (c *checker) specialHours(e string, in []SpecialHours) []booking.SpecialHours {
	var periods []booking.SpecialHours
	var places []int // of periods in in
	for i, sh := range in {
		field := fmt.Sprintf("special_hours[%d]", i)
		from, okFrom := c.date(e, field+".from", sh.From)
		to, okTo := c.date(e, field+".to", sh.To)
		if okFrom && okTo && to.Before(from) {
			c.addf(e, field+".to", "%s is before from, %s", sh.To, sh.From)
			okTo = false
		}
		hours := make(map[time.Weekday]booking.Span)
		for _, wd := range Weekdays {
			s, ok := sh.Hours[wd.Key]
			switch {
			case !ok:
			case s == closed:
				hours[wd.Day] = booking.Span{}
			default:
				if span, ok := c.span(e, field+".hours."+wd.Key, s); ok {
					hours[wd.Day] = span
				}
			}
		}
		for _, k := range sortedKeys(sh.Hours) {
			if !slices.ContainsFunc(Weekdays, func(wd Weekday) bool { return wd.Key == k }) {
				c.addf(e, field+".hours", "%q is not a weekday (mon, tue, wed, thu, fri, sat, sun)", k)
			}
		}
		if len(sh.Hours) == 0 {
			c.addf(e, field+".hours", "none given: name the weekdays whose hours differ")
		}
		if !okFrom || !okTo {
			continue
		}
		p := booking.SpecialHours{From: from, To: to, Hours: hours}
		for j, q := range periods {
			if q.To.Before(p.From) || p.To.Before(q.From) {
				continue
			}
			c.addf(e, field, "%s to %s overlaps special_hours[%d], %s to %s", p.From, p.To, places[j], q.From, q.To)
		}
		periods, places = append(periods, p), append(places, i)
	}
	return periods
}

// date parses a required day written YYYY-MM-DD.
func (c *checker) date(e, field, s string) (booking.Date, bool) {
	if s == "" {
		c.addf(e, field, "required")
		return booking.Date{}, false
	}
	d, err := booking.ParseDate(s)
	if err != nil || d.String() != s {
		c.addf(e, field, "%q is not a date of the form YYYY-MM-DD", s)
		return booking.Date{}, false
	}
	return d, true
}

// span parses "HH:MM-HH:MM".
func (c *checker) span(e, field, s string) (booking.Span, bool) {
	m := spanPattern.FindStringSubmatch(s)
	if m == nil {
		c.addf(e, field, "%q is not of the form HH:MM-HH:MM or %q", s, closed)
		return booking.Span{}, false
	}
	var times [2]time.Duration
	for k := range times {
		h, _ := strconv.Atoi(m[1+2*k])
		mm, _ := strconv.Atoi(m[2+2*k])
		if h > 24 || mm > 59 || h == 24 && mm > 0 {
			c.addf(e, field, "%q is outside 00:00-24:00", s)
			return booking.Span{}, false
		}
		times[k] = time.Duration(h)*time.Hour + time.Duration(mm)*time.Minute
		// Seats are counted per unit from midnight, so a period that
		// starts or ends inside a unit would sell part of one.
		if times[k]%booking.Unit != 0 {
			c.addf(e, field, "%q is not on the %s grid", s, unit)
			return booking.Span{}, false
		}
	}
	span := booking.Span{Open: times[0], Close: times[1]}
	if span.Close <= span.Open {
		c.addf(e, field, "%q closes before it opens", s)
		return booking.Span{}, false
	}
	return span, true
}

func (c *checker) service(i int, in Service) booking.Service {
	e := entry("service", in.ID, i)
	c.id(e, in.ID)
	c.required(e, "name", in.Name)
	if in.Category != "" && !idPattern.MatchString(in.Category) {
		c.addf(e, "category", "%q is not lowercase letters, digits and dashes", in.Category)
	}
	mode := booking.Mode(in.Mode)
	switch mode {
	case booking.WalkIn, booking.Appointment, booking.Both:
	case "":
		c.addf(e, "mode", "required")
	default:
		c.addf(e, "mode", "%q is not one of %s, %s, %s", in.Mode, booking.WalkIn, booking.Appointment, booking.Both)
	}
	var d time.Duration
	if in.Duration != "" {
		d = c.duration(e, "duration", in.Duration)
	} else if mode.Bookable() {
		c.addf(e, "duration", "required for a service that can be booked")
	}
	for j, b := range in.Bring {
		if strings.TrimSpace(b) == "" {
			c.addf(e, fmt.Sprintf("bring[%d]", j), "empty")
		}
	}
	if in.NeedsLanguage && mode == booking.WalkIn {
		c.addf(e, "needs_language", "only a service that can be booked can need a language")
	}
	var perPerson time.Duration
	if in.PerPerson != "" {
		perPerson = c.minutes(e, "per_person", in.PerPerson)
	}
	var translations map[string]booking.ServiceText
	for _, lang := range sortedKeys(in.Translations) {
		t := in.Translations[lang]
		field := "translations." + lang
		if lang == "en" || !languagePattern.MatchString(lang) {
			c.addf(e, field, "%q is not a language code other than en, such as da", lang)
		}
		c.required(e, field+".name", t.Name)
		c.required(e, field+".description", t.Description)
		if len(t.Bring) != len(in.Bring) {
			c.addf(e, field+".bring", "lists %d things to bring, the service %d: translate each, in order", len(t.Bring), len(in.Bring))
		}
		if translations == nil {
			translations = map[string]booking.ServiceText{}
		}
		translations[lang] = booking.ServiceText{Name: t.Name, Description: strings.TrimSpace(t.Description), Bring: t.Bring}
	}
	return booking.Service{
		ID:            in.ID,
		Name:          in.Name,
		Category:      in.Category,
		Description:   strings.TrimSpace(in.Description),
		Mode:          mode,
		Duration:      d,
		Bring:         in.Bring,
		NeedsLanguage: in.NeedsLanguage,
		MaxPeople:     c.atLeastOne(e, "max_people", in.MaxPeople),
		PerPerson:     perPerson,
		Translations:  translations,
	}
}

func (c *checker) id(e, id string) {
	if id == "" {
		c.addf(e, "id", "required")
	} else if !idPattern.MatchString(id) {
		c.addf(e, "id", "%q is not lowercase letters, digits and dashes starting with a letter", id)
	}
}

func (c *checker) required(e, field, value string) {
	if strings.TrimSpace(value) == "" {
		c.addf(e, field, "required")
	}
}

func (c *checker) language(e, field, code string) {
	if !languagePattern.MatchString(code) {
		c.addf(e, field, "%q is not a lowercase ISO 639 language code such as en", code)
	}
}

// duration parses a positive multiple of booking.Unit.
func (c *checker) duration(e, field, s string) time.Duration {
	return c.multiple(e, field, s, booking.Unit, unit)
}

// minutes parses a positive duration of whole minutes.
func (c *checker) minutes(e, field, s string) time.Duration {
	return c.multiple(e, field, s, time.Minute, "1m")
}

// multiple parses a positive multiple of step, written name in the file.
func (c *checker) multiple(e, field, s string, step time.Duration, name string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		c.addf(e, field, "%q is not a duration such as 30m", s)
		return 0
	}
	if d <= 0 || d%step != 0 {
		c.addf(e, field, "%q is not a positive multiple of %s", s, name)
		return 0
	}
	return d
}

// atLeastOne checks an optional count: absent (nil) is 0, the default.
func (c *checker) atLeastOne(e, field string, n *int) int {
	switch {
	case n == nil:
		return 0
	case *n < 1:
		c.addf(e, field, "%d is less than 1", *n)
		return 0
	}
	return *n
}

// unique reports every entry whose field repeats an earlier entry's. Value
// returns an entry's id and the field's value.
func unique[T any](c *checker, kind, field string, entries []T, value func(T) (id, v string)) {
	first := make(map[string]int)
	for i, en := range entries {
		id, v := value(en)
		if v == "" {
			continue
		}
		if j, ok := first[v]; ok {
			c.addf(entry(kind, id, i), field, "%q is used by both %s #%d and #%d", v, kind, j+1, i+1)
			continue
		}
		first[v] = i
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decodeError names the file in a YAML error and, for errors about a value
// (an unknown field, a word where a number belongs), the entry it is in.
func decodeError(name string, data []byte, err error) error {
	te, ok := errors.AsType[*yaml.TypeError](err)
	if !ok {
		return fmt.Errorf("%s: %w", name, err)
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	errs := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		// yaml.v3 writes "line N: problem".
		var line int
		rest, found := strings.CutPrefix(msg, "line ")
		if n, problem, ok := strings.Cut(rest, ": "); found && ok {
			if l, err := strconv.Atoi(n); err == nil {
				line = l
				if e := entryAt(&root, line); e != "" {
					msg = fmt.Sprintf("line %d: %s: %s", line, e, problem)
				}
			}
		}
		errs = append(errs, fmt.Errorf("%s: %s", name, msg))
	}
	return errors.Join(errs...)
}

// entryAt names the center or service whose YAML holds the line, or returns
// "" if the line is outside both lists.
func entryAt(root *yaml.Node, line int) string {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return ""
	}
	top := root.Content[0].Content
	for k := 0; k+1 < len(top); k += 2 {
		key, list := top[k], top[k+1]
		// A top-level key's section ends where the next key begins.
		if line < key.Line || k+2 < len(top) && line >= top[k+2].Line {
			continue
		}
		kind := map[string]string{"centers": "center", "services": "service"}[key.Value]
		if kind == "" || list.Kind != yaml.SequenceNode {
			return ""
		}
		for i := len(list.Content) - 1; i >= 0; i-- {
			item := list.Content[i]
			if item.Line <= line {
				return entry(kind, idOf(item), i)
			}
		}
	}
	return ""
}

func idOf(item *yaml.Node) string {
	if item.Kind != yaml.MappingNode {
		return ""
	}
	for k := 0; k+1 < len(item.Content); k += 2 {
		if item.Content[k].Value == "id" && item.Content[k+1].Kind == yaml.ScalarNode {
			return item.Content[k+1].Value
		}
	}
	return ""
}
