package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking/catalogue"
	"github.com/ics-booking/icsbooking/staff"
)

var (
	formTag     = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	inputTag    = regexp.MustCompile(`<input[^>]*>`)
	textareaTag = regexp.MustCompile(`(?s)<textarea([^>]*)>(.*?)</textarea>`)
	selectTag   = regexp.MustCompile(`(?s)<select([^>]*)>(.*?)</select>`)
	optionTag   = regexp.MustCompile(`<option[^>]*>`)
	attribute   = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

// attributes reads an element's attributes.
func attributes(tag string) map[string]string {
	attrs := map[string]string{}
	for _, m := range attribute.FindAllStringSubmatch(tag, -1) {
		attrs[m[1]] = html.UnescapeString(m[2])
	}
	return attrs
}

// formValues reads what the page's form posting to action would send as
// it is: its inputs, checked boxes, text areas and chosen options.
func formValues(t *testing.T, page, action string) url.Values {
	t.Helper()
	for _, f := range formTag.FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(f[1]) != action {
			continue
		}
		values := url.Values{}
		for _, tag := range inputTag.FindAllString(f[2], -1) {
			a := attributes(strings.TrimPrefix(tag, "<input"))
			if a["name"] == "" || a["type"] == "submit" || (a["type"] == "checkbox" && !hasAttr(tag, "checked")) {
				continue
			}
			values.Add(a["name"], a["value"])
		}
		for _, m := range textareaTag.FindAllStringSubmatch(f[2], -1) {
			values.Add(attributes(m[1])["name"], html.UnescapeString(m[2]))
		}
		for _, m := range selectTag.FindAllStringSubmatch(f[2], -1) {
			for _, o := range optionTag.FindAllString(m[2], -1) {
				if hasAttr(o, "selected") {
					values.Add(attributes(m[1])["name"], attributes(strings.TrimPrefix(o, "<option"))["value"])
				}
			}
		}
		return values
	}
	t.Fatalf("no form posting to %s in\n%s", action, page)
	return nil
}

func hasAttr(tag, name string) bool {
	return regexp.MustCompile(`\s` + name + `[\s>]`).MatchString(tag)
}

// catalogueForms drives the catalogue's pages as an admin would, without
// JavaScript.
type catalogueForms struct {
	a      *app
	cookie string
}

