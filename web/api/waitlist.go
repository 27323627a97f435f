package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// The waitlist: a newcomer who finds no time joins the line of a visit at a
// center; a freed seat is held for the first entry it suits and offered by
// email. Every route of an entry takes its token as a bearer token, and a
// wrong token looks like an unknown reference.

type joinWaitlistRequest struct {
	Center   string   `json:"center"`
	Service  string   `json:"service"`
	Services []string `json:"services"`
	People   *int     `json:"people"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Language string   `json:"language"`
	Locale   string   `json:"locale"`
	Until    string   `json:"until"`
	// Booking is the reference of a booking an earlier time would
	// replace; its token comes as the bearer token.
	Booking string `json:"booking"`
}

type offerResponse struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	ExpiresAt string `json:"expires_at"`
}

type waitResponse struct {
	Reference string         `json:"reference"`
	Token     string         `json:"token,omitempty"`
	Status    string         `json:"status"`
	Position  int            `json:"position"`
	Center    string         `json:"center"`
	Services  []string       `json:"services"`
	People    int            `json:"people"`
	Language  string         `json:"language"`
	Until     string         `json:"until"`
	Offer     *offerResponse `json:"offer"`
	URL       string         `json:"url"`
}

// waitResponse shows an entry to the holder of its token; the token is
// included only in the answer that created it.
func (h *Handler) waitResponse(v booking.WaitView, token string, includeToken bool) waitResponse {
	r := waitResponse{
		Reference: v.Reference,
		Status:    string(v.Status),
		Position:  v.Position,
		Center:    v.Center,
		Services:  v.Services,
		People:    v.People,
		Language:  v.Language,
		Until:     v.Until.String(),
		URL:       booking.WaitlistURL(h.cfg.BaseURL, v.Reference, token),
	}
	if v.Status == booking.WaitOffered {
		r.Offer = &offerResponse{Start: h.timestamp(v.Offer.Start), End: h.timestamp(v.Offer.End), ExpiresAt: h.timestamp(v.Offer.Expires)}
	}
	if includeToken {
		r.Token = token
	}
	return r
}

func (h *Handler) joinWaitlist(c *gin.Context) {
	var req joinWaitlistRequest
	if err := request.JSON(c, &req); err != nil {
		render.FailProblem(c, err)
		return
	}
	people, err := countPeople(req.People)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	r := booking.WaitRequest{
		Center:   req.Center,
		Service:  req.Service,
		Services: req.Services,
		People:   people,
		Name:     req.Name,
		Email:    req.Email,
		Language: req.Language,
		Locale:   req.Locale,
		Booking:  req.Booking,

		IdempotencyKey: c.GetHeader("Idempotency-Key"),
	}
	if req.Until != "" {
		if r.Until, err = booking.ParseDate(req.Until); err != nil {
			render.FailProblem(c, render.InvalidFields(render.FieldProblem{Field: "until", Detail: "must be a day such as 2027-01-15"}))
			return
		}
	}
	if req.Booking != "" {
		if r.BookingToken, err = bearer(c); err != nil {
			render.FailProblem(c, err)
			return
		}
	}
	e, token, err := h.scheduler.JoinWaitlist(c.Request.Context(), r)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	v, err := h.scheduler.WaitEntry(c.Request.Context(), e.Reference, token)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.Header("Location", "/api/v1/waitlist/"+url.PathEscape(e.Reference))
	c.JSON(http.StatusCreated, h.waitResponse(v, token, true))
}

func (h *Handler) getWaitEntry(c *gin.Context)     { h.withWaitToken(c, h.scheduler.WaitEntry) }
func (h *Handler) declineWaitOffer(c *gin.Context) { h.withWaitToken(c, h.scheduler.DeclineOffer) }
func (h *Handler) leaveWaitlist(c *gin.Context)    { h.withWaitToken(c, h.scheduler.LeaveWaitlist) }

// acceptWaitOffer books the time held for the entry: 201 with the new
// booking, as POST /api/v1/bookings answers, or 200 with the booking it
// moved.
func (h *Handler) acceptWaitOffer(c *gin.Context) {
	token, err := bearer(c)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	b, bookingToken, moved, err := h.scheduler.AcceptOffer(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	if moved {
		c.JSON(http.StatusOK, h.bookingResponse(b, bookingToken, false))
		return
	}
	c.Header("Location", "/api/v1/bookings/"+url.PathEscape(b.Reference))
	c.JSON(http.StatusCreated, h.bookingResponse(b, bookingToken, true))
}

// withWaitToken runs op on the entry named in the path with the bearer
// token of the request, and answers with the entry as op leaves it.
func (h *Handler) withWaitToken(c *gin.Context, op func(ctx context.Context, reference, token string) (booking.WaitView, error)) {
	withBearer(c, op, func(v booking.WaitView, token string) any { return h.waitResponse(v, token, false) })
}
