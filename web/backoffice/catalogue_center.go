package backoffice

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// A center's form: its address and contact, desks, languages, interpreters,
// opening hours per weekday and special hours for periods. The form posts
// the center as it is to be; it replaces the center in the latest version
// of the catalogue, made from the version the form was drawn from.

type centerPage struct {
	catalogueView
	ID, Code, Action             string
	Name, Address, Phone, Email  catalogueField
	Spoken, Desks, SlotStep, Max catalogueField
	Interpreters                 []catalogueField
	NewLanguage, NewInterpreters catalogueField
	HoursError                   formError
	Hours                        weekFields
	Special                      []specialFields
	SpecialCount                 int
}

// dayFields are a weekday's opening and closing times in a form; Closed
// is a special period's box that closes the day.
type dayFields struct {
	Name, Label string // Name: hours.mon, special_hours[0].hours.mon
	Open, Close string
	Closed      bool
	Error       formError
}

// ID is the id of the weekday's opening time, where its problems link.
func (d dayFields) ID() string { return fieldID(d.Name) }

// weekFields are the weekdays' times of a form, as a table; ClosedLabel
// is set for special hours only, whose days have a box that closes them.
type weekFields struct {
	ID, Caption                                  string
	DayLabel, OpenLabel, CloseLabel, ClosedLabel string
	Days                                         []dayFields
}

type specialFields struct {
	Index    int
	Legend   string
	From, To catalogueField
	Week     weekFields
	Remove   bool
	// New is the empty period to add one, folded away unless Open: it
	// was filled in.
	New, Open bool
	Error     formError
}

// ID is the id of the period's fieldset.
func (s specialFields) ID() string { return fieldID(fmt.Sprintf("special_hours[%d]", s.Index)) }

// findCenter finds the center id in a catalogue.
func findCenter(id string) func(catalogue.File) (int, error) {
	return func(f catalogue.File) (int, error) {
		return findEntry("center", id, f.Centers, func(c catalogue.Center) string { return c.ID })
	}
}

// findEntry returns the index of the entry of kind with the id among
// entries.
func findEntry[T any](kind, id string, entries []T, idOf func(T) string) (int, error) {
	i := slices.IndexFunc(entries, func(e T) bool { return idOf(e) == id })
	if i < 0 {
		return 0, fmt.Errorf("%w: the catalogue has no %s %q", booking.ErrNotFound, kind, id)
	}
	return i, nil
}

// staffCatalogueCenter shows a center's form, filled from the latest
// version.
func (h *Handler) staffCatalogueCenter(c *gin.Context) {
	v, f, i, ok := h.latestEntry(c, findCenter(c.Param("center")))
	if !ok {
		return
	}
	p := h.centerPage(c, v.Number, f.Centers[i], nil, &formErrors{})
	doneNotice(c, &p.catalogueView)
	render.Render(c, http.StatusOK, catalogueTemplate, p)
}

// staffCatalogueCenterPost applies a center's form.
func (h *Handler) staffCatalogueCenterPost(c *gin.Context) {
	_, f, i, ok := h.latestEntry(c, findCenter(c.Param("center")))
	if !ok {
		return
	}
	posted := c.Request.PostForm
	edited, rows, errs := readCenterForm(render.Locale(c), posted, f.Centers[i])
	next := f
	next.Centers = slices.Clone(f.Centers)
	next.Centers[i] = edited
	h.saveEntryForm(c, catalogueEdit{file: next, center: edited.ID, note: "edited center " + edited.ID},
		"/staff/catalogue/centers/"+url.PathEscape(edited.ID), errs,
		func(status, base int, problem string) {
			p := h.centerPage(c, base, f.Centers[i], posted, errs)
			p.Problem = problem
			render.Render(c, status, catalogueTemplate, p)
		},
		func(err error) {
			mapCenterProblems(err, catalogue.Entry("center", edited.ID, i), f.Centers[i], rows, errs)
		})
}

