package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// visitLanguage is what the site says of a visit for CPR numbers and tax
// cards in one language.
type visitLanguage struct {
	lang, cpr, tax, length, people string
	bring                          []string
}

var visitLanguages = []visitLanguage{
	{"en", "CPR number application guidance", "Tax card application support", "Your visit takes 2 hours and 30 minutes.", "Number of people",
		[]string{"Passport with valid visa/residence permit", "Proof of address in Denmark", "Employment contract or study enrollment (if applicable)",
			"Marriage certificate (if applicable)", "Birth certificates for children (if applicable)"}},
	{"da", "Vejledning om at få et CPR-nummer", "Hjælp til at søge om skattekort", "Dit besøg varer 2 timer og 30 minutter.", "Antal personer",
		[]string{"Pas med gyldigt visum eller gyldig opholdstilladelse", "Dokumentation for din adresse i Danmark",
			"Ansættelseskontrakt eller bevis for studieplads (hvis relevant)", "Vielsesattest (hvis relevant)", "Fødselsattester for dine børn (hvis relevant)"}},
}

// TestBookVisitOnSite books one visit for two services and four people
// through the pages, in English and Danish: the times page adds the
// service and the people and lists only the starts where the whole visit
// fits, the details and the form carry them, the booking holds them, and
// the confirmation and the manage page list every service, the people and
// one checklist without repeats; the manage page moves only to times that
// fit the whole visit.
func TestBookVisitOnSite(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, dialect string) {
		for _, tt := range visitLanguages {
			t.Run(tt.lang, func(t *testing.T) {
				a := newApp(t, dialect, thursday)
				get := func(path string) (int, string) {
					t.Helper()
					r := a.do("GET", path, nil, "Cookie", "lang="+tt.lang)
					return r.status, html.UnescapeString(string(r.body))
				}

				// A deep link is one service for one person, as it always was.
				status, body := get("/book/aarhus/cpr-number?week=2026-11-30")
				if status != 200 || !strings.Contains(body, `<option value="tax-card">`+tt.tax+`</option>`) ||
					!strings.Contains(body, `name="people" value="1"`) || !strings.Contains(body, `value="2026-11-30T14:30:00+01:00"`) ||
					strings.Contains(body, `<option value="general-information">`) || strings.Contains(body, `<option value="cpr-number">`) {
					t.Fatalf("one service: %d\n%s", status, body)
				}

				// The form adds the tax card and says four people come.
				status, body = get("/book/aarhus/cpr-number?" + url.Values{"also": {"tax-card"}, "people": {"4"}, "week": {"2026-11-30"}}.Encode())
				if status != 200 || !strings.Contains(body, tt.length) || !strings.Contains(body, `<input type="hidden" name="also" value="tax-card">`+tt.tax) ||
					!strings.Contains(body, `name="people" value="4"`) || strings.Contains(body, `<option value="tax-card">`) {
					t.Fatalf("two services for four: %d\n%s", status, body)
				}
				// 12:30 is the last start that ends by 15:00.
				if !strings.Contains(body, `value="2026-11-30T12:30:00+01:00"`) || strings.Contains(body, `value="2026-11-30T13:00:00+01:00"`) {
					t.Errorf("times that do not fit the visit:\n%s", body)
				}
				times := body[strings.Index(body, `id="times"`):]
				if !strings.Contains(times, `<input type="hidden" name="also" value="tax-card">`) || !strings.Contains(times, `<input type="hidden" name="people" value="4">`) {
					t.Errorf("the times form does not carry the visit:\n%s", times)
				}
				// Taking the tax card out again keeps the people.
				remove := regexp.MustCompile(`href="([^"]+)" id="remove-tax-card"`).FindStringSubmatch(body)
				if remove == nil {
					t.Fatalf("no link to remove the tax card:\n%s", body)
				}
				if _, again := get(remove[1]); strings.Contains(again, `name="also" value="tax-card"`) || !strings.Contains(again, `name="people" value="4"`) {
					t.Errorf("after removing the tax card (%s):\n%s", remove[1], again)
				}

				const start = "2026-11-30T09:00:00+01:00"
				visit := url.Values{"start": {start}, "also": {"tax-card"}, "people": {"4"}}
				status, body = get("/book/aarhus/cpr-number/details?" + visit.Encode())
				if status != 200 || !strings.Contains(body, tt.cpr) || !strings.Contains(body, tt.tax) || !strings.Contains(body, `<dd id="people">4</dd>`) ||
					!strings.Contains(body, "09:00–11:30") && !strings.Contains(body, "09.00–11.30") ||
					!strings.Contains(body, `<input type="hidden" name="also" value="tax-card">`) || !strings.Contains(body, `<input type="hidden" name="people" value="4">`) {
					t.Fatalf("details: %d\n%s", status, body)
				}

				post := url.Values{"start": {start}, "also": {"tax-card"}, "people": {"4"}, "name": {"Ana Silva"}, "email": {"ana@example.com"},
					"consent": {"yes"}, "key": {"form-visit-" + tt.lang + "-0123456789"}}
				sent, h := form(post)
				r := a.doNoRedirect("POST", "/book/aarhus/cpr-number", sent, append(h, "Cookie", "lang="+tt.lang)...)
				confirmation, err := url.Parse(r.header.Get("Location"))
				if r.status != http.StatusSeeOther || err != nil {
					t.Fatalf("book: %d %s", r.status, r.body)
				}
				ref := strings.Split(confirmation.Path, "/")[2]
				token := confirmation.Query().Get("token")
				b, err := a.scheduler.Get(context.Background(), ref, token)
				if err != nil || !slices.Equal(b.Services, []string{"cpr-number", "tax-card"}) || b.People != 4 || b.End.Sub(b.Start).Minutes() != 150 {
					t.Fatalf("booked %v for %d from %s to %s, %v", b.Services, b.People, b.Start, b.End, err)
				}

				// Once the other desks are taken at 09:00 too, the next family
				// is sent back to the times with its visit kept.
				for _, email := range []string{"b@example.com", "c@example.com"} {
					a.book(map[string]any{"center": "aarhus", "service": "cpr-number", "start": start, "name": "B", "email": email})
				}
				post.Set("key", "form-visit-"+tt.lang+"-late-0123456")
				sent, h = form(post)
				r = a.do("POST", "/book/aarhus/cpr-number", sent, append(h, "Cookie", "lang="+tt.lang)...)
				if late := html.UnescapeString(string(r.body)); r.status != http.StatusConflict || !strings.Contains(late, `id="problem"`) ||
					!strings.Contains(late, `<input type="hidden" name="also" value="tax-card">`+tt.tax) || !strings.Contains(late, `name="people" value="4"`) {
					t.Errorf("a time taken: %d\n%s", r.status, late)
				}

				for _, page := range []string{confirmation.RequestURI(), "/bookings/" + ref + "?token=" + url.QueryEscape(token)} {
					status, body = get(page)
					if status != 200 || !strings.Contains(body, "<li>"+tt.cpr+"</li><li>"+tt.tax+"</li>") ||
						!strings.Contains(body, "<dt>"+tt.people+`</dt><dd id="people">4</dd>`) {
						t.Errorf("%s: %d\n%s", page, status, body)
					}
					bring := regexp.MustCompile(`(?s)<ul class="checklist" id="bring">(.*?)</ul>`).FindStringSubmatch(body)
					if bring == nil {
						t.Fatalf("%s has no checklist:\n%s", page, body)
					}
					for _, doc := range tt.bring {
						if n := strings.Count(bring[1], "<li>"+doc+"</li>"); n != 1 {
							t.Errorf("%s lists %q %d times", page, doc, n)
						}
					}
					if n := strings.Count(bring[1], "<li>"); n != len(tt.bring) {
						t.Errorf("%s lists %d things to bring, want %d:\n%s", page, n, len(tt.bring), bring[1])
					}
				}
				// The manage page moves the visit only where all of it fits.
				if !strings.Contains(body, `value="2026-11-30T12:30:00+01:00"`) || strings.Contains(body, `value="2026-11-30T13:00:00+01:00"`) {
					t.Errorf("the manage page offers times that do not fit the visit:\n%s", body)
				}
			})
		}
	})
}

