package notify

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/booking/bookingtest"
	"github.com/ics-booking/icsbooking/locale"
)

// aarhus is the Aarhus center as configs/catalogue.yaml has it.
func letterCenter() booking.Center {
	weekday := booking.Span{Open: 9 * time.Hour, Close: 15 * time.Hour}
	return booking.Center{
		ID:      "aarhus",
		Code:    "AAR",
		Name:    "Aarhus ICS Center",
		Address: "Banegårdspladsen 1A, 8000 Aarhus C",
		Phone:   "+45 87 31 30 00",
		Email:   "aarhus@ics.dk",
		Hours: map[time.Weekday]booking.Span{
			time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday,
			time.Thursday: weekday, time.Friday: weekday,
		},
	}
}

func letterService() booking.Service {
	return booking.Service{
		ID:       "residence-permit",
		Name:     "Residence permit renewal",
		Duration: 45 * time.Minute,
		Bring:    []string{"Passport", "Current residence card"},
	}
}

const letterManageURL = "https://booking.example.dk/manage/AAR-7K3M9Q?token=abc&x=1"

func testLetter(t *testing.T, kind booking.EmailKind, locale string, start time.Time) Letter {
	t.Helper()
	return Letter{
		Kind: kind,
		Booking: booking.Booking{
			Reference: "AAR-7K3M9Q",
			Center:    "aarhus",
			Service:   "residence-permit",
			Start:     start,
			End:       start.Add(45 * time.Minute),
			Name:      "Amina Hassan",
			Email:     "amina@example.com",
			Locale:    locale,
			Status:    booking.Confirmed,
		},
		Center:    letterCenter(),
		Services:  []booking.Service{letterService()},
		Location:  copenhagenZone(t),
		ManageURL: letterManageURL,
	}
}

