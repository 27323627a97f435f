package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

type serviceResponse struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Category         string   `json:"category"`
	Description      string   `json:"description"`
	Mode             string   `json:"mode"`
	DurationMinutes  int      `json:"duration_minutes"`
	MaxPeople        int      `json:"max_people"`
	PerPersonMinutes int      `json:"per_person_minutes"`
	Bring            []string `json:"bring"`
	NeedsLanguage    bool     `json:"needs_language"`
}

func newServiceResponse(s booking.Service) serviceResponse {
	return serviceResponse{
		ID:               s.ID,
		Name:             s.Name,
		Category:         s.Category,
		Description:      s.Description,
		Mode:             string(s.Mode),
		DurationMinutes:  int(s.Duration.Minutes()),
		MaxPeople:        s.PeoplePerVisit(),
		PerPersonMinutes: int(s.TimePerPerson().Minutes()),
		Bring:            nonNil(s.Bring),
		NeedsLanguage:    s.NeedsLanguage,
	}
}

func (h *Handler) listServices(c *gin.Context) {
	services := []serviceResponse{}
	for _, sv := range h.scheduler.Catalogue().Services {
		services = append(services, newServiceResponse(sv))
	}
	c.JSON(http.StatusOK, gin.H{"services": services})
}
