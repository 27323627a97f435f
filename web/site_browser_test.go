package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking"
)

// TestBookInBrowser books, moves and cancels through the pages as a
// newcomer would, clicking, in English and in Danish, checking every page
// it passes with axe-core.
func TestBookInBrowser(t *testing.T) {
	for _, tt := range []struct {
		lang                            string
		book, service, time, booked     string
		moved, cancelYes, cancelledText string
	}{
		{"en", "Book an appointment", "Residence permit renewal guidance", "Monday 30 November 2026", "Your appointment is booked",
			"has been moved", "Yes, cancel my appointment", "Cancelled"},
		{"da", "Bestil en tid", "Vejledning om forlængelse af opholdstilladelse", "Mandag den 30. november 2026", "Din tid er bestilt",
			"Din tid er flyttet", "Ja, aflys min tid", "Aflyst"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			a := newApp(t, "sqlite", thursday)
			b := openTab(t, desktop)
			b.do(chromedp.Navigate(a.srv.URL + "/?lang=" + tt.lang))
			b.check("home-" + tt.lang)
			b.contains("main .button", tt.book)

			b.do(chromedp.Click(chromedp.CSS("main .button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/book/aarhus"]`)))
			b.check("book-center-" + tt.lang)
			b.do(chromedp.Click(chromedp.CSS(`a[href="/book/aarhus"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/book/aarhus/`+permit+`"]`)))
			b.check("book-service-" + tt.lang)
			b.contains(`a[href="/book/aarhus/`+permit+`"]`, tt.service)
			b.do(chromedp.Click(chromedp.CSS(`a[href="/book/aarhus/`+permit+`"]`)), chromedp.WaitVisible(chromedp.CSS("#choose-time")))
			b.check("book-time-" + tt.lang)
			b.do(chromedp.Click(chromedp.CSS("#next-week")), chromedp.WaitVisible(chromedp.CSS("#day-2026-11-30")))
			b.contains("#day-2026-11-30 legend", tt.time)

			b.do(
				chromedp.Click(chromedp.CSS(`input[value="2026-11-30T10:00:00+01:00"]`)),
				chromedp.Click(chromedp.CSS("#choose-time")),
				chromedp.WaitVisible(chromedp.CSS("#name")),
			)
			// Sent empty first: the errors come back next to their fields.
			b.do(chromedp.Click(chromedp.CSS("#book")), chromedp.WaitVisible(chromedp.CSS("#errors")))
			b.check("book-details-errors-" + tt.lang)
			b.do(
				chromedp.SendKeys(chromedp.CSS("#name"), "Ana Silva"),
				chromedp.SendKeys(chromedp.CSS("#email"), "ana@example.com"),
				chromedp.Click(chromedp.CSS("#consent")),
				chromedp.Click(chromedp.CSS("#book")),
				chromedp.WaitVisible(chromedp.CSS("#manage-link")),
			)
			b.check("confirmation-" + tt.lang)
			b.contains("h1", tt.booked)
			if n := a.activeBookings(); n != 1 {
				t.Fatalf("%d bookings after booking in the browser", n)
			}

			// From the link, as the email gives it (on the site's public
			// address, which the test server is not): move, then cancel.
			link, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("#manage-link"), "href"))
			if err != nil {
				t.Fatal(err)
			}
			manage, err := url.Parse(link.Value)
			if err != nil || !strings.HasPrefix(link.Value, "https://booking.example.dk/bookings/") {
				t.Fatalf("manage link %q", link.Value)
			}
			b.do(chromedp.Navigate(a.srv.URL+manage.RequestURI()), chromedp.WaitVisible(chromedp.CSS("#move")))
			b.check("manage-" + tt.lang)
			b.do(
				chromedp.Click(chromedp.CSS(`input[value="2026-11-30T11:00:00+01:00"]`)),
				chromedp.Click(chromedp.CSS("#move")),
				chromedp.WaitVisible(chromedp.CSS(".notice")),
			)
			b.contains(".notice", tt.moved)
			b.do(chromedp.Click(chromedp.CSS("#cancel")), chromedp.WaitVisible(chromedp.CSS("#confirm-cancel")))
			b.check("cancel-" + tt.lang)
			b.contains("#confirm-cancel", tt.cancelYes)
			b.do(chromedp.Click(chromedp.CSS("#confirm-cancel")), chromedp.WaitVisible(chromedp.CSS("#cancelled")))
			b.contains("#status", tt.cancelledText)
			if n := a.activeBookings(); n != 0 {
				t.Errorf("%d active bookings after cancelling in the browser", n)
			}
		})
	}
}

