package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

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

// decode reads a JSON body of at most MaxBodyBytes into v, refusing unknown
// fields so that a misspelt field is not silently ignored.
func (s *Server) decode(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
				detail: "send the body as application/json"}
		}
	}
	dec := json.NewDecoder(c.Request.Body) // limited by limitBody
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("the body holds more than one JSON value")
		}
	}
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large",
			detail: fmt.Sprintf("the body is larger than %d bytes", s.cfg.MaxBodyBytes)}
	case errors.Is(err, io.EOF):
		return &httpError{status: http.StatusBadRequest, code: "malformed", detail: "the body is empty; send a JSON object"}
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return &httpError{status: http.StatusBadRequest, code: "malformed", detail: "the body must be a JSON object"}
	case errors.As(err, &typeErr):
		return invalidFields([]fieldProblem{{typeErr.Field, "must be a " + typeErr.Type.String()}})
	}
	return &httpError{status: http.StatusBadRequest, code: "malformed", detail: "the body is not valid JSON: " + err.Error()}
}

// parseInstant parses an RFC 3339 time with an offset. An empty value is the
// zero time, which the scheduler reports as missing along with any other
// missing field.
func parseInstant(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalidFields([]fieldProblem{{field, fmt.Sprintf("%q is not an RFC 3339 time such as 2026-12-07T09:00:00+01:00", v)}})
	}
	return t, nil
}
