package backoffice

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// staffMeResponse is the logged-in account as the API shows it.
type staffMeResponse struct {
	Email  string `json:"email"`
	Center string `json:"center,omitempty"`
	Role   string `json:"role"`
	// Centers are the IDs of the centers the account may see and change.
	Centers []string `json:"centers"`
}

// staffMe answers who is logged in and which centers they may see.
func (h *Handler) staffMe(c *gin.Context) {
	a := staffAccount(c)
	res := staffMeResponse{Email: a.Email, Center: a.Center, Role: string(a.Role), Centers: []string{}}
	for _, center := range h.scheduler.Catalogue().Centers {
		if a.CanSee(center.ID) {
			res.Centers = append(res.Centers, center.ID)
		}
	}
	c.JSON(http.StatusOK, res)
}