func TestComposeTimesAndDetails(t *testing.T) {
	winter := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)    // 09:00 CET
	summer := time.Date(2026, 6, 17, 7, 30, 0, 0, time.UTC)   // 09:30 CEST
	afterDST := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)  // 09:00 CEST, the day after the change
	beforeDST := time.Date(2026, 3, 27, 8, 0, 0, 0, time.UTC) // 09:00 CET, the Friday before

	type want struct {
		subject string // without the kind's prefix
		when    string
		hours   string
		free    string
	}
	cases := []struct {
		locale string
		start  time.Time
		want   want
	}{
		{"en", winter, want{
			"Your appointment at Aarhus ICS Center on 7 December 2026 at 09:00",
			"Monday 7 December 2026, 09:00–09:45 (Copenhagen time, CET)",
			"Monday–Friday 09:00–15:00", "The service is free."}},
		{"en", summer, want{
			"Your appointment at Aarhus ICS Center on 17 June 2026 at 09:30",
			"Wednesday 17 June 2026, 09:30–10:15 (Copenhagen time, CEST)",
			"Monday–Friday 09:00–15:00", "The service is free."}},
		{"en", afterDST, want{
			"Your appointment at Aarhus ICS Center on 30 March 2026 at 09:00",
			"Monday 30 March 2026, 09:00–09:45 (Copenhagen time, CEST)",
			"Monday–Friday 09:00–15:00", "The service is free."}},
		{"en", beforeDST, want{
			"Your appointment at Aarhus ICS Center on 27 March 2026 at 09:00",
			"Friday 27 March 2026, 09:00–09:45 (Copenhagen time, CET)",
			"Monday–Friday 09:00–15:00", "The service is free."}},
		{"da", winter, want{
			"Din tid hos Aarhus ICS Center den 7. december 2026 kl. 09.00",
			"mandag den 7. december 2026 kl. 09.00–09.45 (dansk tid, CET)",
			"Mandag–fredag 09.00–15.00", "Det er gratis."}},
		{"da", summer, want{
			"Din tid hos Aarhus ICS Center den 17. juni 2026 kl. 09.30",
			"onsdag den 17. juni 2026 kl. 09.30–10.15 (dansk tid, CEST)",
			"Mandag–fredag 09.00–15.00", "Det er gratis."}},
		{"da", afterDST, want{
			"Din tid hos Aarhus ICS Center den 30. marts 2026 kl. 09.00",
			"mandag den 30. marts 2026 kl. 09.00–09.45 (dansk tid, CEST)",
			"Mandag–fredag 09.00–15.00", "Det er gratis."}},
	}
	prefixes := map[string]map[booking.EmailKind]string{
		"en": {booking.EmailConfirmation: "", booking.EmailUpdate: "Moved: ", booking.EmailCancellation: "Cancelled: ", booking.EmailReminder: "Reminder: "},
		"da": {booking.EmailConfirmation: "", booking.EmailUpdate: "Flyttet: ", booking.EmailCancellation: "Aflyst: ", booking.EmailReminder: "Påmindelse: "},
	}
	leads := map[string]map[booking.EmailKind]string{
		"en": {
			booking.EmailConfirmation: "Your appointment at Aarhus ICS Center is confirmed.",
			booking.EmailUpdate:       "Your appointment has been moved.",
			booking.EmailCancellation: "Your appointment at Aarhus ICS Center has been cancelled.",
			booking.EmailReminder:     "This is a reminder of your appointment at Aarhus ICS Center.",
		},
		"da": {
			booking.EmailConfirmation: "Din tid hos Aarhus ICS Center er bekræftet.",
			booking.EmailUpdate:       "Din tid er flyttet.",
			booking.EmailCancellation: "Din tid hos Aarhus ICS Center er aflyst.",
			booking.EmailReminder:     "Vi minder dig om din tid hos Aarhus ICS Center.",
		},
	}

	for _, c := range cases {
		for _, kind := range []booking.EmailKind{booking.EmailConfirmation, booking.EmailUpdate, booking.EmailCancellation, booking.EmailReminder} {
			t.Run(c.locale+"/"+string(kind)+"/"+c.start.Format("2006-01-02"), func(t *testing.T) {
				subject, text, htmlBody, err := Compose(testLetter(t, kind, c.locale, c.start))
				if err != nil {
					t.Fatal(err)
				}
				if want := prefixes[c.locale][kind] + c.want.subject; subject != want {
					t.Errorf("subject = %q, want %q", subject, want)
				}
				shown := html.UnescapeString(htmlBody)
				for _, s := range []string{
					leads[c.locale][kind],
					"Amina Hassan",
					"Residence permit renewal",
					c.want.when,
					"AAR-7K3M9Q",
					"Aarhus ICS Center",
					"Banegårdspladsen 1A, 8000 Aarhus C",
					"+45 87 31 30 00",
					c.want.hours,
				} {
					if !strings.Contains(text, s) {
						t.Errorf("text lacks %q:\n%s", s, text)
					}
					if !strings.Contains(shown, s) {
						t.Errorf("HTML lacks %q:\n%s", s, htmlBody)
					}
				}

				present := kind != booking.EmailCancellation
				for _, s := range []string{"Passport", "Current residence card", letterManageURL, c.want.free} {
					if strings.Contains(text, s) != present {
						t.Errorf("text has %q: %v, want %v:\n%s", s, !present, present, text)
					}
					if strings.Contains(shown, s) != present {
						t.Errorf("HTML has %q: %v, want %v:\n%s", s, !present, present, htmlBody)
					}
				}
				if present && !strings.Contains(htmlBody, `href="`+html.EscapeString(letterManageURL)+`"`) {
					t.Errorf("HTML has no link to %s:\n%s", letterManageURL, htmlBody)
				}
				if !present {
					rebook := map[string]string{"en": "book a new appointment", "da": "bestille en ny tid"}[c.locale]
					if !strings.Contains(text, rebook) || !strings.Contains(shown, rebook) {
						t.Errorf("cancellation does not say how to book again (%q):\n%s", rebook, text)
					}
				}
				for _, s := range []string{"CPR", "cpr", "personnummer"} {
					if strings.Contains(subject+text+htmlBody, s) {
						t.Errorf("email mentions %q", s)
					}
				}
			})
		}
	}
}

