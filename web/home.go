package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

type homePage struct {
	Centers  []centerResponse
	Services []booking.Service
}

func (s *Server) home(c *gin.Context) {
	page := homePage{Services: s.scheduler.Catalogue().Services}
	for _, ce := range s.scheduler.Catalogue().Centers {
		page.Centers = append(page.Centers, s.centerResponse(ce))
	}
	s.render(c, http.StatusOK, "home.html", page)
}
