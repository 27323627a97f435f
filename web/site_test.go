package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/ics-booking/icsbooking/booking"
)

// sitePages are the newcomer pages that need no booking.
var sitePages = []string{
	"/", "/centers/aarhus", "/services/cpr-number", "/services/general-information", "/faq", "/privacy", "/accessibility",
	"/book", "/book/aarhus", "/book/aarhus/" + permit, "/book/aarhus/general-information", "/book/aarhus/document-translation",
	"/book/aarhus/" + permit + "/details?start=2026-11-30T09:00:00%2B01:00",
	"/centers/aarhus/kiosk", "/centers/aarhus/display",
}

// TestPagesInBothLanguages serves every page in the language the browser
// asks for, light, and under a policy that allows no inline code.
func TestPagesInBothLanguages(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	for _, path := range sitePages {
		for accept, want := range map[string]string{"": "en", "da-DK,da;q=0.9,en;q=0.5": "da", "nb": "da", "de": "en"} {
			r := a.do("GET", path, nil, "Accept-Language", accept)
			body := string(r.body)
			if r.status != 200 || !strings.Contains(body, `<html lang="`+want+`">`) || r.header.Get("Content-Language") != want {
				t.Errorf("%s in %q: %d, lang %s, want %s", path, accept, r.status, r.header.Get("Content-Language"), want)
			}
			if len(r.body) > 50<<10 {
				t.Errorf("%s: %d bytes, more than 50 KB", path, len(r.body))
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("%s: Content-Security-Policy %q", path, csp)
			}
			if regexp.MustCompile(`(?i)<style|style="|<script>|\son[a-z]+="`).MatchString(body) {
				t.Errorf("%s: inline style or script, which the policy blocks", path)
			}
			if !strings.Contains(body, `<link rel="manifest" href="/manifest.webmanifest">`) || !strings.Contains(body, `href="#main"`) {
				t.Errorf("%s: no manifest link or skip link", path)
			}
		}
	}
	// Messages the Danish pages must not fall back from.
	r := a.do("GET", "/", nil, "Accept-Language", "da")
	for _, want := range []string{"Bestil en tid", "Åbent nu, til kl. 15.00", "Registrering", "Hjælp til at søge om sundhedskort", "Mandag–fredag 09.00–15.00"} {
		if !strings.Contains(html.UnescapeString(string(r.body)), want) {
			t.Errorf("Danish home page lacks %q", want)
		}
	}
}

// TestLanguageSwitch remembers the language picked with ?lang= over the
// browser's.
func TestLanguageSwitch(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	r := a.doNoRedirect("GET", "/faq?lang=da", nil)
	cookie := r.header.Get("Set-Cookie")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/faq" || !strings.Contains(cookie, "lang=da") ||
		!strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Fatalf("switch: %d %v", r.status, r.header)
	}
	r = a.do("GET", "/faq", nil, "Cookie", "lang=da", "Accept-Language", "en")
	if !strings.Contains(string(r.body), `<html lang="da">`) || !strings.Contains(string(r.body), "Spørgsmål og svar") {
		t.Errorf("with the cookie: %s", r.body)
	}
	// The switch names the page's language and links to the same page,
	// its query kept, in the others, always in the same order.
	for _, tt := range []struct{ lang, want string }{
		{"da", `<li><a href="/faq?lang=en&amp;x=1" lang="en" hreflang="en">English</a></li><li><span aria-current="true" lang="da">Dansk</span></li>`},
		{"en", `<li><span aria-current="true" lang="en">English</span></li><li><a href="/faq?lang=da&amp;x=1" lang="da" hreflang="da">Dansk</a></li>`},
	} {
		r = a.do("GET", "/faq?x=1", nil, "Cookie", "lang="+tt.lang)
		label := map[string]string{"en": "Language", "da": "Sprog"}[tt.lang]
		if !strings.Contains(string(r.body), `<nav class="languages" aria-label="`+label+`"><ul>`+"\n"+tt.want+"\n</ul></nav>") {
			t.Errorf("%s: no language switch %s in %s", tt.lang, tt.want, r.body)
		}
	}
}

