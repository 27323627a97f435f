package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/staff"
)

// staffPassword is the password of every staff account in tests.
const staffPassword = "correct horse battery"

// addStaff adds an account to the app's database.
func (a *app) addStaff(email, center string, role staff.Role) staff.Account {
	a.t.Helper()
	acct, err := a.staff.Add(a.t.Context(), staff.NewAccount{Email: email, Center: center, Role: role, Password: staffPassword})
	if err != nil {
		a.t.Fatal(err)
	}
	return acct
}

// postLogin sends the login form; headers are name, value pairs.
func (a *app) postLogin(email, password string, headers ...string) response {
	a.t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	return a.doNoRedirect("POST", "/staff/login", form.Encode(),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

// login logs in and returns the session cookie, as a Cookie header's value.
func (a *app) login(email string) string {
	a.t.Helper()
	r := a.postLogin(email, staffPassword)
	if r.status != http.StatusSeeOther {
		a.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	c := sessionCookie(a.t, r)
	if c == nil || c.Value == "" {
		a.t.Fatalf("login %s: no session cookie in %v", email, r.header)
	}
	return c.Name + "=" + c.Value
}

// sessionCookie returns the session cookie an answer sets, or nil.
func sessionCookie(t testing.TB, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "ics_staff" {
			return c
		}
	}
	return nil
}

func TestStaffLoginAndLogout(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)

		r := a.do("GET", "/staff/login", nil)
		body := string(r.body)
		for _, want := range []string{`name="email"`, `autocomplete="username"`, `name="password"`, `type="password"`,
			`autocomplete="current-password"`, `action="/staff/login"`, `<label for="email">`, `<label for="password">`} {
			if !strings.Contains(body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
		if r.status != 200 || sessionCookie(t, r) != nil {
			t.Errorf("login page: %d, cookie %v", r.status, r.header.Values("Set-Cookie"))
		}

		r = a.postLogin("Mette@ICS.dk", staffPassword)
		c := sessionCookie(t, r)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff" || c == nil {
			t.Fatalf("login: %d %v", r.status, r.header)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || !c.Secure || c.Path != "/" {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Secure (the base URL is https), Path=/", c)
		}
		cookie := c.Name + "=" + c.Value

		r = a.do("GET", "/staff", nil, "Cookie", cookie)
		if r.status != 200 || !strings.Contains(string(r.body), "mette@ics.dk") || !strings.Contains(string(r.body), `action="/staff/logout"`) {
			t.Fatalf("start page: %d %s", r.status, r.body)
		}

		// Logging in again from a session gives a new session ID, and the
		// old one opens nothing.
		r = a.postLogin("mette@ics.dk", staffPassword, "Cookie", cookie)
		again := sessionCookie(t, r)
		if r.status != http.StatusSeeOther || again == nil || again.Value == c.Value {
			t.Fatalf("a second login kept the session ID: %d %v", r.status, r.header.Values("Set-Cookie"))
		}
		if r := a.doNoRedirect("GET", "/staff", nil, "Cookie", cookie); r.status != http.StatusSeeOther {
			t.Errorf("the session ID before the second login: %d", r.status)
		}
		cookie = again.Name + "=" + again.Value

		r = a.doNoRedirect("POST", "/staff/logout", nil, "Cookie", cookie)
		if gone := sessionCookie(t, r); r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/login" ||
			gone == nil || gone.MaxAge >= 0 {
			t.Errorf("logout: %d %v", r.status, r.header)
		}
		// The session is gone from the database: its cookie opens nothing.
		r = a.doNoRedirect("GET", "/staff", nil, "Cookie", cookie)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/staff/login" {
			t.Errorf("the old cookie after logout: %d %v", r.status, r.header)
		}
		if r := a.do("GET", "/api/v1/staff/me", nil, "Cookie", cookie); r.status != http.StatusUnauthorized {
			t.Errorf("the old cookie on the API: %d", r.status)
		}
	})
}

