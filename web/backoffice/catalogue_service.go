package backoffice

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/web/render"
)

// A service's form: its names, descriptions and what to bring in English
// and Danish, its category, mode, duration and the limits of a visit. Its
// translations into other languages than Danish stay as they are.

// danish is the language of the form's second text.
const danish = "da"

type servicePage struct {
	catalogueView
	ID, Action                     string
	Name, DaName, Category         catalogueField
	Description, DaDescription     catalogueField
	Bring, DaBring                 catalogueField
	Duration, MaxPeople, PerPerson catalogueField
	Mode                           catalogueField
	Modes                          []modeOption
	NeedsLanguage                  bool
	NeedsLanguageError             formError
}

type modeOption struct {
	Value, Label string
	Selected     bool
}

// findService finds the service id in a catalogue.
func findService(id string) func(catalogue.File) (int, error) {
	return func(f catalogue.File) (int, error) {
		return findEntry("service", id, f.Services, func(s catalogue.Service) string { return s.ID })
	}
}

// staffCatalogueService shows a service's form, filled from the latest
// version.
func (h *Handler) staffCatalogueService(c *gin.Context) {
	v, f, i, ok := h.latestEntry(c, findService(c.Param("service")))
	if !ok {
		return
	}
	p := h.servicePage(c, v.Number, f.Services[i], nil, &formErrors{})
	doneNotice(c, &p.catalogueView)
	render.Render(c, http.StatusOK, catalogueTemplate, p)
}

// staffCatalogueServicePost applies a service's form.
func (h *Handler) staffCatalogueServicePost(c *gin.Context) {
	_, f, i, ok := h.latestEntry(c, findService(c.Param("service")))
	if !ok {
		return
	}
	posted := c.Request.PostForm
	edited, errs := readServiceForm(render.Locale(c), posted, f.Services[i])
	next := f
	next.Services = slices.Clone(f.Services)
	next.Services[i] = edited
	h.saveEntryForm(c, catalogueEdit{file: next, note: "edited service " + edited.ID},
		"/staff/catalogue/services/"+url.PathEscape(edited.ID), errs,
		func(status, base int, problem string) {
			p := h.servicePage(c, base, f.Services[i], posted, errs)
			p.Problem = problem
			render.Render(c, status, catalogueTemplate, p)
		},
		func(err error) { mapServiceProblems(err, catalogue.Entry("service", edited.ID, i), errs) })
}

// servicePage draws a service's form from the service, or, for a form
// posted (posted not nil), from what was typed, with errs next to the
// fields.
func (h *Handler) servicePage(c *gin.Context, version int, sv catalogue.Service, posted url.Values, errs *formErrors) servicePage {
	da := sv.Translations[danish]
	title := sv.Name
	if t, ok := sv.Translations[render.Locale(c).Tag()]; ok && t.Name != "" {
		title = t.Name
	}
	p := servicePage{catalogueView: h.catalogueView(c, "service", "catalogue.service_title", "Service", title),
		ID: sv.ID, Action: "/staff/catalogue/services/" + url.PathEscape(sv.ID)}
	p.Version = version
	p.LinkLanguages(p.Action)
	l := p.L
	labels := map[string]string{"needs_language": l.T("catalogue.needs_language")}
	field := func(name, label, typ, value, lang, hint string) catalogueField {
		labels[name] = l.T(label)
		if lang == danish {
			labels[name] = l.T("catalogue.in_danish") + ", " + l.T(label)
		}
		return catalogueField{Name: name, Label: l.T(label), Type: typ, Value: postedValue(posted, name, value), Lang: lang,
			Hint: hint, Error: errs.of(name)}
	}
	p.Name = field("name", "catalogue.service_name", "text", sv.Name, "en", "")
	p.Description = field("description", "catalogue.description", "textarea", sv.Description, "en", "")
	p.Bring = field("bring", "catalogue.bring", "textarea", strings.Join(sv.Bring, "\n"), "en", l.T("catalogue.bring_hint"))
	p.DaName = field("translations.da.name", "catalogue.service_name", "text", da.Name, danish, "")
	p.DaDescription = field("translations.da.description", "catalogue.description", "textarea", da.Description, danish, "")
	p.DaBring = field("translations.da.bring", "catalogue.bring", "textarea", strings.Join(da.Bring, "\n"), danish, l.T("catalogue.bring_da_hint"))
	p.Category = field("category", "catalogue.category", "text", sv.Category, "", l.T("catalogue.category_hint"))
	p.Mode = field("mode", "catalogue.mode", "select", sv.Mode, "", "")
	for _, m := range []booking.Mode{booking.WalkIn, booking.Appointment, booking.Both} {
		p.Modes = append(p.Modes, modeOption{Value: string(m), Label: l.T("mode." + string(m)), Selected: p.Mode.Value == string(m)})
	}
	p.Duration = field("duration", "catalogue.duration", "number", minutesOf(sv.Duration), "", l.T("catalogue.duration_hint"))
	maxPeople := ""
	if sv.MaxPeople != nil {
		maxPeople = strconv.Itoa(*sv.MaxPeople)
	}
	p.MaxPeople = field("max_people", "catalogue.max_people", "number", maxPeople, "", l.T("catalogue.max_people_hint"))
	p.PerPerson = field("per_person", "catalogue.per_person", "number", minutesOf(sv.PerPerson), "", l.T("catalogue.per_person_hint"))
	p.NeedsLanguage = sv.NeedsLanguage
	if posted != nil {
		p.NeedsLanguage = posted.Get("needs_language") != ""
	}
	p.NeedsLanguageError = errs.of("needs_language")
	p.Errors, p.Other = errs.summary(labels), errs.of(otherProblems)
	return p
}