// TestBookByKeyboard books with the keyboard alone: every link, choice
// and button is reached with Tab and used with Enter or Space.
func TestBookByKeyboard(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	b := openTab(t, desktop)
	b.do(chromedp.Navigate(a.srv.URL + "/"))
	b.press(`a[href="/book"].button`, kb.Enter)
	b.press(`a[href="/book/odense"]`, kb.Enter)
	b.press(`a[href="/book/odense/`+permit+`"]`, kb.Enter)
	b.press("#next-week", kb.Enter)
	// Tab reaches the first time; arrows move within a radio group.
	b.press(`input[value="2026-11-30T09:00:00+01:00"]`, " ")
	b.press("#choose-time", kb.Enter)
	b.press("#name", "Kim Ngọc Lan")
	b.press("#email", "kim@example.com")
	b.press("#consent", " ")
	b.press("#book", kb.Enter)
	b.do(chromedp.WaitVisible(chromedp.CSS("#manage-link")))
	b.contains("#when", "Monday 30 November 2026, 09:00–09:45")
	if n := a.activeBookings(); n != 1 {
		t.Errorf("%d bookings after booking by keyboard", n)
	}
}

// press tabs forward to the element matching sel, failing if Tab never
// reaches it, and types keys there.
func (b *tab) press(sel, keys string) {
	b.t.Helper()
	b.do(chromedp.WaitReady(chromedp.CSS(sel)))
	for range 200 {
		focused, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+jsString(sel)+`)`))
		if err != nil {
			b.t.Fatal(err)
		}
		if focused {
			b.do(chromedp.KeyEvent(keys))
			return
		}
		b.do(chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("Tab never reaches %s", sel)
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestBookOnPhoneWithoutJavaScript books on a 360 px screen with
// JavaScript turned off, in Danish, and double-clicks the button that
// books: one booking.
func TestBookOnPhoneWithoutJavaScript(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	b := openTab(t, tabOptions{width: phone.width, height: phone.height, noScript: true})
	b.do(chromedp.Navigate(a.srv.URL + "/book/aalborg/" + permit + "?week=2026-11-30&lang=da"))
	b.screenshot("phone-time-da")
	b.fillDetails("2026-11-30T13:00:00+01:00", "Оксана Коваленко", "oksana@example.com")
	b.screenshot("phone-details-da")
	b.do(chromedp.DoubleClick(chromedp.CSS("#book")), chromedp.WaitVisible(chromedp.CSS("#manage-link")))
	b.screenshot("phone-confirmation-da")
	if loc := b.location(); !strings.Contains(loc, "/confirmation?token=") {
		t.Errorf("after booking at %s", loc)
	}
	if n := a.activeBookings(); n != 1 {
		t.Errorf("%d bookings after a double click, want 1", n)
	}
}

// TestEveryPageIsAccessible runs axe-core on every page at 1280 and 360
// px and at 200% zoom, where no page may scroll sideways either. Each page
// must be the page it is, in the language chosen: its heading says so (an
// error page would pass axe too).
func TestEveryPageIsAccessible(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	translation := bookingBody("aarhus", "document-translation", "2026-12-02T10:00:00+01:00")
	translation["language"] = "ar"
	ref, token := a.book(translation)
	q := "?token=" + url.QueryEscape(token)
	family, familyToken, err := a.scheduler.Book(t.Context(), booking.Request{
		Center: "aarhus", Services: []string{"cpr-number", "tax-card"}, People: 4, Start: time.Date(2026, 12, 2, 9, 0, 0, 0, a.loc),
		Name: "Amal Haddad", Email: "amal@example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	fq := "?token=" + url.QueryEscape(familyToken)
	// A ticket's page reloads itself every 15 seconds, a time limit axe
	// cannot know its own link turns off (WCAG 2.2.1); checked with it off.
	ticket := pagePath(t, a.takeTicket("aarhus", "general-information")["url"]) + "?refresh=off"
	pages := []struct {
		name, path string
		// heading is the page's h1 in English and in Danish.
		heading map[string]string
	}{
		{"kiosk", "/centers/aarhus/kiosk", map[string]string{"en": "Welcome to Aarhus ICS Center", "da": "Velkommen til Aarhus ICS Center"}},
		{"ticket", ticket, map[string]string{"en": "Your number", "da": "Dit nummer"}},
		{"display", "/centers/aarhus/display", map[string]string{"en": "Queue at Aarhus ICS Center", "da": "Kø hos Aarhus ICS Center"}},
		{"home", "/", map[string]string{"en": "International Citizen Service", "da": "International Citizen Service"}},
		{"center", "/centers/copenhagen", map[string]string{"en": "Copenhagen ICS Center", "da": "Copenhagen ICS Center"}},
		{"service", "/services/cpr-number", map[string]string{"en": "CPR number application guidance", "da": "Vejledning om at få et CPR-nummer"}},
		{"walk-in-service", "/services/general-information", map[string]string{"en": "General information", "da": "Generel information"}},
		{"faq", "/faq", map[string]string{"en": "Questions and answers", "da": "Spørgsmål og svar"}},
		{"privacy", "/privacy", map[string]string{"en": "How we handle your data", "da": "Sådan behandler vi dine oplysninger"}},
		{"accessibility", "/accessibility", map[string]string{"en": "Accessibility statement", "da": "Tilgængelighedserklæring"}},
		{"book-translation", "/book/aarhus/document-translation",
			map[string]string{"en": "Document translation – Aarhus ICS Center", "da": "Oversættelse af dokumenter – Aarhus ICS Center"}},
		{"book-walk-in", "/book/aarhus/general-information",
			map[string]string{"en": "General information – Aarhus ICS Center", "da": "Generel information – Aarhus ICS Center"}},
		{"book-visit", "/book/aarhus/cpr-number?also=tax-card&people=4",
			map[string]string{"en": "CPR number application guidance – Aarhus ICS Center", "da": "Vejledning om at få et CPR-nummer – Aarhus ICS Center"}},
		{"book-visit-errors", "/book/aarhus/cpr-number?also=tax-card&also=nope&people=5",
			map[string]string{"en": "CPR number application guidance – Aarhus ICS Center", "da": "Vejledning om at få et CPR-nummer – Aarhus ICS Center"}},
		{"visit-details", "/book/aarhus/cpr-number/details?also=tax-card&people=4&start=2026-11-30T09:00:00%2B01:00", map[string]string{"en": "Your details", "da": "Dine oplysninger"}},
		{"visit-confirmation", "/bookings/" + family.Reference + "/confirmation" + fq, map[string]string{"en": "Your appointment is booked", "da": "Din tid er bestilt"}},
		{"visit-booking", "/bookings/" + family.Reference + fq, map[string]string{"en": "Your appointment", "da": "Din tid"}},
		{"details", "/book/aarhus/" + permit + "/details?start=2026-11-30T09:00:00%2B01:00", map[string]string{"en": "Your details", "da": "Dine oplysninger"}},
		{"booking", "/bookings/" + ref + q, map[string]string{"en": "Your appointment", "da": "Din tid"}},
		{"not-found", "/bookings/AAR-000000?token=x", map[string]string{"en": "Booking not found", "da": "Bookingen findes ikke"}},
		{"unknown-page", "/nowhere", map[string]string{"en": "Page not found", "da": "Siden findes ikke"}},
	}
	for _, opt := range []tabOptions{desktop, phone, zoomed} {
		b := openTab(t, opt)
		for _, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/?lang=" + lang))
			for _, page := range pages {
				b.do(chromedp.Navigate(a.srv.URL + page.path))
				if got := b.text("h1"); got != page.heading[lang] {
					t.Errorf("%s in %s at %d px: heading %q, want %q", page.name, lang, opt.width, got, page.heading[lang])
				}
				b.check(page.name + "-" + lang)
			}
		}
	}
}

// TestBookVisitOnPhoneWithoutJavaScript: a family of four books CPR
// numbers and tax cards in one visit on a 360 px screen with JavaScript
// turned off, in English and Danish; a number of people the services do
// not allow is said next to its field first.
func TestBookVisitOnPhoneWithoutJavaScript(t *testing.T) {
	for _, tt := range []struct {
		visitLanguage
		tooMany, booked, until string
	}{
		{visitLanguages[0], "Enter a number from 1 to 4", "Your appointment is booked", "12:30–15:00"},
		{visitLanguages[1], "Skriv et tal fra 1 til 4", "Din tid er bestilt", "12.30–15.00"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			a := newApp(t, "sqlite", thursday)
			b := openTab(t, tabOptions{width: phone.width, height: phone.height, noScript: true})
			b.do(chromedp.Navigate(a.srv.URL + "/book/aarhus/cpr-number?lang=" + tt.lang))
			b.do(
				chromedp.SetValue(chromedp.CSS("#also"), "tax-card"),
				chromedp.SetValue(chromedp.CSS("#people"), ""),
				chromedp.SendKeys(chromedp.CSS("#people"), "5"),
				chromedp.Click(chromedp.CSS("#show-times")),
				chromedp.WaitVisible(chromedp.CSS("#people-error")),
			)
			b.check("visit-people-error-" + tt.lang)
			b.contains("#people-error", tt.tooMany)
			b.contains("#visit-services", tt.tax)
			if b.exists(`input[name="start"]`) {
				t.Error("times offered for a visit that cannot be booked")
			}

			b.do(
				chromedp.SetValue(chromedp.CSS("#people"), ""),
				chromedp.SendKeys(chromedp.CSS("#people"), "4"),
				chromedp.Click(chromedp.CSS("#show-times")),
				chromedp.WaitVisible(chromedp.CSS("#visit-length")),
			)
			b.contains("#visit-length", tt.length)
			b.do(chromedp.Click(chromedp.CSS("#next-week")), chromedp.WaitVisible(chromedp.CSS("#day-2026-11-30")))
			b.check("visit-times-" + tt.lang)
			if !b.exists(`input[value="2026-11-30T12:30:00+01:00"]`) || b.exists(`input[value="2026-11-30T13:00:00+01:00"]`) {
				t.Error("the times are not those where the visit ends by closing: 12:30 the last")
			}
			b.fillDetails("2026-11-30T12:30:00+01:00", "Amal Haddad", "amal@example.com")
			b.check("visit-details-" + tt.lang)
			b.do(chromedp.Click(chromedp.CSS("#book")), chromedp.WaitVisible(chromedp.CSS("#manage-link")))
			b.check("visit-confirmation-" + tt.lang)
			b.contains("h1", tt.booked)
			b.contains("#services", tt.cpr)
			b.contains("#services", tt.tax)
			b.contains("#people", "4")
			b.contains("#when", tt.until)

			loc, err := url.Parse(b.location())
			if err != nil {
				t.Fatal(err)
			}
			bk, err := a.scheduler.Get(t.Context(), strings.Split(loc.Path, "/")[2], loc.Query().Get("token"))
			if err != nil || !slices.Equal(bk.Services, []string{"cpr-number", "tax-card"}) || bk.People != 4 {
				t.Errorf("booked %v for %d: %v", bk.Services, bk.People, err)
			}
			if n := a.activeBookings(); n != 1 {
				t.Errorf("%d bookings, want one visit", n)
			}
		})
	}
}

// fillDetails chooses the time start on a times page and fills in the
// details form that follows for name and email, consent given, without
// sending it.
func (b *tab) fillDetails(start, name, email string) {
	b.t.Helper()
	b.do(
		chromedp.Click(chromedp.CSS(`input[value="`+start+`"]`)),
		chromedp.Click(chromedp.CSS("#choose-time")),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.Click(chromedp.CSS("#consent")),
	)
}

// exists reports whether an element matches sel.
func (b *tab) exists(sel string) bool {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(sel)+`) !== null`))
	if err != nil {
		b.t.Fatal(err)
	}
	return found
}
