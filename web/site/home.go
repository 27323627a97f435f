package site

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// categories are the seed's four groups of services, in the order the
// pages show them; a service of another category comes last.
var categories = []string{"registration", "information", "practical", "specialized"}

type homePage struct {
	render.Page
	Centers  []centerCard
	Services []serviceGroup
}

// centerCard is a center as the pages list it, in the page's language.
type centerCard struct {
	booking.Center
	Hours     []locale.HoursLine
	Open      bool
	Status    string // "Open now, until 15:00"
	Languages string
	// Wait is the estimated wait for a walk-in ticket taken now; "" while
	// the center gives none.
	Wait string
}

type serviceGroup struct {
	Title    string
	Services []render.ServiceItem
}

func (h *Handler) home(c *gin.Context) {
	p := homePage{Page: render.NewPage(c, "home.title")}
	centers, err := h.centerCards(c.Request.Context(), p.L)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p.Centers = centers
	p.Services = groupServices(p.L, h.scheduler.Catalogue().Services)
	render.Render(c, http.StatusOK, "home.html", p)
}

// centerCards describes every center, in the catalogue's order.
func (h *Handler) centerCards(ctx context.Context, l *locale.Locale) ([]centerCard, error) {
	var cards []centerCard
	for _, ce := range h.scheduler.Catalogue().Centers {
		card, err := h.centerCard(ctx, l, ce)
		if err != nil {
			return nil, err
		}
		cards = append(cards, card)
	}
	return cards, nil
}

// centerCard describes a center: its hours, whether it is open now, the
// wait for walk-ins and the languages it offers.
func (h *Handler) centerCard(ctx context.Context, l *locale.Locale, ce booking.Center) (centerCard, error) {
	opening, err := h.scheduler.Opening(ctx, ce.ID)
	if err != nil {
		return centerCard{}, err
	}
	card := centerCard{Center: ce, Hours: l.OpeningHours(ce.Hours), Open: opening.Open}
	loc := h.scheduler.Location()
	switch today := h.today(); {
	case opening.Open:
		card.Status = l.T("center.open_until", "Time", l.Clock(opening.Closes.In(loc)))
	case opening.Opens.IsZero():
		card.Status = l.T("center.closed")
	case booking.DateOf(opening.Opens.In(loc)) == today:
		card.Status = l.T("center.opens_today", "Time", l.Clock(opening.Opens.In(loc)))
	case booking.DateOf(opening.Opens.In(loc)) == today.AddDays(1):
		card.Status = l.T("center.opens_tomorrow", "Time", l.Clock(opening.Opens.In(loc)))
	default:
		card.Status = l.T("center.opens_on", "Day", l.Weekday(opening.Opens.In(loc).Weekday()), "Time", l.Clock(opening.Opens.In(loc)))
	}
	card.Languages = l.T("center.languages_text",
		"Spoken", languageList(l, ce.Languages), "Interpreters", languageList(l, ce.InterpreterLanguages()))
	estimate, err := h.walkIns.EstimatedWait(ctx, ce.ID)
	if err != nil {
		return centerCard{}, err
	}
	if estimate.Open {
		card.Wait = l.T("center.wait", "Wait", waitText(l, estimate.Wait))
	}
	return card, nil
}

// languageList names languages in l, separated by commas.
func languageList(l *locale.Locale, codes []string) string {
	names := make([]string, len(codes))
	for i, code := range codes {
		names[i] = l.LanguageName(code)
	}
	return strings.Join(names, ", ")
}

// groupServices sorts services into the categories, in l.
func groupServices(l *locale.Locale, services []booking.Service) []serviceGroup {
	var groups []serviceGroup
	seen := map[string]bool{}
	add := func(title string, keep func(booking.Service) bool) {
		g := serviceGroup{Title: title}
		for _, sv := range services {
			if keep(sv) {
				g.Services = append(g.Services, render.NewServiceItem(sv, l.Tag()))
			}
		}
		if len(g.Services) > 0 {
			groups = append(groups, g)
		}
	}
	for _, cat := range categories {
		seen[cat] = true
		add(l.T("category."+cat), func(sv booking.Service) bool { return sv.Category == cat })
	}
	add(l.T("category.other"), func(sv booking.Service) bool { return !seen[sv.Category] })
	return groups
}