func TestComposeLocaleFallsBackToEnglish(t *testing.T) {
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, locale := range []string{"", "fr", "EN", " da "} {
		subject, _, htmlBody, err := Compose(testLetter(t, booking.EmailConfirmation, locale, start))
		if err != nil {
			t.Fatal(err)
		}
		wantLang, wantSubject := "en", "Your appointment at Aarhus ICS Center on 7 December 2026 at 09:00"
		if strings.TrimSpace(locale) == "da" {
			wantLang, wantSubject = "da", "Din tid hos Aarhus ICS Center den 7. december 2026 kl. 09.00"
		}
		if subject != wantSubject {
			t.Errorf("locale %q: subject %q, want %q", locale, subject, wantSubject)
		}
		if !strings.Contains(htmlBody, `<html lang="`+wantLang+`">`) {
			t.Errorf("locale %q: HTML is not lang=%s", locale, wantLang)
		}
	}
}

func TestComposeEscapesHTML(t *testing.T) {
	l := testLetter(t, booking.EmailConfirmation, "en", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	l.Booking.Name = `<script>alert(1)</script> & "Co"`
	_, text, htmlBody, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(htmlBody, "<script") {
		t.Errorf("HTML contains the raw name:\n%s", htmlBody)
	}
	if !strings.Contains(htmlBody, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;") {
		t.Errorf("HTML does not contain the escaped name:\n%s", htmlBody)
	}
	if !strings.Contains(text, `Hello <script>alert(1)</script> & "Co",`) {
		t.Errorf("text does not contain the name as written:\n%s", text)
	}
}

func TestComposeKeepsNamesInAnyScript(t *testing.T) {
	for _, name := range []string{"محمد الأحمد", "王小明", "Søren Ærø-Åberg", "Олена Шевченко"} {
		for _, locale := range []string{"en", "da"} {
			l := testLetter(t, booking.EmailReminder, locale, time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
			l.Booking.Name = name
			_, text, htmlBody, err := Compose(l)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, name) || !strings.Contains(htmlBody, name) {
				t.Errorf("%s: name %q does not come through intact:\n%s\n%s", locale, name, text, htmlBody)
			}
		}
	}
}

func TestComposeInterpreter(t *testing.T) {
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	cases := []struct{ locale, language, want string }{
		{"en", "ar", "Interpreter: Arabic"},
		{"da", "ar", "Tolk: arabisk"},
		{"en", "uk", "Interpreter: Ukrainian"},
		{"da", "ti", "Tolk: tigrinya"},
		{"en", "qqq", "Interpreter: qqq"},
	}
	for _, c := range cases {
		l := testLetter(t, booking.EmailConfirmation, c.locale, start)
		l.Booking.Language = c.language
		_, text, htmlBody, err := Compose(l)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("%s/%s: text lacks %q:\n%s", c.locale, c.language, c.want, text)
		}
		if _, name, _ := strings.Cut(c.want, ": "); !strings.Contains(htmlBody, name) {
			t.Errorf("%s/%s: HTML lacks %q", c.locale, c.language, name)
		}
	}

	_, text, _, err := Compose(testLetter(t, booking.EmailConfirmation, "en", start))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "Interpreter") {
		t.Errorf("a booking without a language mentions an interpreter:\n%s", text)
	}
}

