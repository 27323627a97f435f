package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route the server answers.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.health)
	r.GET("/readyz", s.ready)
	if s.cfg.Metrics != nil {
		r.GET("/metrics", gin.WrapH(s.cfg.Metrics.Handler(s.log)))
	}
	r.GET("/api/openapi.json", s.openAPI)
	r.GET("/static/*file", s.static)
	r.GET("/manifest.webmanifest", s.manifest)
	r.GET("/centers/:center/calendar.ics", s.calendarFeed)

	// The newcomers' pages, in the language each request picks.
	pages := r.Group("", s.chooseLanguage)
	pages.GET("/", s.home)
	pages.GET("/centers/:center", s.centerPage)
	pages.GET("/services/:service", s.servicePage)
	pages.GET("/faq", s.info("faq"))
	pages.GET("/privacy", s.info("privacy"))
	pages.GET("/accessibility", s.info("accessibility"))
	pages.GET("/book", s.bookCenter)
	pages.GET("/book/:center", s.bookService)
	pages.GET("/book/:center/:service", s.bookTime)
	pages.GET("/book/:center/:service/details", s.bookDetails)
	pages.POST("/book/:center/:service", s.limitRate, s.book)
	pages.GET("/bookings/:reference", s.manage)
	pages.GET("/bookings/:reference/confirmation", s.confirmation)
	pages.GET("/bookings/:reference/invitation.ics", s.invitation)
	pages.GET("/bookings/:reference/cancel", s.confirm("cancel.title", "cancel.html"))
	pages.POST("/bookings/:reference/cancel", s.limitRate, s.manageCancel)
	pages.POST("/bookings/:reference/reschedule", s.limitRate, s.manageMove)
	pages.GET("/bookings/:reference/delete", s.confirm("delete.title", "delete.html"))
	pages.POST("/bookings/:reference/delete", s.limitRate, s.manageErase)
	pages.GET("/tickets/:token", s.ticketPage)
	pages.GET("/centers/:center/kiosk", s.kiosk)
	pages.GET("/centers/:center/display", s.display)
	pages.GET("/centers/:center/display/events", s.displayEvents)
	pages.POST("/centers/:center/kiosk/tickets", s.limitRate, s.kioskTicket)
	pages.POST("/centers/:center/kiosk/check-ins", s.limitRate, s.kioskCheckIn)

	// The back office: every page but the login needs a logged-in account.
	staffPages := r.Group("/staff", s.chooseLanguage)
	staffPages.GET("/login", s.staffLogin)
	staffPages.POST("/login", s.loadSession, s.staffLoginPost)
	loggedIn := staffPages.Group("", s.requireStaff)
	loggedIn.GET("", s.staffHome)
	loggedIn.GET("/centers/:center/stats", s.staffStats)
	loggedIn.GET("/centers/:center/stats.csv", s.staffStatsCSV)
	loggedIn.GET("/centers/:center/closures", s.staffClosures)
	loggedIn.POST("/centers/:center/closures", s.staffAddClosure)
	loggedIn.POST("/centers/:center/closures/:day/remove", s.staffRemoveClosure)
	loggedIn.POST("/centers/:center/closures/:day/cancel", s.staffCancelClosed)
	loggedIn.POST("/logout", s.staffLogout)
	loggedIn.GET("/centers/:center", s.staffAgenda)
	loggedIn.GET("/centers/:center/print", s.staffPrint)
	loggedIn.POST("/centers/:center/bookings/:id/cancel", s.staffCancel)
	loggedIn.GET("/centers/:center/book", s.staffBook)
	loggedIn.POST("/centers/:center/book", s.staffBookPost)
	loggedIn.GET("/audit", s.staffAudit)

	api := r.Group("/api/v1")
	api.GET("/centers", s.listCenters)
	api.GET("/centers/:center", s.getCenter)
	api.GET("/centers/:center/slots", s.listSlots)
	api.POST("/centers/:center/tickets", s.limitRate, s.createTicket)
	api.POST("/centers/:center/check-ins", s.limitRate, s.checkIn)
	api.GET("/centers/:center/queue", s.getQueue)
	api.GET("/services", s.listServices)
	api.POST("/bookings", s.limitRate, s.createBooking)
	api.GET("/bookings/:reference", s.getBooking)
	api.POST("/bookings/:reference/cancel", s.limitRate, s.cancelBooking)
	api.POST("/bookings/:reference/reschedule", s.limitRate, s.rescheduleBooking)

	// The back office's API: every route needs a logged-in account.
	staffAPI := api.Group("/staff", s.requireStaff)
	staffAPI.GET("/me", s.staffMe)
	// A desk's work: the API, and the desk page with its forms.
	staffAPI.POST("/centers/:center/desks/:desk/call", s.callNext)
	staffAPI.POST("/centers/:center/tickets/:ticket/recall", s.ticketAPI(recallAction))
	staffAPI.POST("/centers/:center/tickets/:ticket/attend", s.ticketAPI(attendAction))
	staffAPI.POST("/centers/:center/tickets/:ticket/serve", s.ticketAPI(serveAction))
	staffAPI.POST("/centers/:center/tickets/:ticket/no-show", s.ticketAPI(noShowAction))
	staffAPI.POST("/centers/:center/tickets/:ticket/move", s.ticketAPI(moveAction))
	loggedIn.GET("/centers/:center/desks", s.staffDesks)
	loggedIn.GET("/centers/:center/desks/:desk", s.staffDesk)
	loggedIn.POST("/centers/:center/desks/:desk/call", s.deskCallPost)
	loggedIn.POST("/centers/:center/desks/:desk/tickets/:ticket/recall", s.deskTicketPost(recallAction))
	loggedIn.POST("/centers/:center/desks/:desk/tickets/:ticket/attend", s.deskTicketPost(attendAction))
	loggedIn.POST("/centers/:center/desks/:desk/tickets/:ticket/serve", s.deskTicketPost(serveAction))
	loggedIn.POST("/centers/:center/desks/:desk/tickets/:ticket/no-show", s.deskTicketPost(noShowAction))
	loggedIn.POST("/centers/:center/desks/:desk/tickets/:ticket/move", s.deskTicketPost(moveAction))

	notFound := &httpError{status: http.StatusNotFound, code: "not_found", detail: "no such page or endpoint"}
	r.NoRoute(func(c *gin.Context) { s.refuse(c, notFound) })
	r.NoMethod(func(c *gin.Context) {
		fail(c, &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", detail: c.Request.Method + " is not allowed here"})
	})
}

// health says the process is up.
func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// ready says whether the server can serve (a load balancer's check): 503
// with the reasons if the database does not answer, lacks migrations, or
// the job workers are not running.
func (s *Server) ready(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if s.cfg.Ready != nil {
		if reasons := s.cfg.Ready(c.Request.Context()); len(reasons) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reasons": reasons})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