// centerPage draws a center's form from the center, or, for a form posted
// (posted not nil), from what was typed, with errs next to the fields.
func (h *Handler) centerPage(c *gin.Context, version int, center catalogue.Center, posted url.Values, errs *formErrors) centerPage {
	p := centerPage{catalogueView: h.catalogueView(c, "center", "catalogue.center_title", "Center", center.Name),
		ID: center.ID, Code: center.Code, Action: "/staff/catalogue/centers/" + url.PathEscape(center.ID)}
	p.Version = version
	p.LinkLanguages(p.Action)
	l := p.L
	labels := map[string]string{"hours": l.T("catalogue.hours")}
	field := func(name, label, typ, value, hint string) catalogueField {
		labels[name] = l.T(label)
		return catalogueField{Name: name, Label: l.T(label), Type: typ, Value: postedValue(posted, name, value), Hint: hint, Error: errs.of(name)}
	}
	p.Name = field("name", "catalogue.center_name", "text", center.Name, "")
	p.Address = field("address", "catalogue.address", "text", center.Address, "")
	p.Phone = field("phone", "catalogue.phone", "tel", center.Phone, "")
	p.Email = field("email", "catalogue.email", "email", center.Email, "")
	p.Spoken = field("languages", "catalogue.languages", "text", strings.Join(center.Languages, ", "), l.T("catalogue.languages_hint"))
	p.Desks = field("desks", "catalogue.desks", "number", strconv.Itoa(center.Desks), l.T("catalogue.desks_hint"))
	p.SlotStep = field("slot_step", "catalogue.slot_step", "number", minutesOf(center.SlotStep), l.T("catalogue.slot_step_hint"))
	maxServices := ""
	if center.MaxServices != nil {
		maxServices = strconv.Itoa(*center.MaxServices)
	}
	p.Max = field("max_services", "catalogue.max_services", "number", maxServices, l.T("catalogue.max_services_hint", "Default", booking.DefaultMaxServices))
	for _, code := range sortedCodes(center.Interpreters) {
		f := field("interpreters."+code, "", "number", strconv.Itoa(center.Interpreters[code]), "")
		f.Label = l.LanguageName(code) + " (" + code + ")"
		labels[f.Name] = f.Label
		p.Interpreters = append(p.Interpreters, f)
	}
	p.NewLanguage = field("new_interpreter_language", "catalogue.new_language", "text", "", l.T("catalogue.new_language_hint"))
	p.NewInterpreters = field("new_interpreter_count", "catalogue.new_interpreters", "number", "", "")
	p.HoursError = errs.of("hours")
	week := func(id, caption string, closed bool) weekFields {
		w := weekFields{ID: id, Caption: caption, DayLabel: l.T("catalogue.day"), OpenLabel: l.T("catalogue.opens"), CloseLabel: l.T("catalogue.closes")}
		if closed {
			w.ClosedLabel = l.T("catalogue.closed_that_day")
		}
		return w
	}
	p.Hours = week("week", l.T("catalogue.week_caption"), false)
	for _, wd := range catalogue.Weekdays {
		open, closing := splitSpan(center.Hours, wd.Key)
		labels["hours."+wd.Key] = locale.Capitalise(l.Weekday(wd.Day))
		p.Hours.Days = append(p.Hours.Days, dayFields{Name: "hours." + wd.Key, Label: locale.Capitalise(l.Weekday(wd.Day)),
			Open: postedValue(posted, "hours."+wd.Key+".open", open), Close: postedValue(posted, "hours."+wd.Key+".close", closing),
			Error: errs.of("hours." + wd.Key)})
	}
	rows := len(center.SpecialHours) + 1
	if posted != nil {
		rows = specialCount(posted)
	}
	p.SpecialCount = rows
	for j := range rows {
		var sh catalogue.SpecialHours
		if j < len(center.SpecialHours) {
			sh = center.SpecialHours[j]
		}
		prefix := fmt.Sprintf("special_hours[%d]", j)
		s := specialFields{Index: j, New: j == rows-1, Error: errs.of(prefix),
			From:   field(prefix+".from", "catalogue.from", "date", sh.From, ""),
			To:     field(prefix+".to", "catalogue.to", "date", sh.To, ""),
			Remove: posted.Get(prefix+".remove") != ""}
		s.Legend = l.T("catalogue.special_period", "N", j+1)
		if s.New {
			s.Legend = l.T("catalogue.special_new")
		}
		labels[prefix] = s.Legend
		labels[prefix+".from"] = s.Legend + ", " + s.From.Label
		labels[prefix+".to"] = s.Legend + ", " + s.To.Label
		s.Week = week(fieldID(prefix)+"-week", l.T("catalogue.special_week_caption", "Period", s.Legend), true)
		s.Open = s.From.Value != "" || s.To.Value != "" || s.Error.Text != ""
		for _, wd := range catalogue.Weekdays {
			name := prefix + ".hours." + wd.Key
			open, closing := splitSpan(sh.Hours, wd.Key)
			d := dayFields{Name: name, Label: locale.Capitalise(l.Weekday(wd.Day)), Closed: sh.Hours[wd.Key] == "closed",
				Open: postedValue(posted, name+".open", open), Close: postedValue(posted, name+".close", closing), Error: errs.of(name)}
			labels[name] = s.Legend + ", " + d.Label
			if posted != nil {
				d.Closed = posted.Get(name+".closed") != ""
			}
			s.Week.Days = append(s.Week.Days, d)
			s.Open = s.Open || d.Open != "" || d.Close != "" || d.Closed || d.Error.Text != ""
		}
		p.Special = append(p.Special, s)
	}
	p.Errors, p.Other = errs.summary(labels), errs.of(otherProblems)
	return p
}