func TestComposeRefusesIncompleteLetters(t *testing.T) {
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	cases := map[string]func(*Letter){
		"unknown kind":               func(l *Letter) { l.Kind = "invoice" },
		"no time zone":               func(l *Letter) { l.Location = nil },
		"no service":                 func(l *Letter) { l.Services = nil },
		"no start":                   func(l *Letter) { l.Booking.Start = time.Time{} },
		"end before start":           func(l *Letter) { l.Booking.End = l.Booking.Start.Add(-time.Minute) },
		"confirmation without link":  func(l *Letter) { l.ManageURL = "" },
		"update without link":        func(l *Letter) { l.Kind, l.ManageURL = booking.EmailUpdate, "" },
		"reminder without link":      func(l *Letter) { l.Kind, l.ManageURL = booking.EmailReminder, "" },
		"cancellation with no start": func(l *Letter) { l.Kind, l.Booking.Start = booking.EmailCancellation, time.Time{} },
	}
	for name, change := range cases {
		l := testLetter(t, booking.EmailConfirmation, "en", start)
		change(&l)
		if _, _, _, err := Compose(l); !errors.Is(err, ErrInvalidLetter) {
			t.Errorf("%s: err = %v, want ErrInvalidLetter", name, err)
		}
	}

	l := testLetter(t, booking.EmailCancellation, "en", start)
	l.ManageURL = ""
	if _, _, _, err := Compose(l); err != nil {
		t.Errorf("a cancellation needs no manage link, got %v", err)
	}
}

// Every locale must say everything: a template missing from a new locale
// would fail only when an email of that kind is sent.
func TestLocalesDefineTheSameTemplates(t *testing.T) {
	names := func(set letterTemplates) []string {
		var text, html []string
		for _, tm := range set.text.Templates() {
			if !strings.HasSuffix(tm.Name(), ".tmpl") {
				text = append(text, tm.Name())
			}
		}
		for _, tm := range set.html.Templates() {
			if !strings.HasSuffix(tm.Name(), ".tmpl") {
				html = append(html, tm.Name())
			}
		}
		slices.Sort(text)
		slices.Sort(html)
		if !slices.Equal(text, html) {
			t.Errorf("text and HTML sets differ: %q, %q", text, html)
		}
		return text
	}
	want := names(letterSets[locale.Default])
	if len(want) == 0 {
		t.Fatal("the default locale defines no templates")
	}
	for _, tag := range slices.Sorted(maps.Keys(letterSets)) {
		if got := names(letterSets[tag]); !slices.Equal(got, want) {
			t.Errorf("locale %s defines %q, want %q", tag, got, want)
		}
	}
	if len(letterSets) != len(locale.Tags()) {
		t.Errorf("%d template sets for %d locales", len(letterSets), len(locale.Tags()))
	}
}

// A booking staff cancelled says why and links to booking again, in the
// booking's language.
func TestComposeCancellationByStaff(t *testing.T) {
	for locale, want := range map[string]string{"en": "Reason: Closed for staff training", "da": "Årsag: Closed for staff training"} {
		l := testLetter(t, booking.EmailCancellation, locale, time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
		l.Booking.CancelReason = "Closed for staff training"
		l.RebookURL = "https://booking.example.dk/book/aarhus/residence-permit-renewal?lang=" + locale
		_, text, html, err := Compose(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{text, html} {
			if !strings.Contains(body, want) && !strings.Contains(body, strings.Replace(want, ": ", ":</strong> ", 1)) {
				t.Errorf("%s: no %q in\n%s", locale, want, body)
			}
			if !strings.Contains(body, l.RebookURL) {
				t.Errorf("%s: no link to book again in\n%s", locale, body)
			}
		}
	}
	// The newcomer's own cancellation gives no reason.
	_, text, _, err := Compose(testLetter(t, booking.EmailCancellation, "en", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)))
	if err != nil || strings.Contains(text, "Reason") {
		t.Errorf("own cancellation: %v\n%s", err, text)
	}
}

// goldenStart is Monday 7 December 2026, 09:00 in Copenhagen (CET).
var goldenStart = time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)

// catalogueBooking is a booking at the Aarhus center of the built-in
// catalogue of services, in order, for people, from goldenStart for length,
// with its emails in locale.
func catalogueBooking(locale string, length time.Duration, people int, services ...string) booking.Booking {
	return booking.Booking{
		Reference: "AAR-7K3M9Q",
		Center:    "aarhus",
		Service:   services[0],
		Services:  services,
		People:    people,
		Start:     goldenStart,
		End:       goldenStart.Add(length),
		Name:      "Amina Hassan",
		Email:     "amina@example.com",
		Locale:    locale,
		Status:    booking.Confirmed,
	}
}

