package site

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// Routes adds the pages to r, in the language each request picks; every
// failure is a page. The pages that are the same for everyone are shared:
// served from memory for a moment (see pageCache).
func (h *Handler) Routes(r gin.IRouter) {
	pages := middleware.Group(r, "", render.FailPage, middleware.ChooseLanguage(strings.HasPrefix(h.cfg.BaseURL, "https://")))
	pages.GET("/", h.shared(h.home))
	pages.GET("/centers/:center", h.shared(h.centerPage))
	pages.GET("/services/:service", h.shared(h.servicePage))
	pages.GET("/faq", h.shared(h.info("faq")))
	pages.GET("/privacy", h.shared(h.info("privacy")))
	pages.GET("/accessibility", h.shared(h.info("accessibility")))
	pages.GET("/book", h.shared(h.bookCenter))
	pages.GET("/book/:center", h.shared(h.bookService))
	pages.GET("/book/:center/:service", h.shared(h.bookTime))
	pages.GET("/book/:center/:service/details", h.bookDetails)
	pages.POST("/book/:center/:service", h.cfg.Limit, h.book)
	pages.GET("/book/:center/:service/waitlist", h.waitJoinForm)
	pages.POST("/book/:center/:service/waitlist", h.cfg.Limit, h.waitJoin)

	// A booking's pages, from the link in its emails.
	bookings := pages.Group("/bookings/:reference")
	bookings.GET("", h.manage)
	bookings.GET("/confirmation", h.confirmation)
	bookings.GET("/invitation.ics", h.invitation)
	bookings.GET("/cancel", h.confirm("cancel.title", "cancel.html"))
	bookings.POST("/cancel", h.cfg.Limit, h.manageCancel)
	bookings.POST("/reschedule", h.cfg.Limit, h.manageMove)
	bookings.GET("/delete", h.confirm("delete.title", "delete.html"))
	bookings.POST("/delete", h.cfg.Limit, h.manageErase)
	bookings.POST("/waitlist", h.cfg.Limit, h.manageWait)

	// A waitlist entry's, from the link in its emails.
	waitlist := pages.Group("/waitlist/:reference")
	waitlist.GET("", h.waitEntry)
	waitlist.POST("/accept", h.cfg.Limit, h.waitAccept)
	waitlist.POST("/decline", h.cfg.Limit, h.waitDecline)
	waitlist.GET("/leave", h.waitLeaveConfirm)
	waitlist.POST("/leave", h.cfg.Limit, h.waitLeave)

	// The walk-in queue's.
	pages.GET("/tickets/:token", h.ticketPage)
	pages.GET("/tickets/:token/events", h.ticketEvents)
	pages.GET("/centers/:center/kiosk", h.kiosk)
	pages.POST("/centers/:center/kiosk/tickets", h.cfg.Limit, h.kioskTicket)
	pages.POST("/centers/:center/kiosk/check-ins", h.cfg.Limit, h.kioskCheckIn)
	pages.GET("/centers/:center/display", h.shared(h.display))
	pages.GET("/centers/:center/display/events", h.displayEvents)
}
