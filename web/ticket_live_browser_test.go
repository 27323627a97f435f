package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ics-booking/icsbooking/booking/store/storetest"
	"github.com/ics-booking/icsbooking/staff"
)

// poll waits until the JavaScript expression is true on the page, or
// fails saying what.
func (b *tab) poll(what, expression string) { b.pollExplained(what, expression, "") }

// pollExplained is poll, and on failure it says what the expression
// explain evaluates to (a string, maybe a promise of one).
func (b *tab) pollExplained(what, expression, explain string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expression, chromedp.WithPollingTimeout(waitLimit))); err != nil {
		if explain != "" {
			what += " (" + eval[string](b, explain) + ")"
		}
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](b *tab, expression string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// saveDOM saves the page's markup as it stands, with its scripts' changes,
// as NAME-WIDTH.html in ICS_TEST_SCREENSHOTS, if set, beside its
// screenshot: for an HTML validator to read.
func (b *tab) saveDOM(name string) {
	b.t.Helper()
	dir := os.Getenv("ICS_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	markup := eval[string](b, `"<!doctype html>\n" + document.documentElement.outerHTML`)
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.html", name, b.opt.width)), []byte(markup), 0o644); err != nil {
		b.t.Errorf("save %s: %v", name, err)
	}
}

// allowNotifications answers the page's origin's request for
// notifications with setting (granted, or prompt to ask again).
func (b *tab) allowNotifications(origin string, setting browser.PermissionSetting) {
	b.t.Helper()
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: setting, Origin: origin,
	}); err != nil {
		b.t.Fatal(err)
	}
}

// TestLiveTicketInBrowser: a newcomer's phone shows the ticket's page with
// JavaScript on; a desk on another server (a second one in this test's
// process, on the same PostgreSQL database, heard through its
// notifications; cmd/icsbooking's TestLiveTicketFollowsCallOnOtherServer
// does it with two real processes) calls the ticket, and the page shows the desk large, plays its
// sound, vibrates and shows a notification (its holder allowed them),
// without reloading; then the ticket is served and the page stops
// following the queue. In English and in Danish.
func TestLiveTicketInBrowser(t *testing.T) {
	databaseURL := storetest.URL(t, "postgres")
	site := newApp(t, "postgres", thursday, withDatabase(databaseURL), withLivePoll(time.Hour), withBaseURL("http://127.0.0.1"))
	site.listen()
	deskServer := newApp(t, "postgres", thursday, withDatabase(databaseURL))
	deskServer.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	d := desk{a: deskServer, cookie: deskServer.login("mette@ics.dk"), center: "aarhus", name: "3"}

	b := openTab(t, phone)
	for _, tt := range []struct {
		lang, waiting, called, desk, notifyOn, done string
	}{
		{"en", "Please wait.", "It is your turn: please go to desk 3.", "Desk 3", "You will get a notification when you are called.",
			"You have been served."},
		{"da", "Vent venligst.", "Det er din tur: gå venligst til skranke 3.", "Skranke 3", "Du får en besked, når du bliver kaldt.",
			"Du er blevet betjent."},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b.t = t
			site.takeTicket("aarhus", "general-information") // ahead
			ticket := site.takeTicket("aarhus", "general-information")
			number := ticket["number"].(string)
			b.allowNotifications(site.srv.URL, browser.PermissionSettingPrompt)
			b.do(chromedp.Navigate(site.srv.URL + "/?lang=" + tt.lang))
			b.do(chromedp.Navigate(site.srv.URL+pagePath(t, ticket["url"])), chromedp.WaitVisible(chromedp.CSS("#notify")))
			b.contains("#ticket-state", tt.waiting)
			b.contains("#position", "2")
			// Following the queue, the page neither reloads nor keeps
			// what would reload it, and its markup says so.
			if b.exists("noscript") || b.exists(`meta[http-equiv="refresh"]`) || b.exists("#refresh-off") {
				t.Error("the page with JavaScript keeps its reload for browsers without")
			}
			b.check("ticket-live-" + tt.lang)
			b.saveDOM("ticket-live-" + tt.lang)

			// A mark that a reload would lose, and a record of the sound
			// and the vibration the page asks the browser for.
			eval[bool](b, `window.loaded = true; window.heard = {tones: 0, vibrations: [], notifications: []};
				const show = ServiceWorkerRegistration.prototype.showNotification;
				ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
					const asked = {title: title, body: options.body, state: "asked"};
					heard.notifications.push(asked);
					return show.call(this, title, options).then((v) => { asked.state = "shown"; return v; },
						(e) => { asked.state = "refused: " + e; throw e; });
				};
				const tone = AudioContext.prototype.createOscillator;
				AudioContext.prototype.createOscillator = function () { heard.tones++; return tone.call(this); };
				navigator.vibrate = (pattern) => { heard.vibrations.push(pattern); return true; };
				true`)
			// Asking for notifications is the touch that lets the page
			// play a sound later.
			b.allowNotifications(site.srv.URL, browser.PermissionSettingGranted)
			b.press("#notify", kb.Enter)
			b.poll("the page does not say notifications are on", `document.querySelector("#notify-state").textContent === `+jsString(tt.notifyOn))
			b.poll("no service worker for the notifications", `navigator.serviceWorker.getRegistrations().then((r) => r.length > 0)`)

			d.call() // the one ahead
			b.poll("the place does not move up", `document.querySelector("#position").textContent === "1"`)
			deskServer.advance(time.Minute)
			called, _ := d.call()
			if called.Number != number {
				t.Fatalf("the desk called %s, want %s", called.Number, number)
			}
			b.poll("the desk does not appear", `!document.querySelector("#ticket-desk").hidden && document.querySelector("#ticket-desk").textContent === `+jsString(tt.desk))
			b.contains("#ticket-state", tt.called)
			if !eval[bool](b, `window.loaded === true`) {
				t.Error("the page reloaded")
			}
			if tones := eval[int](b, `heard.tones`); tones == 0 {
				t.Error("no sound for the call")
			}
			if n := eval[int](b, `heard.vibrations.length`); n != 1 {
				t.Errorf("%d vibrations for the call, want 1", n)
			}
			// The page asks the service worker's registration to show the
			// notification, and the browser takes it (its promise
			// resolves). Whether headless Chromium then lists it among
			// the registration's notifications is up to its notification
			// service, which under load sometimes does not (seen: the
			// promise resolved, getNotifications empty a minute later).
			b.pollExplained("no notification of the call", `heard.notifications.some((n) => n.state === "shown" && n.title === `+
				jsString(number+" · "+tt.desk)+` && n.body === `+jsString(tt.called)+`)`,
				`navigator.serviceWorker.getRegistrations().then((rs) => "permission " + Notification.permission +
					", registrations " + JSON.stringify(rs.map((r) => [r.scope, r.active && r.active.state])) +
					", asked to show " + JSON.stringify(heard.notifications))`)
			b.check("ticket-called-" + tt.lang)
			b.saveDOM("ticket-called-" + tt.lang)

			d.act(called.ID, "attend", nil)
			d.act(called.ID, "serve", nil)
			b.poll("the page does not say the ticket is served", `document.querySelector("#ticket-state").textContent.startsWith(`+jsString(tt.done)+`)`)
			if !eval[bool](b, `window.loaded === true && document.querySelector("#ticket-live").hidden && document.querySelector("#ticket-desk").hidden`) {
				t.Error("the served ticket's page reloaded, or still shows the desk or the notification button")
			}
		})
	}
}