// aarhusOf finds the Aarhus center of the built-in catalogue and its
// services ids, in order.
func aarhusOf(t *testing.T, ids ...string) (booking.Center, []booking.Service) {
	t.Helper()
	cat, _ := bookingtest.Catalogue()
	center, err := cat.Center("aarhus")
	if err != nil {
		t.Fatal(err)
	}
	services := make([]booking.Service, len(ids))
	for i, id := range ids {
		if services[i], err = cat.Service(id); err != nil {
			t.Fatal(err)
		}
	}
	return center, services
}

// visitBooking is a family's visit: a CPR number and a tax card for four
// people, 150 minutes (30 and 30, and 15 for each service and each person
// after the first).
func visitBooking(locale string) booking.Booking {
	return catalogueBooking(locale, 150*time.Minute, 4, "cpr-number", "tax-card")
}

// emailKinds are the kinds of email Compose writes.
var emailKinds = []booking.EmailKind{booking.EmailConfirmation, booking.EmailUpdate, booking.EmailReminder, booking.EmailCancellation}

// TestComposeGolden writes every kind of email about a booking of the
// built-in catalogue, in English and Danish, the cancellation by staff, and
// compares them with testdata/letters-<booking>-<locale>.txt.
func TestComposeGolden(t *testing.T) {
	_, loc := bookingtest.Catalogue()
	tests := []struct {
		name string
		b    func(locale string) booking.Booking
	}{
		{"renewal", func(locale string) booking.Booking {
			return catalogueBooking(locale, 45*time.Minute, 1, "residence-permit-renewal")
		}},
		{"visit", visitBooking},
	}
	for _, tt := range tests {
		for _, locale := range []string{"en", "da"} {
			t.Run(tt.name+"/"+locale, func(t *testing.T) {
				b := tt.b(locale)
				center, services := aarhusOf(t, b.Services...)
				var out bytes.Buffer
				for _, kind := range emailKinds {
					l := Letter{Kind: kind, Booking: b, Center: center, Services: services, Location: loc, ManageURL: letterManageURL}
					if kind == booking.EmailCancellation {
						l.Booking.Status, l.Booking.CancelReason = booking.Cancelled, "Closed for staff training"
						l.RebookURL = rebookURL("https://booking.example.dk", b.Center, b.Services, b.People, b.Locale)
					}
					subject, text, html, err := Compose(l)
					if err != nil {
						t.Fatal(err)
					}
					fmt.Fprintf(&out, "===== %s: subject\n%s\n===== %s: text\n%s===== %s: HTML\n%s", kind, subject, kind, text, kind, html)
				}
				checkGolden(t, "letters-"+tt.name+"-"+locale+".txt", out.Bytes())
			})
		}
	}
}

