package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route the server answers.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/", s.home)
	r.GET("/healthz", s.health)
	r.GET("/api/openapi.json", s.openAPI)
	r.GET("/centers/:center/calendar.ics", s.calendarFeed)
	r.GET("/bookings/:reference", s.manage)
	r.POST("/bookings/:reference/cancel", s.manageCancel)
	r.POST("/bookings/:reference/reschedule", s.manageMove)

	api := r.Group("/api/v1")
	api.GET("/centers", s.listCenters)
	api.GET("/centers/:center", s.getCenter)
	api.GET("/centers/:center/slots", s.listSlots)
	api.GET("/services", s.listServices)
	api.POST("/bookings", s.createBooking)
	api.GET("/bookings/:reference", s.getBooking)
	api.POST("/bookings/:reference/cancel", s.cancelBooking)
	api.POST("/bookings/:reference/reschedule", s.rescheduleBooking)

	r.NoRoute(func(c *gin.Context) {
		fail(c, &httpError{status: http.StatusNotFound, code: "not_found", detail: "no such page or endpoint"})
	})
	r.NoMethod(func(c *gin.Context) {
		fail(c, &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", detail: c.Request.Method + " is not allowed here"})
	})
}

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
