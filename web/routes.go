package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// routes mounts every route the server answers: its own, then each
// audience's, which lists its own routes in its package's routes.go and
// chooses how its route groups fail.
func (s *Server) routes(r *gin.Engine) {
	own := middleware.Group(r, "", render.FailProblem)
	own.GET("/healthz", s.health)
	own.GET("/readyz", s.ready)
	if s.cfg.Metrics != nil {
		own.GET("/metrics", gin.WrapH(s.cfg.Metrics.Handler(s.log)))
	}
	own.GET("/static/*file", render.Static)
	own.GET("/manifest.webmanifest", render.Manifest)

	s.api.Routes(r)        // /api/openapi.json, /api/v1
	s.site.Routes(r)       // the newcomers' pages
	s.backoffice.Routes(r) // /staff, /api/v1/staff, the calendar feeds

	// A request no route takes belongs to no group: it is answered as the
	// audience whose addresses it falls among would answer it, the API
	// under /api/ and the pages elsewhere, after the same checks.
	noRoute := &render.HTTPError{Status: http.StatusNotFound, Code: "not_found", Detail: "no such page or endpoint"}
	r.NoRoute(slices.Concat([]gin.HandlerFunc{failAsOwner}, middleware.Checks(), []gin.HandlerFunc{func(c *gin.Context) {
		middleware.Fail(c, noRoute)
	}})...)
	// A method the route does not take is a client's mistake, never a
	// person's: a problem.
	r.NoMethod(slices.Concat([]gin.HandlerFunc{failAsOwner}, middleware.Checks(), []gin.HandlerFunc{func(c *gin.Context) {
		render.FailProblem(c, &render.HTTPError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Detail: c.Request.Method + " is not allowed here"})
	}})...)
}

// failAsOwner sets the failure style of a request no route takes: that of
// the API under /api/, of the pages elsewhere.
func failAsOwner(c *gin.Context) {
	fail := render.FailPage
	if p := c.Request.URL.Path; p == "/api" || strings.HasPrefix(p, "/api/") {
		fail = render.FailProblem
	}
	middleware.FailWith(fail)(c)
}
