package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// infoPage is a page of plain text from the message files: the questions,
// privacy and accessibility.
type infoPage struct {
	render.Page
	Centers []centerCard
	// RetentionDays is how long personal data is kept, for the privacy
	// page.
	RetentionDays int
}

// info renders the page name, titled with the message name+".title".
func (h *Handler) info(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := infoPage{Page: render.NewPage(c, name+".title")}
		p.Section = name
		p.RetentionDays = h.cfg.RetentionDays
		for _, ce := range h.scheduler.Catalogue().Centers {
			p.Centers = append(p.Centers, centerCard{Center: ce})
		}
		render.Render(c, http.StatusOK, name+".html", p)
	}
}
