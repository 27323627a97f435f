package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/notify"
)

// invitation downloads a booking's calendar invitation: the one its emails
// carry (same UID and SEQUENCE), so that a calendar that imported it
// follows later changes and cancellation.
func (h *Handler) invitation(c *gin.Context) {
	b, token, ok := h.heldBooking(c)
	if !ok {
		return
	}
	inv, err := notify.BookingInvitation(h.cfg.BaseURL, h.cfg.MailFrom, b, h.scheduler.Catalogue(), booking.ManageURL(h.cfg.BaseURL, b.Reference, token))
	if err != nil {
		h.bookingFailed(c, err)
		return
	}
	inv.Method = notify.MethodRequest
	if b.Status == booking.Cancelled {
		inv.Method = notify.MethodCancel
	}
	inv.Stamp = h.cfg.Now()
	data, err := inv.Encode()
	if err != nil {
		h.bookingFailed(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+b.Reference+`.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8; method="+string(inv.Method), data)
}
