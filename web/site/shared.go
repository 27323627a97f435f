package site

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// When news sends thousands of newcomers to the site at once, they load
// the same few pages: the home page, a center's, a service's, the week of
// times, the questions, a waiting room's display. Those pages are the same
// for everyone who asks in one language at one moment (render.Share), so
// each is rendered at most once per Config.PageCacheTTL and language, and
// served from memory in between; a crowd that finds it expired waits for
// the one request rendering it instead of rendering it once each, or, if
// the page expired less than PageCacheTTL before, gets that while it
// renders: a page is at most twice PageCacheTTL and one rendering old. The
// rendering is the whole crowd's, so it does not end when the request that
// started it goes away.
//
// Only a GET without a query is kept: the query carries a person's choices
// (a week, added services, the details typed so far) and the language
// switch. The parameters that links from news, social media and
// newsletters add for their own statistics (utm_source, fbclid, ...) are
// not a query: no page reads them, and they are taken off before the page
// is looked up or rendered. Only a 200 is kept, so a failure is rendered again. Nothing
// with a person in it goes through here: a ticket's, a booking's or a
// waitlist entry's page, a form with its key, the kiosk, the staff's
// pages. A change of the queue, which the live pages are told of
// (QueueChanged), drops every page at once, the expired ones too; seats,
// closures and the catalogue are seen within the TTL and a rendering.

// pageCache keeps the shared pages by path and language.
type pageCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	pages map[pageKey]*cachedPage
}

type pageKey struct{ path, lang string }

// cachedPage is a page rendered, or being rendered until done is closed.
type cachedPage struct {
	done chan struct{}
	page render.SharedPage
	ok   bool      // set before done is closed: page is the page
	at   time.Time // when rendering started
	// prev is the page it replaces, which just expired, for the requests
	// that come while it renders; nil after a drop.
	prev *render.SharedPage
}

// pageCacheSweep is how many pages the cache holds before it drops the
// expired ones as it adds one.
const pageCacheSweep = 256

func newPageCache(ttl time.Duration, now func() time.Time) *pageCache {
	return &pageCache{ttl: ttl, now: now, pages: map[pageKey]*cachedPage{}}
}

// fresh reports whether p was rendered less than the TTL ago.
func (pc *pageCache) fresh(p *cachedPage, now time.Time) bool {
	return !now.Before(p.at) && now.Sub(p.at) < pc.ttl
}

// drop forgets every page.
func (pc *pageCache) drop() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	clear(pc.pages)
}

// shared serves the page of next from the cache when the request may have
// it (a GET without a query), and otherwise renders it as next does.
func (h *Handler) shared(next gin.HandlerFunc) gin.HandlerFunc {
	pc := h.pages
	return func(c *gin.Context) {
		if pc.ttl > 0 && c.Request.URL.RawQuery != "" && trackingOnly(c.Request.URL.RawQuery) {
			c.Request.URL.RawQuery = ""
		}
		if pc.ttl <= 0 || c.Request.URL.RawQuery != "" || c.Request.Method != "GET" {
			next(c)
			return
		}
		key := pageKey{path: c.Request.URL.Path, lang: render.Locale(c).Tag()}
		now := pc.now()
		pc.mu.Lock()
		p := pc.pages[key]
		if p != nil && (!p.ready() || pc.fresh(p, now)) {
			pc.mu.Unlock()
			if p.prev != nil && !p.ready() {
				render.WriteShared(c, *p.prev)
				return
			}
			select {
			case <-p.done:
			case <-c.Request.Context().Done():
				return
			}
			if p.ok {
				render.WriteShared(c, p.page)
				return
			}
			next(c) // its rendering failed: this request renders its own
			return
		}
		if len(pc.pages) >= pageCacheSweep {
			for k, old := range pc.pages {
				if old.ready() && !pc.fresh(old, now) {
					delete(pc.pages, k)
				}
			}
		}
		renewed := &cachedPage{done: make(chan struct{}), at: now}
		if p != nil && p.ok && now.Sub(p.at) < 2*pc.ttl { // expired a moment ago, rendered (ready, since not fresh)
			prev := p.page
			renewed.prev = &prev
		}
		p = renewed
		pc.pages[key] = p
		pc.mu.Unlock()

		defer func() {
			if !p.ok {
				pc.mu.Lock()
				if pc.pages[key] == p {
					delete(pc.pages, key)
				}
				pc.mu.Unlock()
			}
			close(p.done)
		}()
		render.Share(c, func(sp render.SharedPage) { p.page, p.ok = sp, true })
		c.Request = c.Request.WithContext(context.WithoutCancel(c.Request.Context()))
		next(c)
	}
}

// trackingParameters are the query parameters, besides utm_*, that links
// add for the statistics of the site they come from.
var trackingParameters = []string{"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "igshid",
	"mc_cid", "mc_eid", "_ga", "_gl"}

// trackingOnly reports whether every parameter of the query is one of the
// tracking parameters, which no page reads.
func trackingOnly(rawQuery string) bool {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	for name := range q {
		if !strings.HasPrefix(name, "utm_") && !slices.Contains(trackingParameters, name) {
			return false
		}
	}
	return true
}

// ready reports whether the page's rendering has ended.
func (p *cachedPage) ready() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