// TestManifestAndStaticFiles: the app manifest and its icons, and files
// versioned by content, cached for good.
func TestManifestAndStaticFiles(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	r := a.do("GET", "/manifest.webmanifest", nil)
	var m struct {
		Name, ShortName, StartURL, Display, ThemeColor string
		Icons                                          []struct{ Src, Sizes, Type string }
	}
	if r.status != 200 || r.header.Get("Content-Type") != "application/manifest+json" || json.Unmarshal(r.body, &m) != nil {
		t.Fatalf("manifest: %d %s", r.status, r.header.Get("Content-Type"))
	}
	sizes := map[string]string{}
	for _, icon := range m.Icons {
		sizes[icon.Sizes] = icon.Type
		if r := a.do("GET", icon.Src, nil); r.status != 200 || r.header.Get("Content-Type") != icon.Type {
			t.Errorf("icon %s: %d %s", icon.Src, r.status, r.header.Get("Content-Type"))
		}
	}
	if m.Name == "" || sizes["192x192"] != "image/png" || sizes["512x512"] != "image/png" || sizes["any"] != "image/svg+xml" {
		t.Errorf("manifest %+v", m)
	}
	css := regexp.MustCompile(`href="(/static/site\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(string(a.do("GET", "/", nil).body))
	if css == nil {
		t.Fatal("no versioned stylesheet on the home page")
	}
	if r := a.do("GET", css[1], nil); r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", r.status, r.header)
	}
	if r := a.do("GET", "/static/site.css?v=old", nil); r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("an old version is cached: %v", r.header)
	}
}

// TestCenterPage names the closed days of the next four weeks: holidays,
// the yearly days and closures staff entered.
func TestCenterPage(t *testing.T) {
	a := newApp(t, "sqlite", time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
	_, err := a.scheduler.AddClosure(context.Background(), booking.Closure{Center: "aarhus", Day: booking.Date{Year: 2026, Month: 12, Day: 18}, Reason: "Staff training"})
	if err != nil {
		t.Fatal(err)
	}
	body := html.UnescapeString(string(a.do("GET", "/centers/aarhus", nil).body))
	for _, want := range []string{"Friday 18 December 2026: Staff training", "Thursday 24 December 2026: Christmas Eve",
		"Friday 25 December 2026: Christmas Day", "Thursday 31 December 2026: New Year's Eve", "Open now, until 15:00", "openstreetmap.org"} {
		if !strings.Contains(body, want) {
			t.Errorf("center page lacks %q", want)
		}
	}
	if strings.Contains(body, "Saturday 26 December") {
		t.Error("a weekend day is listed as closed")
	}
	da := html.UnescapeString(string(a.do("GET", "/centers/aarhus", nil, "Accept-Language", "da").body))
	if !strings.Contains(da, "fredag den 25. december 2026: Juledag") {
		t.Errorf("Danish center page lacks Juledag")
	}
	evening := newApp(t, "sqlite", time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)) // Friday 17:00
	if body := string(evening.do("GET", "/", nil).body); !strings.Contains(body, "Closed now, opens Monday at 09:00") {
		t.Errorf("Friday evening home page:\n%s", body)
	}
}

// bookForm posts the details form of a booking.
func (a *app) bookForm(start string, values url.Values) response {
	a.t.Helper()
	values.Set("start", start)
	body, h := form(values)
	return a.doNoRedirect("POST", "/book/aarhus/"+permit, body, h...)
}

// TestBookingForm: errors next to their fields with the values kept, one
// booking for a form sent twice, a time taken meanwhile back on the times
// page with the details kept.
func TestBookingForm(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		const nine = "2026-11-30T09:00:00+01:00"

		r := a.bookForm(nine, url.Values{"name": {"Ana"}, "email": {"not an address"}, "key": {"form-0123456789abcdef"}})
		body := html.UnescapeString(string(r.body))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#email"`) || !strings.Contains(body, `href="#consent"`) ||
			strings.Contains(body, `href="#name"`) || !strings.Contains(body, `value="Ana"`) || !strings.Contains(body, `value="not an address"`) ||
			!strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `aria-describedby="email-error"`) {
			t.Errorf("invalid details: %d\n%s", r.status, body)
		}
		if n := a.activeBookings(); n != 0 {
			t.Fatalf("%d bookings after invalid details", n)
		}

		good := url.Values{"name": {"Ana Silva"}, "email": {"ana@example.com"}, "consent": {"yes"}, "key": {"form-abcdefghijklmnop"}}
		first, second := a.bookForm(nine, good), a.bookForm(nine, good)
		if first.status != http.StatusSeeOther || second.header.Get("Location") != first.header.Get("Location") ||
			!strings.Contains(first.header.Get("Location"), "/confirmation?token=") {
			t.Errorf("sent twice: %d %s, %d %s", first.status, first.header.Get("Location"), second.status, second.header.Get("Location"))
		}
		if n := a.activeBookings(); n != 1 {
			t.Errorf("%d bookings after sending the form twice, want 1", n)
		}
		conf := a.do("GET", first.header.Get("Location"), nil)
		cb := html.UnescapeString(string(conf.body))
		if conf.status != 200 || conf.header.Get("Cache-Control") != "no-store" || !strings.Contains(cb, "Your appointment is booked") ||
			!strings.Contains(cb, "Banegårdspladsen 1A") || !strings.Contains(cb, "Passport") || !strings.Contains(cb, "/invitation.ics?token=") {
			t.Errorf("confirmation %d:\n%s", conf.status, cb)
		}

		// Two more take the other desks at 09:00; the next newcomer is sent
		// back to the times, with what they typed.
		for _, k := range []string{"form-bbbbbbbbbbbbbbbb", "form-cccccccccccccccc"} {
			more := url.Values{"name": {"B"}, "email": {"b@example.com"}, "consent": {"yes"}, "key": {k}}
			if r := a.bookForm(nine, more); r.status != http.StatusSeeOther {
				t.Fatalf("book: %d", r.status)
			}
		}
		late := url.Values{"name": {"Lin Wei"}, "email": {"lin@example.com"}, "phone": {"+45 12 34 56 78"}, "consent": {"yes"}, "key": {"form-dddddddddddddddd"}}
		r = a.bookForm(nine, late)
		body = html.UnescapeString(string(r.body))
		if r.status != http.StatusConflict || !strings.Contains(body, "that time was taken") || !strings.Contains(body, `name="name" value="Lin Wei"`) ||
			!strings.Contains(body, `name="phone" value="+45 12 34 56 78"`) || strings.Contains(body, `value="`+nine+`"`) {
			t.Errorf("time taken: %d\n%s", r.status, body)
		}
	})
}