// Over plain http the session cookie cannot be Secure, or it would never
// come back.
func TestStaffCookieOverHTTP(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withBaseURL("http://127.0.0.1:8080"))
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	c := sessionCookie(t, a.postLogin("mette@ics.dk", staffPassword))
	if c == nil || c.Secure || !c.HttpOnly {
		t.Errorf("session cookie %+v: want HttpOnly, not Secure", c)
	}
}

// A wrong password and an email without an account get the same answer,
// and so do they once repeated failures are refused for a while.
func TestStaffFailedLogins(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		same := func(known, unknown response, status int) {
			t.Helper()
			k := bytes.ReplaceAll(known.body, []byte("mette@ics.dk"), []byte("EMAIL"))
			u := bytes.ReplaceAll(unknown.body, []byte("nobody@ics.dk"), []byte("EMAIL"))
			if known.status != status || unknown.status != status || !bytes.Equal(k, u) {
				t.Fatalf("known email %d, unknown %d, want %d both with the same page:\n%s\n---\n%s", known.status, unknown.status, status, k, u)
			}
			if sessionCookie(t, known) != nil || sessionCookie(t, unknown) != nil {
				t.Fatal("a failed login set a session cookie")
			}
		}
		for range 5 {
			same(a.postLogin("mette@ics.dk", "wrong password"), a.postLogin("nobody@ics.dk", "wrong password"), http.StatusUnprocessableEntity)
		}
		// Now even the right password is refused for a minute.
		same(a.postLogin("mette@ics.dk", staffPassword), a.postLogin("nobody@ics.dk", staffPassword), http.StatusTooManyRequests)
		if r := a.postLogin("mette@ics.dk", staffPassword); !strings.Contains(string(r.body), "Too many failed attempts") || r.header.Get("Retry-After") != "60" {
			t.Errorf("refused login: %s %v, want a Retry-After of 60", r.body, r.header)
		}
		// Retry-After is the time left, not the whole lockout.
		a.advance(45 * time.Second)
		if r := a.postLogin("mette@ics.dk", staffPassword); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "15" {
			t.Errorf("after 45 seconds: %d, Retry-After %q, want 15", r.status, r.header.Get("Retry-After"))
		}
		a.advance(14*time.Second + 500*time.Millisecond)
		if r := a.postLogin("mette@ics.dk", staffPassword); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
			t.Errorf("half a second before the end: %d, Retry-After %q, want 1", r.status, r.header.Get("Retry-After"))
		}
		a.advance(500 * time.Millisecond)
		if r := a.postLogin("mette@ics.dk", staffPassword); r.status != http.StatusSeeOther {
			t.Errorf("after a minute: %d %s", r.status, r.body)
		}
	})
}

// Whoever guesses a staff member's password from one address locks out
// that address only: the owner, at another address, logs in meanwhile,
// and the guesser is told the time left.
func TestStaffLockoutSparesOwner(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withTrustedProxies("127.0.0.1", "::1"))
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		const attacker, owner = "203.0.113.66", "192.0.2.10"
		for i := range 5 {
			if r := a.postLogin("mette@ics.dk", "guess "+strconv.Itoa(i), "X-Forwarded-For", attacker); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: %d", i+1, r.status)
			}
		}
		a.advance(20 * time.Second)
		if r := a.postLogin("mette@ics.dk", staffPassword, "X-Forwarded-For", attacker); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "40" {
			t.Errorf("the guesser with the right password: %d, Retry-After %q, want 429 and 40", r.status, r.header.Get("Retry-After"))
		}
		if r := a.postLogin("mette@ics.dk", staffPassword, "X-Forwarded-For", owner); r.status != http.StatusSeeOther || sessionCookie(t, r) == nil {
			t.Errorf("the owner at another address during the guesser's lockout: %d %s", r.status, r.body)
		}
		if r := a.postLogin("mette@ics.dk", "guess 6", "X-Forwarded-For", attacker); r.status != http.StatusTooManyRequests {
			t.Errorf("the guesser after the owner's login: %d", r.status)
		}
	})
}

