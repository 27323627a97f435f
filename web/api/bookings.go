package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

type createBookingRequest struct {
	Center   string   `json:"center"`
	Service  string   `json:"service"`
	Services []string `json:"services"`
	People   *int     `json:"people"` // nil when left out: one person
	Start    string   `json:"start"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"`
	Language string   `json:"language"`
	Notes    string   `json:"notes"`
	Locale   string   `json:"locale"`
}

type rescheduleRequest struct {
	Start string `json:"start"`
}

type bookingResponse struct {
	Reference string   `json:"reference"`
	Token     string   `json:"token,omitempty"`
	Status    string   `json:"status"`
	Center    string   `json:"center"`
	Service   string   `json:"service"`
	Services  []string `json:"services"`
	People    int      `json:"people"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Language  string   `json:"language"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	Phone     string   `json:"phone"`
	Notes     string   `json:"notes"`
	Locale    string   `json:"locale"`
	ManageURL string   `json:"manage_url"`
}

// bookingResponse shows a booking to the holder of its token; the token is
// included only in the answer that created it.
func (h *Handler) bookingResponse(b booking.Booking, token string, includeToken bool) bookingResponse {
	r := bookingResponse{
		Reference: b.Reference,
		Status:    string(b.Status),
		Center:    b.Center,
		Service:   b.Service,
		Services:  b.Services,
		People:    b.People,
		Start:     h.timestamp(b.Start),
		End:       h.timestamp(b.End),
		Language:  b.Language,
		Name:      b.Name,
		Email:     b.Email,
		Phone:     b.Phone,
		Notes:     b.Notes,
		Locale:    b.Locale,
		ManageURL: booking.ManageURL(h.cfg.BaseURL, b.Reference, token),
	}
	if includeToken {
		r.Token = token
	}
	return r
}

func (h *Handler) createBooking(c *gin.Context) {
	var req createBookingRequest
	if err := request.JSON(c, &req); err != nil {
		render.FailProblem(c, err)
		return
	}
	start, err := request.Instant("start", req.Start)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	people, err := countPeople(req.People)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	b, token, err := h.scheduler.Book(c.Request.Context(), booking.Request{
		Center:         req.Center,
		Service:        req.Service,
		Services:       req.Services,
		People:         people,
		Start:          start,
		Name:           req.Name,
		Email:          req.Email,
		Phone:          req.Phone,
		Language:       req.Language,
		Notes:          req.Notes,
		Locale:         req.Locale,
		IdempotencyKey: c.GetHeader("Idempotency-Key"),
	})
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.Header("Location", "/api/v1/bookings/"+url.PathEscape(b.Reference))
	c.JSON(http.StatusCreated, h.bookingResponse(b, token, true))
}

// tooFewPeople is what is wrong with people that is not a whole number of
// at least one; the scheduler says what is wrong with too many.
var tooFewPeople = render.FieldProblem{Field: "people", Detail: "must be a whole number, 1 or more: how many people come, the newcomer included"}

// countPeople reads a body's people as the scheduler takes them: left out
// is one person, which the scheduler takes as 0, so an explicit 0 is
// refused here rather than read as one.
func countPeople(people *int) (int, error) {
	switch {
	case people == nil:
		return 0, nil
	case *people < 1:
		return 0, render.InvalidFields(tooFewPeople)
	}
	return *people, nil
}

func (h *Handler) getBooking(c *gin.Context)    { h.withToken(c, h.scheduler.Get) }
func (h *Handler) cancelBooking(c *gin.Context) { h.withToken(c, h.scheduler.Cancel) }

func (h *Handler) rescheduleBooking(c *gin.Context) {
	h.withToken(c, func(ctx context.Context, reference, token string) (booking.Booking, error) {
		var req rescheduleRequest
		if err := request.JSON(c, &req); err != nil {
			return booking.Booking{}, err
		}
		start, err := request.Instant("start", req.Start)
		if err != nil {
			return booking.Booking{}, err
		}
		return h.scheduler.Reschedule(ctx, reference, token, start)
	})
}

// withToken runs op on the booking named in the path with the bearer token
// of the request, and answers with the booking as op leaves it.
func (h *Handler) withToken(c *gin.Context, op func(ctx context.Context, reference, token string) (booking.Booking, error)) {
	withBearer(c, op, func(b booking.Booking, token string) any { return h.bookingResponse(b, token, false) })
}

// withBearer runs op on what the path's reference names, with the bearer
// token of the request, and answers 200 with what answer makes of the
// result.
func withBearer[T any](c *gin.Context, op func(ctx context.Context, reference, token string) (T, error), answer func(T, string) any) {
	token, err := bearer(c)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	v, err := op(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.JSON(http.StatusOK, answer(v, token))
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(c *gin.Context) (string, error) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="bookings"`)
		return "", &render.HTTPError{Status: http.StatusUnauthorized, Code: "unauthorized",
			Detail: "send the booking's token as Authorization: Bearer TOKEN"}
	}
	return token, nil
}
