package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument describes every /api/v1 route; a test checks real
// responses against it.
//
//go:embed openapi.json
var openAPIDocument []byte

func (h *Handler) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDocument)
}