func TestStaffSeesOwnCenterOnly(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
		a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
		aarhus, admin := a.login("mette@ics.dk"), a.login("admin@ics.dk")

		r := a.do("GET", "/staff/centers/aarhus", nil, "Cookie", aarhus)
		if r.status != 200 || !strings.Contains(string(r.body), "<h1>Aarhus ICS Center – Thursday 26 November 2026</h1>") {
			t.Errorf("Aarhus staff on Aarhus: %d %s", r.status, r.body)
		}
		if r := a.do("GET", "/staff/centers/copenhagen", nil, "Cookie", aarhus); r.status != http.StatusForbidden ||
			!strings.Contains(string(r.body), "may not see or change") {
			t.Errorf("Aarhus staff on Copenhagen: %d %s", r.status, r.body)
		}
		if r := a.do("GET", "/staff/centers/roskilde", nil, "Cookie", aarhus); r.status != http.StatusNotFound {
			t.Errorf("an unknown center: %d", r.status)
		}
		home := string(a.do("GET", "/staff", nil, "Cookie", aarhus).body)
		if !strings.Contains(home, `href="/staff/centers/aarhus"`) || strings.Contains(home, `href="/staff/centers/copenhagen"`) ||
			strings.Contains(home, `href="/staff/audit"`) {
			t.Errorf("Aarhus staff's start page lists other centers or the audit trail:\n%s", home)
		}
		me := a.do("GET", "/api/v1/staff/me", nil, "Cookie", aarhus).json(t)
		if me["email"] != "mette@ics.dk" || me["role"] != "staff" || len(me["centers"].([]any)) != 1 {
			t.Errorf("me: %v", me)
		}

		for _, center := range []string{"aarhus", "copenhagen", "odense", "aalborg"} {
			if r := a.do("GET", "/staff/centers/"+center, nil, "Cookie", admin); r.status != 200 {
				t.Errorf("admin on %s: %d", center, r.status)
			}
		}
		home = string(a.do("GET", "/staff", nil, "Cookie", admin).body)
		if strings.Count(home, `href="/staff/centers/`) != 4 || !strings.Contains(home, `href="/staff/audit"`) {
			t.Errorf("admin's start page:\n%s", home)
		}

		// The audit trail: admins only, with both logins.
		if r := a.do("GET", "/staff/audit", nil, "Cookie", aarhus); r.status != http.StatusForbidden {
			t.Errorf("audit trail for staff: %d", r.status)
		}
		r = a.do("GET", "/staff/audit", nil, "Cookie", admin)
		if r.status != 200 || strings.Count(string(r.body), "<td>login</td>") != 2 || !strings.Contains(string(r.body), "<td>mette@ics.dk</td>") {
			t.Errorf("audit trail: %d %s", r.status, r.body)
		}

		// A disabled account's session stops working at once.
		if err := a.staff.Disable(t.Context(), "mette@ics.dk"); err != nil {
			t.Fatal(err)
		}
		if r := a.doNoRedirect("GET", "/staff/centers/aarhus", nil, "Cookie", aarhus); r.status != http.StatusSeeOther {
			t.Errorf("disabled account: %d", r.status)
		}
		if r := a.postLogin("mette@ics.dk", staffPassword); r.status != http.StatusUnprocessableEntity {
			t.Errorf("disabled account logging in: %d", r.status)
		}
	})
}

// No back-office route but the login works without a session: pages
// redirect to the login page, the API answers 401, and a newcomer's manage
// token changes nothing.
func TestStaffRoutesNeedSession(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday)
		_, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
		routes := append(ginRoutes(t, a, "/staff"), ginRoutes(t, a, "/api/v1/staff")...)
		params := strings.NewReplacer("{center}", "aarhus")
		for _, route := range routes {
			method, path, _ := strings.Cut(route, " ")
			if path == "/staff/login" {
				continue
			}
			// Other parameters get a plausible value: a day, a number.
			path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(params.Replace(path), "2026-11-30")
			for _, credentials := range [][]string{nil, {"Authorization", "Bearer " + token}, {"Cookie", "ics_staff=" + token}} {
				for _, p := range []string{path, path + "?token=" + url.QueryEscape(token)} {
					r := a.doNoRedirect(method, p, nil, credentials...)
					if strings.HasPrefix(path, "/api/") {
						expectProblem(t, r, http.StatusUnauthorized, "unauthenticated")
						continue
					}
					if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/staff/login") {
						t.Errorf("%s %s with %v: %d %v, want a redirect to the login page", method, p, credentials, r.status, r.header)
					}
				}
			}
		}
	})
}