// Every email about a visit names each of its services in the email's
// language, in order, and the number of people, and lists what to bring
// once: the passport both services ask for appears once.
func TestComposeVisit(t *testing.T) {
	_, loc := bookingtest.Catalogue()
	tests := []struct {
		locale   string
		services []string
		people   string
		when     string
		bring    []string
	}{
		{"en", []string{"CPR number application guidance", "Tax card application support"}, "People: 4",
			"Monday 7 December 2026, 09:00–11:30 (Copenhagen time, CET)",
			[]string{"Passport with valid visa/residence permit", "Proof of address in Denmark",
				"Employment contract or study enrollment (if applicable)", "Marriage certificate (if applicable)",
				"Birth certificates for children (if applicable)"}},
		{"da", []string{"Vejledning om at få et CPR-nummer", "Hjælp til at søge om skattekort"}, "Antal personer: 4",
			"mandag den 7. december 2026 kl. 09.00–11.30 (dansk tid, CET)",
			[]string{"Pas med gyldigt visum eller gyldig opholdstilladelse", "Dokumentation for din adresse i Danmark",
				"Ansættelseskontrakt eller bevis for studieplads (hvis relevant)", "Vielsesattest (hvis relevant)",
				"Fødselsattester for dine børn (hvis relevant)"}},
	}
	for _, tt := range tests {
		for _, kind := range emailKinds {
			t.Run(tt.locale+"/"+string(kind), func(t *testing.T) {
				b := visitBooking(tt.locale)
				center, services := aarhusOf(t, b.Services...)
				_, text, htmlBody, err := Compose(Letter{Kind: kind, Booking: b, Center: center, Services: services, Location: loc, ManageURL: letterManageURL})
				if err != nil {
					t.Fatal(err)
				}
				shown := html.UnescapeString(htmlBody)
				wantText := "- " + strings.Join(tt.services, "\n- ") + "\n" + tt.people + "\n"
				if !strings.Contains(text, wantText) {
					t.Errorf("text does not list the services and people as\n%s\nin\n%s", wantText, text)
				}
				label, n, _ := strings.Cut(tt.people, ": ")
				wantHTML := strings.Join(tt.services, "<br>") + "</td></tr>\n" +
					`<tr><th style="text-align: left; vertical-align: top; padding: 2px 16px 2px 0;">` + label + "</th><td>" + n + "</td></tr>"
				if !strings.Contains(shown, wantHTML) {
					t.Errorf("HTML does not list the services and people as\n%s\nin\n%s", wantHTML, htmlBody)
				}
				for _, body := range []string{text, shown} {
					if !strings.Contains(body, tt.when) {
						t.Errorf("no %q, the whole visit, in\n%s", tt.when, body)
					}
				}
				var bring []string
				if kind != booking.EmailCancellation {
					bring = tt.bring
				}
				if got := listed(text, "- "); !slices.Equal(got, append(slices.Clone(tt.services), bring...)) {
					t.Errorf("text lists %q, want the services %q, then what to bring, each once: %q", got, tt.services, bring)
				}
				if got := listed(shown, "<li>"); !slices.Equal(got, bring) {
					t.Errorf("HTML lists %q, want what to bring, each once: %q", got, bring)
				}
			})
		}
	}
}

// listed returns the items of the lists in body: the rest of each line
// that starts with marker.
func listed(body, marker string) []string {
	var items []string
	for _, line := range strings.Split(body, "\n") {
		if item, ok := strings.CutPrefix(line, marker); ok {
			items = append(items, strings.TrimSuffix(item, "</li>"))
		}
	}
	return items
}

const letterWaitlistURL = "https://booking.example.dk/waitlist/AAR-4W7XKP?token=abc&x=1"

// waitLetter is a letter of the given kind to a family waiting for a CPR
// number and a tax card at the Aarhus center of the built-in catalogue,
// until Tuesday 15 December 2026; an offer holds goldenStart for them until
// 10:30 the working day before.
func waitLetter(t *testing.T, kind booking.EmailKind, locale string) WaitLetter {
	t.Helper()
	_, loc := bookingtest.Catalogue()
	center, services := aarhusOf(t, "cpr-number", "tax-card")
	l := WaitLetter{
		Kind: kind,
		Entry: booking.WaitEntry{
			Reference: "AAR-4W7XKP",
			Center:    "aarhus",
			Services:  []string{"cpr-number", "tax-card"},
			People:    4,
			Name:      "Amina Hassan",
			Email:     "amina@example.com",
			Locale:    locale,
			Until:     booking.Date{Year: 2026, Month: time.December, Day: 15},
			Status:    booking.WaitWaiting,
		},
		Center:      center,
		Services:    services,
		Location:    loc,
		WaitlistURL: letterWaitlistURL,
	}
	switch kind {
	case booking.EmailWaitOffer:
		l.Entry.Status, l.Entry.Offers = booking.WaitOffered, 1
		l.Offer = booking.Offer{Start: goldenStart, End: goldenStart.Add(150 * time.Minute), Expires: time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)}
		l.Entry.Offer = l.Offer
	case booking.EmailWaitEnded:
		l.Entry.Status, l.WaitlistURL = booking.WaitExpired, ""
		l.RebookURL = rebookURL("https://booking.example.dk", "aarhus", l.Entry.Services, 4, locale)
	}
	return l
}