// TestTicketPageWithoutJavaScript: without JavaScript the ticket's page
// does not reload itself unasked; asked, it reloads and so shows the
// call, and its holder can turn the reload off again.
func TestTicketPageWithoutJavaScript(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	ticket := a.takeTicket("aarhus", "general-information")
	b := openTab(t, tabOptions{width: phone.width, height: phone.height, noScript: true})
	b.do(chromedp.Navigate(a.srv.URL+pagePath(t, ticket["url"])), chromedp.WaitVisible(chromedp.CSS("#refresh-on")))
	b.check("ticket-noscript")
	if b.visible("#ticket-live") || b.visible("#notify") || b.exists(`meta[http-equiv="refresh"]`) {
		t.Error("without JavaScript the page offers what only its script does, or reloads unasked")
	}
	b.do(chromedp.Click(chromedp.CSS("#refresh-on")), chromedp.WaitVisible(chromedp.CSS("#refresh-off")))
	if _, ok, err := a.queue.CallNext(t.Context(), "aarhus", "2"); err != nil || !ok {
		t.Fatalf("call: %v %v", ok, err)
	}
	// The page reloads every 15 seconds.
	for deadline := time.Now().Add(waitLimit); ; {
		text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#ticket-desk")))
		if err == nil && text == "Desk 2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page does not show the desk after a reload: %q %v", text, err)
		}
		time.Sleep(time.Second) // waiting for the reload, with a deadline
	}
	b.contains("#ticket-state", "It is your turn: please go to desk 2.")
	b.do(chromedp.Click(chromedp.CSS("#refresh-off")), chromedp.WaitVisible(chromedp.CSS("#refresh-on")))
	if b.exists(`meta[http-equiv="refresh"]`) {
		t.Error("the page turned off still reloads itself")
	}
}