// After logging in, the page that asked for it comes back; a next address
// outside the back office is ignored.
func TestStaffLoginReturns(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	a.addStaff("mette@ics.dk", "aarhus", staff.RoleStaff)
	r := a.doNoRedirect("GET", "/staff/centers/aarhus", nil)
	if loc := r.header.Get("Location"); loc != "/staff/login?next=%2Fstaff%2Fcenters%2Faarhus" {
		t.Fatalf("redirect to %q", loc)
	}
	if body := string(a.do("GET", "/staff/login?next=%2Fstaff%2Fcenters%2Faarhus", nil).body); !strings.Contains(body, `name="next" value="/staff/centers/aarhus"`) {
		t.Errorf("login page without next:\n%s", body)
	}
	for next, want := range map[string]string{"/staff/centers/aarhus": "/staff/centers/aarhus", "https://evil.example/staff": "/staff", "//evil.example": "/staff"} {
		form := url.Values{"email": {"mette@ics.dk"}, "password": {staffPassword}, "next": {next}}
		r := a.doNoRedirect("POST", "/staff/login", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		if r.header.Get("Location") != want {
			t.Errorf("next %q: to %q, want %q", next, r.header.Get("Location"), want)
		}
	}
}

func TestStaffPagesInBothLanguages(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	a.addStaff("admin@ics.dk", "", staff.RoleAdmin)
	cookie := a.login("admin@ics.dk")
	for _, path := range []string{"/staff/login", "/staff", "/staff/centers/aarhus", "/staff/audit"} {
		for accept, want := range map[string]string{"en": "Log", "da": "Log"} {
			r := a.do("GET", path, nil, "Accept-Language", accept, "Cookie", cookie)
			if r.status != 200 || !strings.Contains(string(r.body), `<html lang="`+accept+`">`) || !strings.Contains(string(r.body), want) {
				t.Errorf("%s in %s: %d", path, accept, r.status)
			}
		}
	}
	if r := a.do("GET", "/staff/centers/aarhus", nil, "Accept-Language", "da", "Cookie", cookie); !strings.Contains(string(r.body), "torsdag den 26. november 2026") {
		t.Errorf("Danish center page:\n%s", r.body)
	}
}

// Failures are counted per client address too: the connection's peer,
// whatever X-Forwarded-For says, unless the peer is a trusted proxy.
func TestStaffFailedLoginsPerAddress(t *testing.T) {
	for _, proxied := range []bool{false, true} {
		options := []appOption{withThrottle(staff.Throttle{Limit: 5, AddressLimit: 2, Lockout: time.Minute, MaxLockout: time.Hour, Forget: time.Hour})}
		if proxied {
			options = append(options, withTrustedProxies("127.0.0.1", "::1"))
		}
		a := newApp(t, "sqlite", thursday, options...)
		for i, email := range []string{"a@ics.dk", "b@ics.dk"} {
			if r := a.postLogin(email, "wrong password", "X-Forwarded-For", "192.0.2."+string(rune('1'+i))); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: %d", i, r.status)
			}
		}
		want := http.StatusTooManyRequests
		if proxied {
			want = http.StatusUnprocessableEntity
		}
		if r := a.postLogin("c@ics.dk", "wrong password", "X-Forwarded-For", "192.0.2.3"); r.status != want {
			t.Errorf("proxied %v: a third address's failure: %d, want %d", proxied, r.status, want)
		}
	}
}
