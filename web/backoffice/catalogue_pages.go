package backoffice

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/web/render"
)

// The catalogue's pages, for admins: the centers and services with the
// versions of the catalogue, a form per center and per service, a version
// with what it changed and a button to restore it, and the YAML file to
// download. Every form works without JavaScript: its wrong fields come back
// with the catalogue loader's message next to them (422), a change made
// from a version another admin replaced meanwhile comes back to be saved
// again (409), and one that would strand bookings lists them and asks for
// a reason to cancel them (409) before it applies.

// catalogueVersionsShown is how many of the latest versions the overview
// lists.
const catalogueVersionsShown = 20

// catalogueTemplate draws every page of the catalogue; each page's data
// says which it is by its View.
const catalogueTemplate = "staff-catalogue.html"

// catalogueField is one input of a catalogue form.
type catalogueField struct {
	Name, Label, Value, Hint string
	// Type is the input's type: text, email, tel, number, time, date.
	Type string
	// Lang is the language of the value, when the page's is not.
	Lang  string
	Error formError
}

// Rows is how many lines a text area shows: all of its value, within
// reason, and a line to add one.
func (f catalogueField) Rows() int {
	return min(max(strings.Count(f.Value, "\n")+2, len(f.Value)/45+2, 3), 12)
}

// ID is the field's id: its name with only letters, digits and dashes.
func (f catalogueField) ID() string { return fieldID(f.Name) }