// TestVisitBadInput: a service or a number of people the visit cannot
// take is named next to its field, with no times to choose and nothing
// booked, on the times page and when posted.
func TestVisitBadInput(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	for _, tt := range []struct {
		name, query, lang string
		field, message    string
	}{
		{"unknown service", "also=nope", "en", "also", "We do not have that service."},
		{"the first again", "also=cpr-number", "en", "also", "CPR number application guidance is in your visit already."},
		{"twice", "also=tax-card&also=tax-card", "en", "also", "Tax card application support is in your visit already."},
		{"walk-in", "also=general-information", "en", "also", "General information needs no appointment"},
		{"too many", "also=tax-card&also=mitid&also=eu-residence-document", "en", "also", "One visit can hold at most 3 services."},
		{"too many people", "people=5", "en", "people", "Enter a number from 1 to 4: a visit for CPR number application guidance can take at most 4 people."},
		{"too many for an added service", "also=mitid&people=4", "da", "people", "Skriv et tal fra 1 til 2: et besøg til Hjælp til at få MitID kan højst omfatte 2 personer."},
		{"one person only", "also=work-permit&people=2", "en", "people", "Enter 1: a visit for Work permit application support is for one person only."},
		{"no one", "people=0", "en", "people", "Enter a number from 1 to 4"},
		{"not a number", "people=four", "da", "people", "Skriv et tal fra 1 til 4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/book/aarhus/cpr-number?", "/book/aarhus/cpr-number/details?start=2026-11-30T09%3A00%3A00%2B01%3A00&"} {
				r := a.do("GET", path+tt.query, nil, "Cookie", "lang="+tt.lang)
				body := html.UnescapeString(string(r.body))
				// The message is next to the field, which it describes; a
				// visit that holds all it may has no field to add one.
				msg := regexp.MustCompile(`class="field-error" id="` + tt.field + `-error"[^>]*>([^<]*)<`).FindStringSubmatch(body)
				control := regexp.MustCompile(`<(input|select)[^>]*id="` + tt.field + `"[^>]*>`).FindString(body)
				if r.status != http.StatusUnprocessableEntity || msg == nil || !strings.Contains(msg[1], tt.message) ||
					control != "" && !strings.Contains(control, `aria-describedby="`+tt.field+`-hint `+tt.field+`-error"`) ||
					control == "" && tt.field == "people" || strings.Contains(body, `name="start"`) || !strings.Contains(body, `id="fix-visit"`) {
					t.Errorf("%s%s: %d\n%s", path, tt.query, r.status, body)
				}
			}
			post, _ := url.ParseQuery(tt.query)
			for k, v := range map[string]string{"start": "2026-11-30T09:00:00+01:00", "name": "Ana Silva", "email": "ana@example.com", "consent": "yes"} {
				post.Set(k, v)
			}
			body, h := form(post)
			if r := a.doNoRedirect("POST", "/book/aarhus/cpr-number", body, append(h, "Cookie", "lang="+tt.lang)...); r.status != http.StatusUnprocessableEntity ||
				!strings.Contains(html.UnescapeString(string(r.body)), tt.message) {
				t.Errorf("posted: %d\n%s", r.status, r.body)
			}
			if n := a.activeBookings(); n != 0 {
				t.Errorf("%d bookings", n)
			}
		})
	}
}

// The services a visit may hold are the center's max_services: once it
// holds them, nothing more is offered.
func TestVisitFull(t *testing.T) {
	a := newApp(t, "sqlite", thursday)
	body := html.UnescapeString(string(a.do("GET", "/book/aarhus/cpr-number?also=tax-card&also=mitid&week=2026-11-30", nil).body))
	if strings.Contains(body, `id="also"`) || !strings.Contains(body, "One visit can hold at most 3 services.") || !strings.Contains(body, `name="start"`) {
		t.Errorf("a full visit:\n%s", body)
	}
	// An added service that needs a language asks for it first.
	body = html.UnescapeString(string(a.do("GET", "/book/aarhus/cpr-number?also=document-translation&week=2026-11-30", nil).body))
	if strings.Contains(body, `name="start"`) || !strings.Contains(body, "Which language are your documents in?") {
		t.Errorf("a visit with a translation, before its language:\n%s", body)
	}
}