// readServiceForm reads a service's form over the service as stored.
func readServiceForm(l interface {
	T(string, ...any) string
	Tag() string
}, posted url.Values, stored catalogue.Service) (catalogue.Service, *formErrors) {
	errs := &formErrors{}
	sv := stored
	get := func(name string) string { return strings.TrimSpace(posted.Get(name)) }
	minutes := func(name string) string {
		v := get(name)
		if _, err := strconv.Atoi(v); v != "" && err != nil {
			errs.add(name, formError{Text: l.T("catalogue.not_a_number"), Lang: l.Tag()})
		}
		return durationOf(v)
	}
	sv.Name, sv.Description, sv.Category, sv.Mode = get("name"), get("description"), get("category"), get("mode")
	sv.Bring = lines(posted.Get("bring"))
	sv.Duration, sv.PerPerson = minutes("duration"), minutes("per_person")
	sv.NeedsLanguage = get("needs_language") != ""
	sv.MaxPeople = nil
	if v := get("max_people"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			sv.MaxPeople = &n
		} else {
			errs.add("max_people", formError{Text: l.T("catalogue.not_a_number"), Lang: l.Tag()})
		}
	}
	texts := make(map[string]catalogue.ServiceText, len(stored.Translations)+1)
	for lang, t := range stored.Translations {
		texts[lang] = t
	}
	da := catalogue.ServiceText{Name: get("translations.da.name"), Description: get("translations.da.description"),
		Bring: lines(posted.Get("translations.da.bring"))}
	delete(texts, danish)
	if da.Name != "" || da.Description != "" || len(da.Bring) > 0 {
		texts[danish] = da
	}
	sv.Translations = texts
	if len(texts) == 0 {
		sv.Translations = nil
	}
	return sv, errs
}

// lines splits a text area into its lines that are not blank.
func lines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// mapServiceProblems puts the problems of a change next to the fields of
// the service's form.
func mapServiceProblems(err error, entry string, errs *formErrors) {
	problems, _ := entryProblems(err)
	for _, p := range problems {
		if p.Entry != entry {
			errs.add(otherProblems, formError{Text: p.String(), Lang: "en"})
			continue
		}
		name := p.Field
		switch {
		case strings.HasPrefix(name, "bring["):
			name = "bring"
		case strings.HasPrefix(name, "translations.da.bring"):
			name = "translations.da.bring"
		case name == "translations.da":
			name = "translations.da.name"
		case name == "id":
			name = "name"
		case strings.HasPrefix(name, "translations."):
			errs.add(otherProblems, formError{Text: p.String(), Lang: "en"})
			continue
		}
		errs.add(name, formError{Text: p.Detail, Lang: "en"})
	}
}