// splitSpan returns the opening and closing times a weekday's hours
// write, or two empty times for a day closed or not given.
func splitSpan(hours catalogue.Hours, key string) (string, string) {
	open, closing, ok := strings.Cut(hours[key], "-")
	if !ok {
		return "", ""
	}
	return open, closing
}

// minutesOf writes a duration of the file ("30m") as a number of minutes
// for a form, or leaves it as it is if it is not one.
func minutesOf(d string) string {
	if d == "" {
		return ""
	}
	v, err := time.ParseDuration(d)
	if err != nil || v%time.Minute != 0 {
		return d
	}
	return strconv.Itoa(int(v / time.Minute))
}

// durationOf reads a number of minutes from a form as the file writes a
// duration; "" stays "", and anything else is passed on as it is, for the
// loader to name.
func durationOf(minutes string) string {
	if minutes == "" {
		return ""
	}
	if n, err := strconv.Atoi(minutes); err == nil {
		return catalogue.Minutes(time.Duration(n) * time.Minute)
	}
	return minutes
}

func sortedCodes(m map[string]int) []string {
	codes := make([]string, 0, len(m))
	for k := range m {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	return codes
}

// specialRows maps the special periods kept in the file to the form's rows,
// as rows were removed or left empty: row[i] is the form row of the i-th.
type specialRows []int

// readCenterForm reads a center's form over the center as stored. Values
// that are no number where one belongs are errors of the form; everything
// else is left to the loader's checks.
func readCenterForm(l interface {
	T(string, ...any) string
	Tag() string
}, posted url.Values, stored catalogue.Center) (catalogue.Center, specialRows, *formErrors) {
	errs := &formErrors{}
	c := stored
	get := func(name string) string { return strings.TrimSpace(posted.Get(name)) }
	number := func(name string) (*int, bool) {
		v := get(name)
		if v == "" {
			return nil, true
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.add(name, formError{Text: l.T("catalogue.not_a_number"), Lang: l.Tag()})
			return nil, false
		}
		return &n, true
	}
	c.Name, c.Address, c.Phone, c.Email = get("name"), get("address"), get("phone"), get("email")
	c.Languages = nil
	for _, lang := range strings.FieldsFunc(get("languages"), func(r rune) bool { return r == ',' || r == ' ' }) {
		c.Languages = append(c.Languages, lang)
	}
	if n, ok := number("desks"); ok {
		c.Desks = 0
		if n != nil {
			c.Desks = *n
		}
	}
	if n, ok := number("slot_step"); ok {
		c.SlotStep = ""
		if n != nil {
			c.SlotStep = durationOf(strconv.Itoa(*n))
		}
	}
	if n, ok := number("max_services"); ok {
		c.MaxServices = n
	}
	interpreters := map[string]int{}
	for _, code := range sortedCodes(stored.Interpreters) {
		interpreters[code] = stored.Interpreters[code]
		if n, ok := number("interpreters." + code); ok && n != nil {
			interpreters[code] = *n
		}
	}
	if code := get("new_interpreter_language"); code != "" {
		n, ok := number("new_interpreter_count")
		switch {
		case ok && n == nil:
			errs.add("new_interpreter_count", formError{Text: l.T("catalogue.not_a_number"), Lang: l.Tag()})
		case ok:
			interpreters[code] = *n
		}
	}
	c.Interpreters = interpreters
	if len(interpreters) == 0 {
		c.Interpreters = nil
	}
	c.Hours = catalogue.Hours{}
	for _, wd := range catalogue.Weekdays {
		c.Hours[wd.Key] = spanOf(get("hours."+wd.Key+".open"), get("hours."+wd.Key+".close"), "closed")
	}
	rows := specialCount(posted)
	c.SpecialHours = nil
	var kept specialRows
	for j := range rows {
		prefix := fmt.Sprintf("special_hours[%d]", j)
		if get(prefix+".remove") != "" {
			continue
		}
		sh := catalogue.SpecialHours{From: get(prefix + ".from"), To: get(prefix + ".to"), Hours: catalogue.Hours{}}
		for _, wd := range catalogue.Weekdays {
			name := prefix + ".hours." + wd.Key
			switch {
			case get(name+".closed") != "":
				sh.Hours[wd.Key] = "closed"
			default:
				if span := spanOf(get(name+".open"), get(name+".close"), ""); span != "" {
					sh.Hours[wd.Key] = span
				}
			}
		}
		if sh.From == "" && sh.To == "" && len(sh.Hours) == 0 {
			continue // a row left empty
		}
		c.SpecialHours = append(c.SpecialHours, sh)
		kept = append(kept, j)
	}
	return c, kept, errs
}

// maxSpecialRows bounds the periods of special hours a form may post.
const maxSpecialRows = 100

// specialCount is how many periods of special hours a form posted, the
// last the new one.
func specialCount(posted url.Values) int {
	n, _ := strconv.Atoi(posted.Get("special_count"))
	return min(max(n, 1), maxSpecialRows)
}

// spanOf writes a day's opening and closing times as the file does, or
// empty as none when both are empty.
func spanOf(open, closing, none string) string {
	if open == "" && closing == "" {
		return none
	}
	return open + "-" + closing
}

// mapCenterProblems puts the problems of a change next to the fields of
// the center's form: those of the center by their field, the others
// (another entry, the time zone) in the summary.
func mapCenterProblems(err error, entry string, stored catalogue.Center, rows specialRows, errs *formErrors) {
	problems, _ := entryProblems(err)
	for _, p := range problems {
		if p.Entry != entry {
			errs.add(otherProblems, formError{Text: p.String(), Lang: "en"})
			continue
		}
		name := centerFormField(p.Field, rows)
		if code, ok := strings.CutPrefix(name, "interpreters."); ok {
			if _, stored := stored.Interpreters[code]; !stored {
				name = "new_interpreter_language"
			}
		}
		errs.add(name, formError{Text: p.Detail, Lang: "en"})
	}
}

// otherProblems gathers the problems a form has no field for: of another
// entry, or of the catalogue as a whole.
const otherProblems = "other-problems"

// centerFormField is the form field that shows a problem with a center's
// field as the loader names it.
func centerFormField(field string, rows specialRows) string {
	switch {
	case strings.HasPrefix(field, "languages"):
		return "languages"
	case strings.HasPrefix(field, "special_hours["):
		rest := strings.TrimPrefix(field, "special_hours[")
		n, tail, _ := strings.Cut(rest, "]")
		i, err := strconv.Atoi(n)
		if err != nil || i >= len(rows) {
			return "special_hours"
		}
		name := fmt.Sprintf("special_hours[%d]", rows[i]) + tail
		if tail == ".hours" {
			return fmt.Sprintf("special_hours[%d]", rows[i])
		}
		return name
	case field == "code" || field == "id":
		return "name"
	}
	return field // name, address, phone, email, desks, slot_step, max_services, interpreters.xx, hours, hours.mon
}