// TestComposeWaitGolden writes every email to a waitlist entry, in English
// and Danish, and compares them with testdata/letters-waitlist-<locale>.txt:
// joining, joining for an earlier time than a booking, an offer, an offer of
// an earlier time, and the end of an entry by its last day and by missed
// offers.
func TestComposeWaitGolden(t *testing.T) {
	for _, locale := range []string{"en", "da"} {
		t.Run(locale, func(t *testing.T) {
			var out bytes.Buffer
			for _, c := range []struct {
				name   string
				kind   booking.EmailKind
				change func(*WaitLetter)
			}{
				{"joined", booking.EmailWaitJoined, nil},
				{"joined for an earlier time", booking.EmailWaitJoined, func(l *WaitLetter) { l.Entry.BookingID = 7 }},
				{"offer", booking.EmailWaitOffer, nil},
				{"offer of an earlier time", booking.EmailWaitOffer, func(l *WaitLetter) { l.Entry.BookingID = 7 }},
				{"ended, last day passed", booking.EmailWaitEnded, nil},
				{"ended, offers missed", booking.EmailWaitEnded, func(l *WaitLetter) { l.Entry.Missed = booking.MaxMissedOffers }},
			} {
				l := waitLetter(t, c.kind, locale)
				if c.change != nil {
					c.change(&l)
				}
				subject, text, html, err := ComposeWait(l)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				fmt.Fprintf(&out, "===== %s: subject\n%s\n===== %s: text\n%s===== %s: HTML\n%s", c.name, subject, c.name, text, c.name, html)
			}
			checkGolden(t, "letters-waitlist-"+locale+".txt", out.Bytes())
		})
	}
}

