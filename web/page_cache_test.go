package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ics-booking/icsbooking/booking"
)

// pageTTL is how long the tests' shared pages are kept, when they are.
const pageTTL = time.Second

// withPageCache keeps the shared pages for ttl (none by default in tests,
// which change what pages show and look at once).
func withPageCache(ttl time.Duration) appOption { return func(s *appSetup) { s.pageCacheTTL = ttl } }

// TestSharedPagesKeepTheirLanguage: a shared page is kept per language,
// whichever way the language was chosen, says so (Content-Language, Vary),
// and answers a client that has it with 304.
func TestSharedPagesKeepTheirLanguage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withPageCache(pageTTL))
		for _, path := range []string{"/", "/centers/aarhus", "/services/" + permit, "/book/aarhus/" + permit, "/faq", "/centers/aarhus/display"} {
			// Each way of asking, twice, so the second is from memory.
			for _, ask := range []struct {
				lang    string
				headers []string
			}{
				{"da", []string{"Accept-Language", "da-DK,da;q=0.9"}},
				{"en", []string{"Accept-Language", "en-GB,en;q=0.9"}},
				{"en", nil},
				{"da", []string{"Cookie", "lang=da", "Accept-Language", "en"}},
				{"en", []string{"Cookie", "lang=en", "Accept-Language", "da"}},
				{"da", []string{"Accept-Language", "da"}},
			} {
				r := a.do("GET", path, nil, ask.headers...)
				if r.status != http.StatusOK {
					t.Fatalf("GET %s %v: status %d", path, ask.headers, r.status)
				}
				if got := r.header.Get("Content-Language"); got != ask.lang {
					t.Errorf("GET %s %v: Content-Language %q, want %s", path, ask.headers, got, ask.lang)
				}
				if !strings.Contains(string(r.body), `<html lang="`+ask.lang+`">`) {
					t.Errorf("GET %s %v: not a page in %s", path, ask.headers, ask.lang)
				}
				vary := r.header.Get("Vary")
				if !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
					t.Errorf("GET %s: Vary %q, want Accept-Language and Cookie", path, vary)
				}
				if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
					t.Errorf("GET %s: Cache-Control %q, want no-cache", path, cc)
				}
				etag := r.header.Get("ETag")
				if etag == "" {
					t.Fatalf("GET %s: no ETag", path)
				}
				again := a.do("GET", path, nil, append(slices.Clone(ask.headers), "If-None-Match", etag)...)
				if again.status != http.StatusNotModified {
					t.Errorf("GET %s with its ETag: status %d, want 304", path, again.status)
				}
			}
			// The words of the pages, not only their tags.
			da := string(a.do("GET", path, nil, "Accept-Language", "da").body)
			en := string(a.do("GET", path, nil, "Accept-Language", "en").body)
			if !strings.Contains(da, "Gå til indholdet") || strings.Contains(da, "Skip to content") ||
				!strings.Contains(en, "Skip to content") || strings.Contains(en, "Gå til indholdet") {
				t.Errorf("GET %s: Danish and English mixed", path)
			}
		}
	})
}

// TestSharedPagesChangeWithin: what a shared page shows is at most the
// cache's time to live old: a walk-in ticket's wait, a closure and a
// catalogue change are seen once it has passed, and a change of a queue
// told to the pages (QueueChanged) at once.
func TestSharedPagesChangeWithin(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect, thursday, withPageCache(pageTTL))
		ctx := context.Background()
		page := func(path string) string {
			t.Helper()
			r := a.do("GET", path, nil, "Accept-Language", "en")
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, r.status)
			}
			return html.UnescapeString(string(r.body))
		}

		// The home page's wait, after tickets are taken.
		before := page("/")
		for range 6 {
			a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "general-information"})
		}
		a.advance(pageTTL)
		if after := page("/"); after == before {
			t.Error("the home page is the same after six tickets and the time to live")
		}

		// A closure on the center's page.
		closure := booking.Closure{Center: "aarhus", Day: booking.Date{Year: 2026, Month: 12, Day: 7}, Reason: "Moving house"}
		page("/centers/aarhus")
		if _, err := a.scheduler.AddClosure(ctx, closure); err != nil {
			t.Fatal(err)
		}
		a.advance(pageTTL)
		if !strings.Contains(page("/centers/aarhus"), "Moving house") {
			t.Error("the closure is not on the center's page after the time to live")
		}

		// A center renamed in a new catalogue.
		cat := a.scheduler.Catalogue()
		cat.Centers = slices.Clone(cat.Centers)
		for i := range cat.Centers {
			if cat.Centers[i].ID == "aarhus" {
				cat.Centers[i].Name = "ICS Aarhus Harbour"
			}
		}
		page("/")
		if !a.scheduler.UseCatalogue(a.scheduler.CatalogueVersion()+1, cat) {
			t.Fatal("the new catalogue was not used")
		}
		a.advance(pageTTL)
		if !strings.Contains(page("/"), "ICS Aarhus Harbour") {
			t.Error("the renamed center is not on the home page after the time to live")
		}

		// A change of the queue told to the pages: at once.
		display := page("/centers/aarhus/display")
		if _, err := a.queue.IssueTicket(ctx, "aarhus", "general-information"); err != nil {
			t.Fatal(err)
		}
		a.web.QueueChanged("aarhus")
		if page("/centers/aarhus/display") == display {
			t.Error("the display is the same at once after a change told")
		}
	})
}