// TestWalkInNeedsNoBooking: a walk-in service says so, when to come and
// what to bring.
func TestWalkInNeedsNoBooking(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	body := html.UnescapeString(string(a.do("GET", "/book/aarhus/general-information", nil).body))
	if !strings.Contains(body, "You do not need to book this service") || !strings.Contains(body, "Monday–Friday 09:00–15:00") ||
		strings.Contains(body, `name="start"`) {
		t.Errorf("walk-in page:\n%s", body)
	}
	// Translation needs a language first, and offers only the center's.
	body = string(a.do("GET", "/book/aarhus/document-translation", nil).body)
	if strings.Contains(body, `name="start"`) || !strings.Contains(body, `<option value="ar">Arabic</option>`) || strings.Contains(body, `value="zh"`) {
		t.Errorf("translation before a language:\n%s", body)
	}
	body = html.UnescapeString(string(a.do("GET", "/book/aarhus/document-translation?language=ar&week=2026-11-30", nil).body))
	if !strings.Contains(body, `value="2026-11-30T09:00:00+01:00"`) || !strings.Contains(body, `name="language" value="ar"`) {
		t.Errorf("translation in Arabic:\n%s", body)
	}
}

// TestInvitationDownload offers the invitation the emails carry.
func TestInvitationDownload(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	r := a.do("GET", "/bookings/"+ref+"/invitation.ics?token="+url.QueryEscape(token), nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(r.header.Get("Content-Disposition"), ref+".ics") {
		t.Fatalf("download: %d %v", r.status, r.header)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 1 || events[0].Id() != ref+"@booking.example.dk" {
		t.Fatalf("events %v", events)
	}
	start, err := events[0].GetStartAt()
	if err != nil || !start.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("start %v %v", start, err)
	}
	if r := a.do("GET", "/bookings/"+ref+"/invitation.ics?token=wrong", nil); r.status != 404 {
		t.Errorf("wrong token: %d", r.status)
	}
}
