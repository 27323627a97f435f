package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

type homePage struct {
	Centers  []homeCenter
	Services []booking.Service
}

type homeCenter struct {
	centerResponse
	OpeningHours []string
}

func (s *Server) home(c *gin.Context) {
	page := homePage{Services: s.scheduler.Catalogue().Services}
	for _, ce := range s.scheduler.Catalogue().Centers {
		var hours []string
		for _, line := range locale.Get("en").OpeningHours(ce.Hours) {
			hours = append(hours, line.String())
		}
		page.Centers = append(page.Centers, homeCenter{s.centerResponse(ce), hours})
	}
	s.render(c, http.StatusOK, "home.html", page)
}