// DescribedBy lists the ids of the field's hint and error.
func (f catalogueField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error.Text != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

var notIDChars = regexp.MustCompile(`[^a-z0-9]+`)

// fieldID turns a form field's name (hours.mon.open, special_hours[0].to)
// into an id of letters, digits and dashes (hours-mon-open).
func fieldID(name string) string { return strings.Trim(notIDChars.ReplaceAllString(name, "-"), "-") }

// formError is what is wrong with a field, in the language Lang: the
// loader's messages are in English, whatever the page's.
type formError struct {
	Text, Lang string
}

// formErrors are the problems of a posted form by field name, in the order
// found.
type formErrors struct {
	order  []string
	byName map[string]formError
}

func (e *formErrors) add(name string, err formError) {
	if e.byName == nil {
		e.byName = map[string]formError{}
	}
	if old, ok := e.byName[name]; ok {
		err.Text = old.Text + " " + err.Text
	} else {
		e.order = append(e.order, name)
	}
	e.byName[name] = err
}

func (e *formErrors) of(name string) formError { return e.byName[name] }

func (e *formErrors) empty() bool { return len(e.order) == 0 }

// summaryLine is one line of a form's error summary, linking to its field
// and naming it by its label.
type summaryLine struct {
	ID, Label string
	formError
}

// summary lists the problems for the summary at the top of a form, each
// named by its field's label in labels; those of no field link to where
// the form shows them.
func (e *formErrors) summary(labels map[string]string) []summaryLine {
	lines := make([]summaryLine, len(e.order))
	for i, name := range e.order {
		lines[i] = summaryLine{ID: fieldID(name), Label: labels[name], formError: e.byName[name]}
	}
	return lines
}

// catalogueView is what every catalogue page shows: which page it is, the
// version a form is made from, what was done and what went wrong.
type catalogueView struct {
	staffPage
	View    string
	Version int
	Notice  string
	Problem string
	Errors  []summaryLine
	// Other holds the problems of a change that no field of the form
	// shows, in the loader's words.
	Other formError
}

func (h *Handler) catalogueView(c *gin.Context, view, title string, args ...any) catalogueView {
	return catalogueView{staffPage: h.newStaffPage(c, title, args...), View: view}
}

// doneNotice says what the redirect after a saved change reports.
func doneNotice(c *gin.Context, p *catalogueView) {
	switch c.Query("done") {
	case "saved":
		p.Notice = p.L.T("catalogue.saved", "Version", c.Query("version"))
	case "reverted":
		p.Notice = p.L.T("catalogue.reverted_to", "Version", c.Query("version"), "From", c.Query("from"))
	default:
		return
	}
	if n, _ := strconv.Atoi(c.Query("cancelled")); n > 0 {
		p.Notice += " " + p.L.N("catalogue.cancelled", n, "Count", n)
	}
}

// The overview.

type catalogueOverview struct {
	catalogueView
	Current  versionLine
	Centers  []catalogue.Center
	Services []serviceLine
	Versions []versionLine
}

type serviceLine struct {
	ID, Name string
	Mode     string
}

type versionLine struct {
	Number, Previous    int
	At, When            string
	Author, Note        string
	Changes             int
	Latest, HasPrevious bool
}

func (h *Handler) versionLine(l versionLocale, v booking.CatalogueVersion) versionLine {
	at := v.At.In(h.scheduler.Location())
	return versionLine{Number: v.Number, Previous: v.Number - 1, At: at.Format(time.RFC3339), When: l.Date(at) + " " + at.Format("15:04"),
		Author: v.Author, Note: v.Note, HasPrevious: v.Number > 1}
}

// versionLocale is what versionLine needs of the page's locale.
type versionLocale interface{ Date(time.Time) string }

// staffCatalogue lists the centers and services to edit and the latest
// versions, each with how many fields it changed.
func (h *Handler) staffCatalogue(c *gin.Context) {
	ctx := c.Request.Context()
	versions, err := h.scheduler.CatalogueVersions(ctx, catalogueVersionsShown+1)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	if len(versions) == 0 {
		render.FailPage(c, fmt.Errorf("%w: the database holds no catalogue", booking.ErrNotFound))
		return
	}
	p := catalogueOverview{catalogueView: h.catalogueView(c, "overview", "catalogue.title")}
	doneNotice(c, &p.catalogueView)
	latest, err := catalogue.Decode(catalogue.VersionName(versions[0].Number), versions[0].Document)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Version = versions[0].Number
	p.Centers = latest.Centers
	for _, s := range latest.Services {
		name := s.Name
		if t, ok := s.Translations[p.L.Tag()]; ok && t.Name != "" {
			name = t.Name
		}
		p.Services = append(p.Services, serviceLine{ID: s.ID, Name: name, Mode: s.Mode})
	}
	for i, v := range versions[:min(len(versions), catalogueVersionsShown)] {
		line := h.versionLine(p.L, v)
		line.Latest, line.Changes = i == 0, -1 // unknown without the version before
		if i+1 < len(versions) {
			line.Changes = countChanges(versions[i+1], v)
		}
		p.Versions = append(p.Versions, line)
	}
	p.Current = p.Versions[0]
	render.Render(c, http.StatusOK, catalogueTemplate, p)
}

// countChanges is how many fields and entries version b changed from a;
// -1 if either cannot be read.
func countChanges(a, b booking.CatalogueVersion) int {
	fa, err1 := catalogue.Decode("", a.Document)
	fb, err2 := catalogue.Decode("", b.Document)
	if err1 != nil || err2 != nil {
		return -1
	}
	return len(catalogue.Diff(fa, fb))
}

// staffCatalogueExport downloads the latest version, or ?version=N, as a
// YAML file in the format of configs/catalogue.yaml.
func (h *Handler) staffCatalogueExport(c *gin.Context) {
	n, err := strconv.Atoi(c.DefaultQuery("version", "0"))
	if err != nil || n < 0 {
		render.FailPage(c, fmt.Errorf("%w: no version %q", booking.ErrNotFound, c.Query("version")))
		return
	}
	v, f, err := h.storedFile(c.Request.Context(), n)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	data, err := catalogue.Export(f, v.Number, v.At)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="catalogue-v%d.yaml"`, v.Number))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", data)
}

// A version and its changes.

type catalogueVersionPage struct {
	catalogueView
	Shown   versionLine
	Changes []changeGroup
	Count   int
}

// changeGroup is what a version changed of one entry: the entry added or
// removed whole, or the fields that changed.
type changeGroup struct {
	Entry, Title   string
	Added, Removed bool
	Fields         []changeLine
}

type changeLine struct {
	Field, Old, New string
}

// staffCatalogueVersion shows what a version changed from the one before
// it, with a button to restore it if it is not the latest.
func (h *Handler) staffCatalogueVersion(c *gin.Context) {
	h.renderVersion(c, http.StatusOK, "")
}

func (h *Handler) renderVersion(c *gin.Context, status int, problem string) {
	ctx := c.Request.Context()
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		render.FailPage(c, fmt.Errorf("%w: no version %q", booking.ErrNotFound, c.Param("version")))
		return
	}
	v, f, err := h.storedFile(ctx, n)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	latest, err := h.scheduler.StoredCatalogue(ctx, 0)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := catalogueVersionPage{catalogueView: h.catalogueView(c, "version", "catalogue.version_title", "Version", n)}
	p.Version, p.Problem = latest.Number, problem
	doneNotice(c, &p.catalogueView)
	p.Shown = h.versionLine(p.L, v)
	p.Shown.Latest = v.Number == latest.Number
	var before catalogue.File
	if n > 1 {
		if _, before, err = h.storedFile(ctx, n-1); err != nil {
			render.FailPage(c, err)
			return
		}
	}
	for _, ch := range catalogue.Diff(before, f) {
		p.Count++
		if n := len(p.Changes); n == 0 || p.Changes[n-1].Entry != ch.Entry {
			p.Changes = append(p.Changes, changeGroup{Entry: ch.Entry, Title: ch.Title})
		}
		g := &p.Changes[len(p.Changes)-1]
		switch {
		case ch.Field == "" && ch.Old == "":
			g.Added = true
		case ch.Field == "" && ch.New == "":
			g.Removed = true
		default:
			g.Fields = append(g.Fields, changeLine{Field: ch.Field, Old: ch.Old, New: ch.New})
		}
	}
	render.Render(c, status, catalogueTemplate, p)
}

// staffCatalogueRevert applies a version's content again, as the next
// version, made from the version the page showed as the latest.
func (h *Handler) staffCatalogueRevert(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		render.FailPage(c, fmt.Errorf("%w: no version %q", booking.ErrNotFound, c.Param("version")))
		return
	}
	if c.PostForm("review") != "" {
		c.Redirect(http.StatusSeeOther, "/staff/catalogue/versions/"+strconv.Itoa(n))
		return
	}
	_, f, err := h.storedFile(c.Request.Context(), n)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	base, _ := strconv.Atoi(c.PostForm("version"))
	action := "/staff/catalogue/versions/" + strconv.Itoa(n) + "/revert"
	v, cancelled, ok := h.applyForm(c, catalogueEdit{base: base, file: f, note: fmt.Sprintf("reverted to version %d", n),
		cancel: c.PostForm("cancel_stranded") == "1", reason: c.PostForm("reason")}, action,
		func(status int, err error) { h.renderVersion(c, status, problemText(render.Locale(c), err)) })
	if !ok {
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/catalogue/versions/%d?done=reverted&version=%d&from=%d&cancelled=%d",
		v.Number, v.Number, n, len(cancelled)))
}

// latestEntry reads the latest version for the page of one of its
// entries, which find finds, reading the posted form first on a POST. It
// answers with an error page and returns false if it cannot.
func (h *Handler) latestEntry(c *gin.Context, find func(catalogue.File) (int, error)) (booking.CatalogueVersion, catalogue.File, int, bool) {
	if c.Request.Method == http.MethodPost {
		if err := h.parseForm(c); err != nil {
			render.FailPage(c, err)
			return booking.CatalogueVersion{}, catalogue.File{}, 0, false
		}
	}
	v, f, err := h.storedFile(c.Request.Context(), 0)
	var i int
	if err == nil {
		i, err = find(f)
	}
	if err != nil {
		render.FailPage(c, err)
		return booking.CatalogueVersion{}, catalogue.File{}, 0, false
	}
	return v, f, i, true
}

// saveEntryForm applies the form of a center or a service, whose change
// is e.file, made from the version the form posts, and redirects to the
// form (action) with what was saved. Otherwise draw draws the form again
// with a status, the version to make it from and a problem: the form
// asked to be shown again (from the page of stranded bookings), its own
// check failed (errs), another admin saved first, or the catalogue's
// checks failed, whose problems place puts in errs first.
func (h *Handler) saveEntryForm(c *gin.Context, e catalogueEdit, action string, errs *formErrors,
	draw func(status, base int, problem string), place func(error)) {
	posted := c.Request.PostForm
	e.base, _ = strconv.Atoi(posted.Get("version"))
	e.cancel, e.reason = posted.Get("cancel_stranded") == "1", posted.Get("reason")
	switch {
	case posted.Get("review") != "":
		draw(http.StatusOK, e.base, "")
		return
	case !errs.empty():
		draw(http.StatusUnprocessableEntity, e.base, "")
		return
	}
	v, cancelled, ok := h.applyForm(c, e, action, func(status int, err error) {
		if !errors.Is(err, booking.ErrVersionMoved) {
			place(err)
			draw(status, e.base, "")
			return
		}
		// The form comes back made from the latest version, to save again.
		base := e.base
		if latest, err := h.scheduler.StoredCatalogue(c.Request.Context(), 0); err == nil {
			base = latest.Number
		}
		draw(status, base, render.Locale(c).T("catalogue.moved"))
	})
	if ok {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s?done=saved&version=%d&cancelled=%d", action, v.Number, len(cancelled)))
	}
}

// formAgain draws a form again with a status and the error that sent it
// back: ErrVersionMoved, or one entryProblems reads.
type formAgain func(status int, err error)

// applyForm applies a change posted by a form and reports whether it did.
// Otherwise it has answered: a change that strands bookings lists them and
// asks to cancel them (posting the form's values again to action); a
// request to cancel them without a fit reason asks again; a change made
// from an old version or with wrong fields goes back to its form (again);
// anything else is an error page.
func (h *Handler) applyForm(c *gin.Context, e catalogueEdit, action string, again formAgain) (booking.CatalogueVersion, []booking.Booking, bool) {
	v, cancelled, err := h.applyCatalogue(c, e)
	var stranded *booking.StrandedError
	if problems, ok := entryProblems(err); ok && e.cancel && len(problems) == 1 && problems[0].Field == "reason" {
		// Without cancelling, the change lists the bookings it strands,
		// or applies if meanwhile it strands none.
		e.cancel = false
		v, cancelled, err = h.applyCatalogue(c, e)
		if errors.As(err, &stranded) {
			l := render.Locale(c)
			h.renderStranded(c, http.StatusUnprocessableEntity, action, stranded.Bookings,
				formError{Text: l.T("catalogue.reason_missing", "Max", booking.MaxNotes), Lang: l.Tag()})
			return booking.CatalogueVersion{}, nil, false
		}
	}
	switch _, invalid := entryProblems(err); {
	case err == nil:
		return v, cancelled, true
	case errors.Is(err, booking.ErrVersionMoved):
		again(http.StatusConflict, err)
	case errors.As(err, &stranded):
		h.renderStranded(c, http.StatusConflict, action, stranded.Bookings, formError{})
	case invalid:
		again(http.StatusUnprocessableEntity, err)
	default:
		render.FailPage(c, err)
	}
	return booking.CatalogueVersion{}, nil, false
}

// problemText says in words why a change went back to its form, for a
// page that maps no field: the loader's messages, one a line.
func problemText(l interface{ T(string, ...any) string }, err error) string {
	if errors.Is(err, booking.ErrVersionMoved) {
		return l.T("catalogue.moved")
	}
	problems, _ := entryProblems(err)
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "; ")
}

// The page that asks to cancel stranded bookings.

type strandedPage struct {
	catalogueView
	Action   string
	Hidden   []hiddenValue
	Bookings []strandedLine
	Reason   catalogueField
}

type hiddenValue struct{ Name, Value string }

type strandedLine struct {
	Reference, When, Name, Services, Why string
}

// renderStranded lists the bookings a change would strand and offers to
// apply it and cancel them with a reason, posting the change's form again
// to action, or to go back to the form.
func (h *Handler) renderStranded(c *gin.Context, status int, action string, bookings []booking.Stranded, reasonError formError) {
	p := strandedPage{catalogueView: h.catalogueView(c, "stranded", "catalogue.stranded_title"), Action: action}
	p.LinkLanguages(strings.TrimSuffix(action, "/revert"))
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.Request.PostForm {
			if !yield(k) {
				return
			}
		}
	}) {
		if name == "cancel_stranded" || name == "reason" || name == "review" {
			continue
		}
		for _, v := range c.Request.PostForm[name] {
			p.Hidden = append(p.Hidden, hiddenValue{Name: name, Value: v})
		}
	}
	loc := h.scheduler.Location()
	cat := h.scheduler.Catalogue()
	for _, s := range bookings {
		b := s.Booking
		start := b.Start.In(loc)
		line := strandedLine{Reference: b.Reference, Name: b.Name,
			When:     p.L.Date(start) + " " + p.L.Clock(start) + "–" + p.L.Clock(b.End.In(loc)),
			Services: strings.Join(serviceNames(cat, b.Services, p.L.Tag()), " + ")}
		switch s.Why {
		case booking.StrandedService:
			line.Why = p.L.T("catalogue.why_service", "Service", serviceName(cat, s.Subject, p.L.Tag()))
		case booking.StrandedInterpreter:
			line.Why = p.L.T("catalogue.why_interpreter", "Language", p.L.LanguageName(s.Subject))
		default:
			line.Why = p.L.T("catalogue.why_" + s.Why)
		}
		p.Bookings = append(p.Bookings, line)
	}
	p.Reason = catalogueField{Name: "reason", Label: p.L.T("catalogue.reason"), Hint: p.L.T("catalogue.reason_hint"),
		Type: "text", Value: c.PostForm("reason"), Error: reasonError}
	if reasonError.Text != "" {
		p.Errors = []summaryLine{{ID: "reason", Label: p.Reason.Label, formError: reasonError}}
	}
	render.Render(c, status, catalogueTemplate, p)
}

// postedValue returns the posted value of a field, or def if the form did
// not send it: a form drawn again keeps what was typed.
func postedValue(posted url.Values, name, def string) string {
	if posted == nil {
		return def
	}
	if _, ok := posted[name]; !ok {
		return def
	}
	return strings.TrimSpace(posted.Get(name))
}