// get fetches a page, which must answer 200, unescaped.
func (f catalogueForms) get(path string) string {
	f.a.t.Helper()
	r := f.a.do("GET", path, nil, "Cookie", f.cookie)
	if r.status != 200 {
		f.a.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return string(r.body)
}

// post sends a form without following its redirect.
func (f catalogueForms) post(path string, values url.Values) response {
	f.a.t.Helper()
	return f.a.doNoRedirect("POST", path, values.Encode(), "Cookie", f.cookie, "Content-Type", "application/x-www-form-urlencoded")
}

// The pages edit a center and a service, keep what was typed with the
// loader's messages next to the fields, refuse an edit of an old version,
// list the bookings a change strands and cancel them with a reason, show
// a version's changes, restore one and download the file.
func TestCataloguePages(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.seedCatalogue()
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		a.addStaff("ole@ics.dk", "odense", staff.RoleStaff)
		f := catalogueForms{a: a, cookie: a.login("admin@ics.dk")}
		const center = "/staff/catalogue/centers/aarhus"

		// Admins only.
		for _, who := range []string{"mette@ics.dk", "ole@ics.dk"} {
			cookie := a.login(who)
			for _, path := range []string{"/staff/catalogue", center, "/staff/catalogue/versions/1", "/staff/catalogue/export"} {
				if r := a.do("GET", path, nil, "Cookie", cookie); r.status != http.StatusForbidden {
					t.Errorf("%s GET %s: %d, want 403", who, path, r.status)
				}
			}
			r := a.doNoRedirect("POST", center, "version=1", "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
			if r.status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who, center, r.status)
			}
		}
		if r := a.doNoRedirect("GET", "/staff/catalogue", nil); r.status != http.StatusSeeOther {
			t.Errorf("without a session: %d, want a redirect to the login", r.status)
		}
		home := f.get("/staff")
		if !strings.Contains(home, `href="/staff/catalogue"`) {
			t.Error("the admin's start page does not link to the catalogue")
		}

		overview := html.UnescapeString(f.get("/staff/catalogue"))
		for _, want := range []string{"Version 1 is in use", `href="/staff/catalogue/centers/aarhus">Aarhus ICS Center`,
			`href="/staff/catalogue/services/tax-card"`, `href="/staff/catalogue/export"`, `href="/staff/catalogue/versions/1"`} {
			if !strings.Contains(overview, want) {
				t.Errorf("overview lacks %s", want)
			}
		}

		// Saturdays open, and special hours for December.
		values := formValues(t, f.get(center), center)
		if values.Get("hours.mon.open") != "09:00" || values.Get("version") != "1" || values.Get("address") == "" {
			t.Fatalf("the form is not filled from the catalogue: %v", values)
		}
		values.Set("hours.sat.open", "10:00")
		values.Set("hours.sat.close", "14:00")
		values.Set("special_hours[0].from", "2026-12-07")
		values.Set("special_hours[0].to", "2026-12-11")
		values.Set("special_hours[0].hours.mon.open", "08:00")
		values.Set("special_hours[0].hours.mon.close", "17:00")
		values.Set("special_hours[0].hours.fri.closed", "1")
		values.Set("interpreters.uk", "3")
		values.Set("new_interpreter_language", "ti")
		values.Set("new_interpreter_count", "1")
		r := f.post(center, values)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != center+"?done=saved&version=2&cancelled=0" {
			t.Fatalf("save: %d %v %s", r.status, r.header, r.body)
		}
		if page := f.get(r.header.Get("Location")); !strings.Contains(page, "Saved as version 2") {
			t.Error("no notice after saving")
		}
		if n := len(a.slots("aarhus", "service="+permit+"&from="+nextSaturday+"&to="+nextSaturday)); n == 0 {
			t.Error("no Saturday slots after the change")
		}
		december := a.slots("aarhus", "service="+permit+"&from=2026-12-07&to=2026-12-11")
		if _, ok := december["2026-12-07T08:00:00+01:00"]; !ok {
			t.Error("the special hours do not open Monday 7 December at 08:00")
		}
		for start := range december {
			if strings.HasPrefix(start, "2026-12-11") {
				t.Errorf("Friday 11 December is closed by the special hours, yet %s is offered", start)
			}
		}
		// Newcomers read the special hours on the center's page, and
		// programs in the API.
		for lang, want := range map[string]string{
			"en": "Monday 7 December 2026 – Friday 11 December 2026</strong><br>Monday 08:00–17:00<br>Friday Closed<br>",
			"da": "Mandag den 7. december 2026 – fredag den 11. december 2026</strong><br>Mandag 08.00–17.00<br>Fredag Lukket<br>",
		} {
			if _, page := a.pageIn("/centers/aarhus", lang); !strings.Contains(page, want) {
				t.Errorf("the center's page in %s does not say the special hours:\n%s", lang, page)
			}
		}
		var api struct {
			SpecialHours []struct {
				From, To string
				Hours    []struct {
					Day, Open, Close string
					Closed           bool
				}
			} `json:"special_hours"`
		}
		if r := a.do("GET", "/api/v1/centers/aarhus", nil); r.status != http.StatusOK || json.Unmarshal(r.body, &api) != nil {
			t.Fatalf("GET /api/v1/centers/aarhus: %d %s", r.status, r.body)
		}
		if got := fmt.Sprint(api.SpecialHours); got != "[{2026-12-07 2026-12-11 [{monday 08:00 17:00 false} {friday   true}]}]" {
			t.Errorf("GET /api/v1/centers/aarhus: special hours %s", got)
		}
		cat := a.scheduler.Catalogue()
		aarhus, _ := cat.Center("aarhus")
		if aarhus.Interpreters["uk"] != 3 || aarhus.Interpreters["ti"] != 1 {
			t.Errorf("interpreters %v", aarhus.Interpreters)
		}

		// Wrong hours: the loader's message next to the field, what was
		// typed kept.
		values = formValues(t, f.get(center), center)
		values.Set("hours.mon.open", "15:00")
		values.Set("hours.mon.close", "09:00")
		values.Set("desks", "many")
		values.Set("phone", "+45 11 22 33 44")
		r = f.post(center, values)
		page := html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong desks: %d", r.status)
		}
		if !strings.Contains(page, `id="desks-error" lang="en">Write a whole number.`) || !strings.Contains(page, `value="+45 11 22 33 44"`) {
			t.Errorf("the form's own check: %s", page)
		}
		values.Set("desks", "3")
		r = f.post(center, values)
		page = html.UnescapeString(string(r.body))
		_, _, loaderErr := catalogue.Check("x", catalogue.File{TimeZone: "Europe/Copenhagen",
			Centers: []catalogue.Center{{ID: "a", Hours: catalogue.Hours{"mon": "15:00-09:00"}}}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(loaderErr.Error(), `hours.mon: "15:00-09:00" closes before it opens`) ||
			!strings.Contains(page, `<p class="field-error" id="hours-mon-error">Monday: <span lang="en">"15:00-09:00" closes before it opens</span></p>`) ||
			!strings.Contains(page, `href="#hours-mon"`) || !strings.Contains(page, `value="+45 11 22 33 44"`) {
			t.Errorf("wrong hours: %d\n%s", r.status, page)
		}

		// An edit of version 1 comes after version 2: shown again to save.
		values = formValues(t, f.get(center), center)
		values.Set("version", "1")
		values.Set("phone", "+45 99 99 99 99")
		r = f.post(center, values)
		page = html.UnescapeString(string(r.body))
		if r.status != http.StatusConflict || !strings.Contains(page, "Someone else changed the catalogue meanwhile") ||
			!strings.Contains(page, `name="version" value="2"`) || !strings.Contains(page, `value="+45 99 99 99 99"`) {
			t.Errorf("an edit of an old version: %d\n%s", r.status, page)
		}

		// A Saturday booking: closing Saturdays lists it; cancelling needs
		// a reason; then it is cancelled with an email.
		ref, _ := a.book(bookingBody("aarhus", permit, nextSaturday+"T10:00:00+01:00"))
		values = formValues(t, f.get(center), center)
		values.Set("hours.sat.open", "")
		values.Set("hours.sat.close", "")
		r = f.post(center, values)
		page = html.UnescapeString(string(r.body))
		if r.status != http.StatusConflict || !strings.Contains(page, ref) || !strings.Contains(page, "Outside the new opening hours.") {
			t.Fatalf("stranding change: %d\n%s", r.status, page)
		}
		confirm := formValues(t, page, center)
		if confirm.Get("hours.sat.open") != "" || confirm.Get("hours.mon.open") != "09:00" || confirm.Get("version") != "2" {
			t.Errorf("the confirmation does not carry the form: %v", confirm)
		}
		confirm.Set("cancel_stranded", "1")
		r = f.post(center, confirm)
		if page := html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="reason-error"`) {
			t.Errorf("cancelling without a reason: %d\n%s", r.status, page)
		}
		if n := a.activeBookings(); n != 1 {
			t.Fatalf("%d active bookings, want 1", n)
		}
		confirm.Set("reason", "We no longer open on Saturdays")
		r = f.post(center, confirm)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != center+"?done=saved&version=3&cancelled=1" {
			t.Fatalf("cancel and save: %d %v %s", r.status, r.header, r.body)
		}
		if n := a.emails(ref, "cancellation"); n != 1 || a.activeBookings() != 0 {
			t.Errorf("%d cancellation emails, %d active bookings", n, a.activeBookings())
		}

		// A service: its Danish name and duration; a duration off the grid
		// gets the loader's message.
		const service = "/staff/catalogue/services/tax-card"
		values = formValues(t, f.get(service), service)
		if values.Get("translations.da.name") == "" || values.Get("mode") != "both" || values.Get("duration") != "30" {
			t.Fatalf("the service's form: %v", values)
		}
		values.Set("duration", "50")
		r = f.post(service, values)
		if page := html.UnescapeString(string(r.body)); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(page, `id="duration-error" lang="en">"50m" is not a positive multiple of 15m`) {
			t.Errorf("a duration off the grid: %d\n%s", r.status, page)
		}
		values.Set("duration", "45")
		values.Set("translations.da.name", "Skattekort")
		values.Set("bring", values.Get("bring")+"\nPayslips")
		values.Set("translations.da.bring", values.Get("translations.da.bring")+"\nLønsedler")
		if r := f.post(service, values); r.status != http.StatusSeeOther {
			t.Fatalf("save the service: %d %s", r.status, r.body)
		}
		tax, _ := a.scheduler.Catalogue().Service("tax-card")
		if tax.Duration.Minutes() != 45 || tax.In("da").Name != "Skattekort" || tax.Bring[len(tax.Bring)-1] != "Payslips" {
			t.Errorf("service after the change: %+v", tax)
		}

		// A version's changes, and restoring version 1.
		page = html.UnescapeString(f.get("/staff/catalogue/versions/2"))
		for _, want := range []string{`<dt lang="en">hours.sat</dt>`, "closed</del>", "10:00-14:00</ins>", "special_hours[0]", `Aarhus ICS Center <span class="hint" lang="en">center "aarhus"</span>`} {
			if !strings.Contains(page, want) {
				t.Errorf("version 2's changes lack %s", want)
			}
		}
		revert := formValues(t, page, "/staff/catalogue/versions/2/revert")
		if revert.Get("version") != "4" {
			t.Errorf("the revert is made from version %s, want 4", revert.Get("version"))
		}
		page = f.get("/staff/catalogue/versions/1")
		r = f.post("/staff/catalogue/versions/1/revert", formValues(t, page, "/staff/catalogue/versions/1/revert"))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/catalogue/versions/5?done=reverted&version=5&from=1&cancelled=0" {
			t.Fatalf("revert: %d %v %s", r.status, r.header, r.body)
		}
		tax, _ = a.scheduler.Catalogue().Service("tax-card")
		if tax.Duration.Minutes() != 30 {
			t.Errorf("after restoring version 1 the tax card takes %s", tax.Duration)
		}

		// The file to download reads back as the catalogue in use.
		r = a.do("GET", "/staff/catalogue/export", nil, "Cookie", f.cookie)
		if r.status != 200 || r.header.Get("Content-Disposition") != `attachment; filename="catalogue-v5.yaml"` ||
			!strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
			t.Fatalf("export: %d %v", r.status, r.header)
		}
		if _, _, err := catalogue.Parse("export.yaml", r.body); err != nil {
			t.Errorf("the export does not parse: %v", err)
		}
		entries, _ := a.staff.Entries(t.Context(), 20)
		var audited []string
		for _, e := range entries {
			if e.Action == staff.ActionCatalogueChange {
				audited = append(audited, e.Subject)
			}
		}
		if strings.Join(audited, ",") != "version 5,version 4,version 3,version 2" {
			t.Errorf("audited %v", audited)
		}
	})
}

// TestCatalogueInBrowser looks at the catalogue's pages in both languages
// at 1280, 768 and 360 px, running axe-core on each, with the keyboard
// where a person would use it: the overview, a center's form and its
// errors, the page that lists the bookings a change strands, a service's
// form saved, and a version's changes.
func TestCatalogueInBrowser(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.seedCatalogue()
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	// Saturdays open, with a booking that closing them would strand.
	admin := a.login("admin@ics.dk")
	doc := a.getCatalogue(admin)
	doc.Centers = slices.Clone(doc.Centers)
	openSaturdays(&doc.File, t)
	centerIn(t, &doc.File, "aarhus").SpecialHours = []catalogue.SpecialHours{
		{From: "2026-12-21", To: "2026-12-23", Hours: catalogue.Hours{"mon": "08:00-17:00", "wed": "closed"}}}
	if r := a.putCatalogue(admin, `"1"`, doc.File, ""); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	a.book(bookingBody("aarhus", permit, nextSaturday+"T10:00:00+01:00"))

	for _, opt := range []tabOptions{desktop, tablet, phone} {
		b := openTab(t, opt)
		b.do(chromedp.Navigate(a.srv.URL + "/staff/login"))
		b.press("#email", "admin@ics.dk")
		b.press("#password", staffPassword)
		b.press("form.login button", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/catalogue"]`)))
		for _, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/staff?lang=" + lang))
			b.press(`a[href="/staff/catalogue"]`, kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#in-use")))
			b.check("catalogue-" + lang)

			b.press(`a[href="/staff/catalogue/centers/aarhus"]`, kb.Enter)
			b.do(chromedp.WaitVisible(chromedp.CSS("#save")))
			b.check("catalogue-center-" + lang)
			// Monday closing before it opens: the loader's message at
			// the field, linked from the summary.
			b.do(chromedp.SetValue("#hours-mon", "15:00"), chromedp.SetValue("#hours-mon-close", "09:00"))
			b.submit("#save")
			b.do(chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.contains("#hours-mon-error", `"15:00-09:00" closes before it opens`)
			b.check("catalogue-center-errors-" + lang)
			// Closing Saturdays again strands the booking.
			b.do(chromedp.Navigate(a.srv.URL + "/staff/catalogue/centers/aarhus"))
			b.do(chromedp.SetValue("#hours-sat", ""), chromedp.SetValue("#hours-sat-close", ""))
			b.submit("#save")
			b.do(chromedp.WaitVisible(chromedp.CSS("#cancel-stranded")))
			b.check("catalogue-stranded-" + lang)
			b.submit("#review")
			b.do(chromedp.WaitVisible(chromedp.CSS("#save")))

			b.do(chromedp.Navigate(a.srv.URL + "/staff/catalogue/services/tax-card"))
			b.do(chromedp.WaitVisible(chromedp.CSS("#save")))
			b.check("catalogue-service-" + lang)
			b.do(chromedp.SetValue("#translations-da-name", "Skattekort "+lang+fmt.Sprint(opt.width)))
			b.submit("#save")
			b.do(chromedp.WaitVisible(chromedp.CSS("#notice")))
			b.check("catalogue-service-saved-" + lang)

			b.do(chromedp.Navigate(a.srv.URL + "/staff/catalogue/versions/2"))
			b.do(chromedp.WaitVisible(chromedp.CSS("#revert")))
			b.check("catalogue-version-" + lang)
		}
	}
}

// submit presses Enter on a button of a form too long to tab through in a
// test: it takes focus first, as a person would by clicking it.
func (b *tab) submit(sel string) {
	b.t.Helper()
	b.do(chromedp.Focus(sel), chromedp.KeyEvent(kb.Enter))
}
