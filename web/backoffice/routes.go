package backoffice

import (
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// Routes adds the back office's routes to r: the pages, which fail with a
// page or a redirect to the login, the API and the calendar feeds, which
// fail with a problem document.
func (h *Handler) Routes(r gin.IRouter) {
	// The pages, in the language each request picks: every page but the
	// login needs a logged-in account.
	pages := middleware.Group(r, "/staff", failPage, middleware.ChooseLanguage(secure(h.cfg.BaseURL)))
	pages.GET("/login", h.staffLogin)
	pages.POST("/login", h.sessions.Load, h.staffLoginPost)
	loggedIn := pages.Group("", h.requireStaff)
	loggedIn.GET("", h.staffHome)
	loggedIn.POST("/logout", h.staffLogout)
	loggedIn.GET("/audit", requireAdmin(forbidden), h.staffAudit)
	// The catalogue of centers and services, for admins.
	catalogue := loggedIn.Group("/catalogue", requireAdmin(forbidden))
	catalogue.GET("", h.staffCatalogue)
	catalogue.GET("/export", h.staffCatalogueExport)
	catalogue.GET("/centers/:center", h.staffCatalogueCenter)
	catalogue.POST("/centers/:center", h.staffCatalogueCenterPost)
	catalogue.GET("/services/:service", h.staffCatalogueService)
	catalogue.POST("/services/:service", h.staffCatalogueServicePost)
	catalogue.GET("/versions/:version", h.staffCatalogueVersion)
	catalogue.POST("/versions/:version/revert", h.staffCatalogueRevert)

	// A center's pages, for accounts that may see the center.
	center := loggedIn.Group("/centers/:center", h.requireCenter)
	center.GET("", h.staffAgenda)
	center.GET("/print", h.staffPrint)
	center.GET("/bookings", h.staffSearch)
	center.GET("/bookings/:reference", h.staffBooking)
	center.POST("/bookings/:reference/check-in", h.staffCheckIn)
	center.POST("/bookings/:reference/move", h.staffMove)
	center.POST("/bookings/:reference/cancel", h.staffCancel)
	center.POST("/bookings/:reference/resend", h.staffResend)
	center.GET("/book", h.staffBook)
	center.POST("/book", h.staffBookPost)
	center.GET("/stats", h.staffStats)
	center.GET("/stats.csv", h.staffStatsCSV)
	center.GET("/closures", h.staffClosures)
	center.GET("/waitlist", h.staffWaitlist)
	center.POST("/waitlist/offer", h.staffOfferTime)
	closing := center.Group("/closures", requireAdmin(h.closuresAdminsOnly))
	closing.POST("", h.staffAddClosure)
	closing.POST("/:day/remove", h.staffRemoveClosure)
	closing.POST("/:day/cancel", h.staffCancelClosed)
	// A desk's page, whose forms do what the desks' API does.
	center.GET("/desks", h.staffDesks)
	desk := center.Group("/desks/:desk", requireDesk)
	desk.GET("", h.staffDesk)
	desk.POST("/call", h.deskCallPost)
	desk.POST("/tickets/:ticket/recall", h.deskTicketPost(recallAction))
	desk.POST("/tickets/:ticket/attend", h.deskTicketPost(attendAction))
	desk.POST("/tickets/:ticket/serve", h.deskTicketPost(serveAction))
	desk.POST("/tickets/:ticket/no-show", h.deskTicketPost(noShowAction))
	desk.POST("/tickets/:ticket/move", h.deskTicketPost(moveAction))

	// The API: every route needs a logged-in account.
	api := middleware.Group(r, "/api/v1/staff", render.FailProblem, h.requireStaff)
	api.GET("/me", h.staffMe)
	api.GET("/catalogue", h.getCatalogue)
	api.PUT("/catalogue", requireAdmin(forbidden), h.putCatalogue)
	desks := api.Group("/centers/:center", h.requireCenter)
	desks.POST("/desks/:desk/call", requireDesk, h.callNext)
	desks.POST("/tickets/:ticket/recall", h.ticketAPI(recallAction))
	desks.POST("/tickets/:ticket/attend", h.ticketAPI(attendAction))
	desks.POST("/tickets/:ticket/serve", h.ticketAPI(serveAction))
	desks.POST("/tickets/:ticket/no-show", h.ticketAPI(noShowAction))
	desks.POST("/tickets/:ticket/move", h.ticketAPI(moveAction))

	// A center's appointments for staff's calendars, by the center's token.
	middleware.Group(r, "", render.FailProblem).GET("/centers/:center/calendar.ics", h.calendarFeed)
}