// visible reports whether an element matching sel is shown.
func (b *tab) visible(sel string) bool {
	b.t.Helper()
	return eval[bool](b, `(() => { const e = document.querySelector(`+jsString(sel)+`); return !!e && e.checkVisibility(); })()`)
}

// TestQueuePagesAccessible runs axe-core on the pages of the walk-in queue
// at 1280, 768 and 360 px, in English and Danish: a ticket's page waiting
// and called, the kiosk and the ticket it gives, the display with calls on
// it, and a desk's page with people waiting. The kiosk and the display
// have no site navigation; the display's calls are large.
func TestQueuePagesAccessible(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1"))
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	waiting := pagePath(t, a.takeTicket("aarhus", "general-information")["url"])
	called := pagePath(t, a.takeTicket("aarhus", "general-information")["url"])
	a.takeTicket("aarhus", "tax-card")
	a.checkIn("AAR-DESK20", thursday.Add(10*time.Minute))
	for _, desk := range []string{"1", "2", "3"} {
		if _, _, err := a.queue.CallNext(t.Context(), "aarhus", desk); err != nil {
			t.Fatal(err)
		}
	}
	// Desks 1 and 2 hold the first two tickets; desk 3 the tax card.
	a.takeTicket("aarhus", "general-information")
	a.checkIn("AAR-DESK21", thursday.Add(12*time.Minute))

	for _, opt := range []tabOptions{desktop, tablet, phone} {
		b := openTab(t, opt)
		b.do(chromedp.Navigate(a.srv.URL + "/staff/centers/aarhus/desks/1"))
		b.press("#email", "mette@ics.dk")
		b.press("#password", staffPassword)
		b.press("form.login button", kb.Enter)
		b.do(chromedp.WaitVisible(chromedp.CSS("#line")))
		for _, lang := range []string{"en", "da"} {
			b.do(chromedp.Navigate(a.srv.URL + "/?lang=" + lang))
			for _, page := range []struct{ name, path, ready string }{
				{"ticket-waiting", waiting, "#ticket-live"},
				{"ticket-at-desk", called, "#ticket-desk"},
				{"kiosk", "/centers/aarhus/kiosk", "#reference"},
				{"display", "/centers/aarhus/display", "#at-desks"},
				{"desk-line", "/staff/centers/aarhus/desks/1", "#line"},
			} {
				name := page.name + "-" + lang
				b.do(chromedp.Navigate(a.srv.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.ready)))
				b.check(name)
				b.saveDOM(name)
				if page.name == "kiosk" || page.name == "display" {
					if b.exists("nav:not(.languages)") || b.exists("footer") || b.exists(`a[href="/book"]`) {
						t.Errorf("%s at %d px has the site's navigation", name, opt.width)
					}
				}
			}
			// The display from across a room: the calls at least 64 px
			// high on a wide screen (72 pt text reads at about 10 m).
			b.do(chromedp.Navigate(a.srv.URL+"/centers/aarhus/display"), chromedp.WaitVisible(chromedp.CSS("#at-desks li")))
			if size := eval[float64](b, `parseFloat(getComputedStyle(document.querySelector("#at-desks li")).fontSize)`); opt.width >= 1280 && size < 64 {
				t.Errorf("the display's calls are %.0f px at %d px, want 64 or more", size, opt.width)
			}
			if !strings.Contains(b.text("h1"), "Aarhus ICS Center") {
				t.Errorf("the display does not name its center: %q", b.text("h1"))
			}
			// The kiosk's ticket goes back to the start by itself unless
			// asked to stay.
			b.do(chromedp.Navigate(a.srv.URL+"/centers/aarhus/kiosk"), chromedp.WaitVisible(chromedp.CSS(".kiosk-services button")))
			b.do(chromedp.Click(chromedp.CSS(".kiosk-services button")), chromedp.WaitVisible(chromedp.CSS("#kiosk-stay")))
			b.check("kiosk-ticket-" + lang)
			b.saveDOM("kiosk-ticket-" + lang)
			if b.exists("nav:not(.languages)") || b.exists(`meta[http-equiv="refresh"]`) {
				t.Errorf("the kiosk's ticket at %d px has the site's navigation or a meta refresh", opt.width)
			}
			b.press("#kiosk-stay", kb.Enter)
			if b.visible("#kiosk-return") || !eval[bool](b, `document.activeElement.id === "kiosk-done"`) {
				t.Error("asked to stay, the kiosk's ticket still says it goes back, or the focus is lost")
			}
		}
	}
}
