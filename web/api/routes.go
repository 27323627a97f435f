package api

import (
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// Routes adds the API's routes to r; every failure is a problem document.
func (h *Handler) Routes(r gin.IRouter) {
	middleware.Group(r, "/api", render.FailProblem).GET("/openapi.json", h.openAPI)

	api := middleware.Group(r, "/api/v1", render.FailProblem)
	api.GET("/centers", h.listCenters)
	api.GET("/centers/:center", h.getCenter)
	api.GET("/centers/:center/slots", h.listSlots)
	api.POST("/centers/:center/tickets", h.cfg.Limit, h.createTicket)
	api.POST("/centers/:center/check-ins", h.cfg.Limit, h.checkIn)
	api.GET("/centers/:center/queue", h.getQueue)
	api.GET("/services", h.listServices)
	api.POST("/bookings", h.cfg.Limit, h.createBooking)
	api.GET("/bookings/:reference", h.getBooking)
	api.POST("/bookings/:reference/cancel", h.cfg.Limit, h.cancelBooking)
	api.POST("/bookings/:reference/reschedule", h.cfg.Limit, h.rescheduleBooking)
	api.POST("/waitlist", h.cfg.Limit, h.joinWaitlist)
	api.GET("/waitlist/:reference", h.getWaitEntry)
	api.POST("/waitlist/:reference/accept", h.cfg.Limit, h.acceptWaitOffer)
	api.POST("/waitlist/:reference/decline", h.cfg.Limit, h.declineWaitOffer)
	api.POST("/waitlist/:reference/leave", h.cfg.Limit, h.leaveWaitlist)
}