// Each email to a waitlist entry says what it must, in text and HTML, and
// nothing of a booking's: no time but an offer's, no manage link, nothing
// to bring.
func TestComposeWait(t *testing.T) {
	tests := []struct {
		locale  string
		kind    booking.EmailKind
		subject string
		has     []string
		lacks   []string
	}{
		{"en", booking.EmailWaitJoined, "You are on the waitlist at Aarhus ICS Center", []string{
			"You are on the waitlist at Aarhus ICS Center for the visit below. We will email you the moment a time frees up",
			"CPR number application guidance", "Tax card application support", "People", "4",
			"Last day", "Tuesday 15 December 2026", "AAR-4W7XKP", "held for you for a while, and the email says until when",
			"leave the waitlist", letterWaitlistURL,
		}, []string{"Time", "Answer by", "Please bring"}},
		{"da", booking.EmailWaitJoined, "Du er på ventelisten hos Aarhus ICS Center", []string{
			"Du er nu på ventelisten hos Aarhus ICS Center til besøget herunder. Vi skriver til dig, så snart en tid bliver ledig",
			"Vejledning om at få et CPR-nummer", "Hjælp til at søge om skattekort", "Antal personer",
			"Sidste dag", "tirsdag den 15. december 2026", "forlade ventelisten", letterWaitlistURL,
		}, []string{"Svar senest", "Husk at medbringe"}},
		{"en", booking.EmailWaitOffer, "A time is held for you at Aarhus ICS Center on 7 December 2026 at 09:00", []string{
			"A time has freed up at Aarhus ICS Center, and we are holding it for you.",
			"Monday 7 December 2026, 09:00–11:30 (Copenhagen time, CET)",
			"Answer by", "Friday 4 December 2026, 10:30 (Copenhagen time, CET)",
			"Banegårdspladsen", "To accept the time, or to decline it", "you keep your place in line", letterWaitlistURL,
		}, []string{"Last day", "Please bring", "your appointment moves"}},
		{"da", booking.EmailWaitOffer, "Vi holder en tid til dig hos Aarhus ICS Center den 7. december 2026 kl. 09.00", []string{
			"En tid er blevet ledig hos Aarhus ICS Center, og vi holder den til dig.",
			"mandag den 7. december 2026 kl. 09.00–11.30 (dansk tid, CET)",
			"Svar senest", "fredag den 4. december 2026 kl. 10.30 (dansk tid, CET)",
			"Tag imod tiden eller sig nej tak", "du beholder din plads i køen", letterWaitlistURL,
		}, []string{"Sidste dag", "Husk at medbringe"}},
		{"en", booking.EmailWaitEnded, "Your place on the waitlist at Aarhus ICS Center has ended", []string{
			"your last day has passed", "Last day", "Tuesday 15 December 2026", "book a new appointment",
			"https://booking.example.dk/book/aarhus/cpr-number?also=tax-card&lang=en&people=4",
		}, []string{"waitlist/AAR-4W7XKP", "Answer by", "Please bring"}},
		{"da", booking.EmailWaitEnded, "Din plads på ventelisten hos Aarhus ICS Center er ophørt", []string{
			"din sidste dag er passeret", "Sidste dag", "bestille en ny tid",
			"https://booking.example.dk/book/aarhus/cpr-number?also=tax-card&lang=da&people=4",
		}, []string{"waitlist/AAR-4W7XKP", "Svar senest"}},
	}
	for _, tt := range tests {
		t.Run(tt.locale+"/"+string(tt.kind), func(t *testing.T) {
			subject, text, htmlBody, err := ComposeWait(waitLetter(t, tt.kind, tt.locale))
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject = %q, want %q", subject, tt.subject)
			}
			shown := html.UnescapeString(htmlBody)
			for _, body := range []string{text, shown} {
				for _, s := range tt.has {
					if !strings.Contains(body, s) {
						t.Errorf("no %q in\n%s", s, body)
					}
				}
				for _, s := range tt.lacks {
					if strings.Contains(body, s) {
						t.Errorf("%q in\n%s", s, body)
					}
				}
			}
			if tt.kind != booking.EmailWaitEnded && !strings.Contains(htmlBody, `href="`+html.EscapeString(letterWaitlistURL)+`"`) {
				t.Errorf("HTML has no link to %s:\n%s", letterWaitlistURL, htmlBody)
			}
		})
	}
}

func TestComposeWaitRefusesIncompleteLetters(t *testing.T) {
	cases := map[string]func(*WaitLetter){
		"booking kind":           func(l *WaitLetter) { l.Kind = booking.EmailConfirmation },
		"no time zone":           func(l *WaitLetter) { l.Location = nil },
		"no service":             func(l *WaitLetter) { l.Services = nil },
		"joined without link":    func(l *WaitLetter) { l.WaitlistURL = "" },
		"offer without link":     func(l *WaitLetter) { *l = waitLetter(t, booking.EmailWaitOffer, "en"); l.WaitlistURL = "" },
		"offer without start":    func(l *WaitLetter) { *l = waitLetter(t, booking.EmailWaitOffer, "en"); l.Offer.Start = time.Time{} },
		"offer ending too early": func(l *WaitLetter) { *l = waitLetter(t, booking.EmailWaitOffer, "en"); l.Offer.End = l.Offer.Start },
		"offer without hold":     func(l *WaitLetter) { *l = waitLetter(t, booking.EmailWaitOffer, "en"); l.Offer.Expires = time.Time{} },
	}
	for name, change := range cases {
		l := waitLetter(t, booking.EmailWaitJoined, "en")
		change(&l)
		if _, _, _, err := ComposeWait(l); !errors.Is(err, ErrInvalidLetter) {
			t.Errorf("%s: err = %v, want ErrInvalidLetter", name, err)
		}
	}
	if _, _, _, err := ComposeWait(waitLetter(t, booking.EmailWaitEnded, "en")); err != nil {
		t.Errorf("an ended entry needs no waitlist link, got %v", err)
	}
}
