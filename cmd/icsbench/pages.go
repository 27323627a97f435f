package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// (g) The pages a newcomer loads, measured as (b) measures the listing: at
// listingClients clients, each page in English and in Danish, beside the
// hello-world Gin handler measured in the same run (issue 19, point 1):
// hello is measured again before each page, and each page's ratio is to
// the hello measured just before it, since the machine is shared and its
// load moves during the minutes the pages take.
// The languages are asked for as a newcomer's browser asks for them, by
// Accept-Language, the site's choice when no language was picked yet.

// pageTargets are what every page must reach: a fifth of hello's
// requests a second, and a p99 under 50 ms.
const (
	pageRatio = 0.2
	pageP99   = 50 * time.Millisecond
)

// pageLanguages are the Accept-Language headers of the measured languages,
// as browsers send them.
var pageLanguages = []struct{ tag, accept string }{
	{"en", "en-GB,en;q=0.9"},
	{"da", "da-DK,da;q=0.9,en;q=0.8"},
}

// waitingTickets is how many walk-in tickets wait at pageCenter while the
// pages are measured; the ticket page measured is the last one's.
const waitingTickets = 12

// pageCenter and pageService are the center and the service of the pages
// measured, the listing's; walkInService is the service of the tickets.
const (
	pageCenter    = "aarhus"
	pageService   = "residence-permit-renewal"
	walkInService = "general-information"
)

// page is a page measured: its route, as the report names it, and its
// path.
type page struct{ route, path string }

// pageRun is one page measured in one language, and hello measured just
// before the page.
type pageRun struct {
	page  page
	lang  string
	res   result
	hello result
}

// pagesMeasured is (g): every page in every language.
type pagesMeasured struct{ runs []pageRun }

// measurePages takes walk-in tickets at pageCenter, then measures hello and
// every page, in every language, against the stage's server.
func (b *bench) measurePages(st *stage) (pagesMeasured, error) {
	ticket, err := b.takeTickets(st.srv.URL, waitingTickets)
	if err != nil {
		return pagesMeasured{}, err
	}
	pages := []page{
		{"/", "/"},
		{"/centers/{center}", "/centers/" + pageCenter},
		{"/services/{service}", "/services/" + pageService},
		{"/book/{center}/{service}", "/book/" + pageCenter + "/" + pageService},
		{"/faq", "/faq"},
		{fmt.Sprintf("/tickets/{token}, %d waiting", waitingTickets), ticket},
		{"/centers/{center}/display", "/centers/" + pageCenter + "/display"},
	}
	var m pagesMeasured
	for _, p := range pages {
		progress("(g) hello world, %d clients", listingClients)
		hello := drive(listingClients, b.d, func() bool { return get(b.client, b.hello) })
		for _, lang := range pageLanguages {
			progress("(g) %s in %s, %d clients", p.route, lang.tag, listingClients)
			url := st.srv.URL + p.path
			res := drive(listingClients, b.d, func() bool { return getPage(b.client, url, lang.accept, lang.tag) })
			m.runs = append(m.runs, pageRun{page: p, lang: lang.tag, res: res, hello: hello})
		}
	}
	return m, nil
}

// takeTickets takes n walk-in tickets at pageCenter through the API and
// returns the path of the last one's page.
func (b *bench) takeTickets(base string, n int) (string, error) {
	var path string
	for range n {
		res, err := b.client.Post(base+"/api/v1/centers/"+pageCenter+"/tickets", "application/json",
			strings.NewReader(`{"service":"`+walkInService+`"}`))
		if err != nil {
			return "", fmt.Errorf("take a ticket: %w", err)
		}
		var t struct {
			URL string `json:"url"`
		}
		err = json.NewDecoder(res.Body).Decode(&t)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || err != nil {
			return "", fmt.Errorf("take a ticket: status %d, %v", res.StatusCode, err)
		}
		i := strings.Index(t.URL, "/tickets/")
		if i < 0 {
			return "", fmt.Errorf("take a ticket: no ticket page in %q", t.URL)
		}
		path = t.URL[i:]
	}
	return path, nil
}

// getPage fetches a page asking for a language by Accept-Language and
// reports whether it answered 200 in lang.
func getPage(client *http.Client, url, accept, lang string) bool {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept-Language", accept)
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK && res.Header.Get("Content-Language") == lang
}

// pages adds the rows of (g).
func (r *report) pages(m pagesMeasured) {
	low, high := m.runs[0].hello.perSecond(), m.runs[0].hello.perSecond()
	for _, run := range m.runs {
		low, high = min(low, run.hello.perSecond()), max(high, run.hello.perSecond())
	}
	r.add(fmt.Sprintf("(g) hello-world Gin, %d clients, before each page", listingClients), fmt.Sprintf("%.0f to %.0f req/s", low, high), "")
	r.add(fmt.Sprintf("    pages, %d clients: req/s, ratio to hello, p50, p99 (hello's req/s, p99)", listingClients), "",
		fmt.Sprintf(">= %.1f, p99 < %s", pageRatio, ms(pageP99)))
	for _, run := range m.runs {
		ratio, p99 := run.res.perSecond()/run.hello.perSecond(), run.res.quantile(0.99)
		value := fmt.Sprintf("%6.0f %.3f %7s %8s (hello %.0f, %s)", run.res.perSecond(), ratio, ms(run.res.quantile(0.5)), ms(p99),
			run.hello.perSecond(), ms(run.hello.quantile(0.99)))
		if run.res.other > 0 {
			value += fmt.Sprintf(" (%d not 200)", run.res.other)
		}
		r.target(fmt.Sprintf("    %s (%s)", run.page.route, run.lang), value, "", ratio >= pageRatio && p99 < pageP99)
	}
}

// runPages is icsbench -pages=only: (g) alone, on a fresh database, for
// quick turns while making the pages faster.
func (b *bench) runPages(ctx context.Context) error {
	path, err := writeCatalogue(b.dir, 0)
	if err != nil {
		return err
	}
	st, err := b.open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer st.close()
	peak := sampleRSS(st.srv)
	m, err := b.measurePages(st)
	if err != nil {
		return err
	}
	rep := &report{}
	rep.pages(m)
	p := peak()
	rep.target("    server peak RSS", fmt.Sprintf("%.1f MB", float64(p)/(1<<20)), "< 100 MB", p < 100<<20)
	rep.print(b.d)
	return nil
}

// pagesFlag checks the -pages flag's value.
func pagesFlag(v string) error {
	switch v {
	case "on", "off", "only":
		return nil
	}
	return fmt.Errorf("-pages is on, off or only, not %q", v)
}
