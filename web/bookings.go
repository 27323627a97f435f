package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

type createBookingRequest struct {
	Center   string `json:"center"`
	Service  string `json:"service"`
	Start    string `json:"start"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Language string `json:"language"`
	Notes    string `json:"notes"`
	Locale   string `json:"locale"`
}

type rescheduleRequest struct {
	Start string `json:"start"`
}

type bookingResponse struct {
	Reference string `json:"reference"`
	Token     string `json:"token,omitempty"`
	Status    string `json:"status"`
	Center    string `json:"center"`
	Service   string `json:"service"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Language  string `json:"language"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Notes     string `json:"notes"`
	Locale    string `json:"locale"`
	ManageURL string `json:"manage_url"`
}

// bookingResponse shows a booking to the holder of its token; the token is
// included only in the answer that created it.
func (s *Server) bookingResponse(b booking.Booking, token string, includeToken bool) bookingResponse {
	r := bookingResponse{
		Reference: b.Reference,
		Status:    string(b.Status),
		Center:    b.Center,
		Service:   b.Service,
		Start:     s.timestamp(b.Start),
		End:       s.timestamp(b.End),
		Language:  b.Language,
		Name:      b.Name,
		Email:     b.Email,
		Phone:     b.Phone,
		Notes:     b.Notes,
		Locale:    b.Locale,
		ManageURL: booking.ManageURL(s.cfg.BaseURL, b.Reference, token),
	}
	if includeToken {
		r.Token = token
	}
	return r
}

func (s *Server) createBooking(c *gin.Context) {
	var req createBookingRequest
	if err := s.decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	start, err := parseInstant("start", req.Start)
	if err != nil {
		fail(c, err)
		return
	}
	b, token, err := s.scheduler.Book(c.Request.Context(), booking.Request{
		Center:         req.Center,
		Service:        req.Service,
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
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/bookings/"+url.PathEscape(b.Reference))
	c.JSON(http.StatusCreated, s.bookingResponse(b, token, true))
}

func (s *Server) getBooking(c *gin.Context)    { s.withToken(c, s.scheduler.Get) }
func (s *Server) cancelBooking(c *gin.Context) { s.withToken(c, s.scheduler.Cancel) }

func (s *Server) rescheduleBooking(c *gin.Context) {
	s.withToken(c, func(ctx context.Context, reference, token string) (booking.Booking, error) {
		var req rescheduleRequest
		if err := s.decode(c, &req); err != nil {
			return booking.Booking{}, err
		}
		start, err := parseInstant("start", req.Start)
		if err != nil {
			return booking.Booking{}, err
		}
		return s.scheduler.Reschedule(ctx, reference, token, start)
	})
}

// withToken runs op on the booking named in the path with the bearer token
// of the request, and answers with the booking as op leaves it.
func (s *Server) withToken(c *gin.Context, op func(ctx context.Context, reference, token string) (booking.Booking, error)) {
	token, err := bearer(c)
	if err != nil {
		fail(c, err)
		return
	}
	b, err := op(c.Request.Context(), c.Param("reference"), token)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.bookingResponse(b, token, false))
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(c *gin.Context) (string, error) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="bookings"`)
		return "", &httpError{status: http.StatusUnauthorized, code: "unauthorized",
			detail: "send the booking's token as Authorization: Bearer TOKEN"}
	}
	return token, nil
}
