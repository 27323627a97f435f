package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// infoPage is a page of plain text from the message files: the questions,
// privacy and accessibility.
type infoPage struct {
	page
	Centers []centerCard
	// RetentionDays is how long personal data is kept, for the privacy
	// page.
	RetentionDays int
}

// info renders the page name, titled with the message name+".title".
func (s *Server) info(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := infoPage{page: s.newPage(c, name+".title")}
		p.Section = name
		p.RetentionDays = s.cfg.RetentionDays
		for _, ce := range s.scheduler.Catalogue().Centers {
			p.Centers = append(p.Centers, centerCard{Center: ce})
		}
		s.render(c, http.StatusOK, name+".html", p)
	}
}
