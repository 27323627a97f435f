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
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	if err := templates.ExecuteTemplate(c.Writer, "home.html", page); err != nil {
		slogFrom(c).Error("render home", "error", err)
	}
}