// TestSharedPagesIgnoreTrackingParameters: a link from the news carries
// parameters for its site's statistics, which no page reads: the crowd it
// sends gets the page kept for everyone, without them. Any other
// parameter is a query, rendered for itself.
func TestSharedPagesIgnoreTrackingParameters(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withPageCache(pageTTL))
	kept := a.do("GET", "/centers/aarhus", nil, "Accept-Language", "en")
	tracked := a.do("GET", "/centers/aarhus?utm_source=news&utm_medium=social&fbclid=IwAR0x", nil, "Accept-Language", "en")
	if tracked.status != http.StatusOK || tracked.header.Get("ETag") == "" || tracked.header.Get("ETag") != kept.header.Get("ETag") {
		t.Errorf("with tracking parameters: %d, ETag %q, want the kept page's %q", tracked.status, tracked.header.Get("ETag"), kept.header.Get("ETag"))
	}
	first := a.do("GET", "/faq?utm_campaign=rules&gclid=x", nil, "Accept-Language", "en")
	if body := string(first.body); strings.Contains(body, "utm_") || strings.Contains(body, "gclid") || !strings.Contains(body, `href="/faq?lang=da"`) {
		t.Errorf("a page first rendered for a tracked link keeps its parameters: %s", body)
	}
	if again := a.do("GET", "/faq", nil, "Accept-Language", "en"); again.header.Get("ETag") != first.header.Get("ETag") {
		t.Errorf("/faq after a tracked link: ETag %q, want %q", again.header.Get("ETag"), first.header.Get("ETag"))
	}
	other := a.do("GET", "/faq?utm_source=news&x=1", nil, "Accept-Language", "en")
	if other.header.Get("ETag") != "" || !strings.Contains(string(other.body), `href="/faq?lang=da&amp;utm_source=news&amp;x=1"`) {
		t.Errorf("a query with another parameter was not rendered for itself: ETag %q", other.header.Get("ETag"))
	}
}

// TestPersonalPagesAreNotShared: what is a person's, or carries their
// choices in its query, is rendered for each request, whatever the cache
// holds: two tickets' pages, the week of times with a week chosen, the
// form of details with its key.
func TestPersonalPagesAreNotShared(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withPageCache(time.Hour))
	var tickets []map[string]any
	for range 2 {
		r := a.do("POST", "/api/v1/centers/aarhus/tickets", map[string]any{"service": "general-information"})
		if r.status != http.StatusCreated {
			t.Fatalf("ticket: status %d %s", r.status, r.body)
		}
		tickets = append(tickets, r.json(t))
	}
	for _, tk := range tickets {
		path := tk["url"].(string)[strings.Index(tk["url"].(string), "/tickets/"):]
		for range 2 {
			r := a.do("GET", path, nil)
			if !strings.Contains(string(r.body), tk["number"].(string)) {
				t.Errorf("ticket %s's page does not show its number", tk["number"])
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("ETag") != "" {
				t.Errorf("ticket page: Cache-Control %q, ETag %q", r.header.Get("Cache-Control"), r.header.Get("ETag"))
			}
		}
	}
	week := a.do("GET", "/book/aarhus/"+permit, nil)
	later := a.do("GET", "/book/aarhus/"+permit+"?week=2026-12-07", nil)
	if string(week.body) == string(later.body) || later.header.Get("Cache-Control") != "no-store" {
		t.Error("the week chosen in the query was answered from the shared page")
	}
	details := "/book/aarhus/" + permit + "/details?start=2026-12-01T10:00:00%2B01:00"
	first, second := a.do("GET", details, nil), a.do("GET", details, nil)
	if first.status != http.StatusOK || string(first.body) == string(second.body) {
		t.Errorf("the details form (status %d) is the same twice: its key is shared", first.status)
	}
}

// TestSharedPagesUnderACrowd: many clients asking at once in both
// languages each get their own language, whether they render the page or
// wait for another's rendering.
func TestSharedPagesUnderACrowd(t *testing.T) {
	a := newApp(t, "sqlite", thursday, withPageCache(pageTTL))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		lang := []string{"en", "da"}[i%2]
		wg.Go(func() {
			for j := range 5 {
				if j == 2 && i == 0 {
					a.advance(pageTTL) // one expiry under way
				}
				req := a.request("GET", "/", nil, "Accept-Language", lang)
				res, err := a.srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				res.Body.Close()
				if got := res.Header.Get("Content-Language"); res.StatusCode != http.StatusOK || got != lang {
					errs <- fmt.Errorf("asked in %s: status %d in %q", lang, res.StatusCode, got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
