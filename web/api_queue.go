package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
)

// Queue is what the handlers need of booking.Queue.
type Queue interface {
	IssueTicket(ctx context.Context, center, service string) (booking.TicketStatus, error)
	CheckIn(ctx context.Context, center, reference string) (booking.TicketStatus, bool, error)
	TicketByToken(ctx context.Context, token string) (booking.TicketStatus, error)
	EstimatedWait(ctx context.Context, center string) (booking.Estimate, error)
	QueueState(ctx context.Context, center string) (booking.QueueState, error)

	// The desks'.
	Policy() booking.QueuePolicy
	CallNext(ctx context.Context, center, desk string) (booking.Ticket, bool, error)
	Recall(ctx context.Context, center string, id int64, desk string) (booking.Ticket, error)
	Attend(ctx context.Context, center string, id int64) (booking.Ticket, error)
	Serve(ctx context.Context, center string, id int64) (booking.Ticket, error)
	NoShow(ctx context.Context, center string, id int64) (booking.Ticket, error)
	MoveTicket(ctx context.Context, center string, id int64, service string) (booking.Ticket, error)
	Tickets(ctx context.Context, center string, day booking.Date) ([]booking.Ticket, error)
	Statistics(ctx context.Context, center string, from, to booking.Date) ([]booking.Stats, booking.Stats, error)
}

type ticketRequest struct {
	Service string `json:"service"`
}

type checkInRequest struct {
	Reference string `json:"reference"`
}

// ticketResponse is a ticket as its holder sees it: no booking, no name.
type ticketResponse struct {
	Number               string `json:"number"`
	Service              string `json:"service"`
	Position             int    `json:"position"`
	EstimatedWaitMinutes int    `json:"estimated_wait_minutes"`
	URL                  string `json:"url"`
}

func (s *Server) ticketResponse(st booking.TicketStatus) ticketResponse {
	return ticketResponse{
		Number:               st.Ticket.Number,
		Service:              st.Ticket.Service,
		Position:             st.Position,
		EstimatedWaitMinutes: int(st.Wait / time.Minute),
		URL:                  booking.TicketURL(s.cfg.BaseURL, st.Ticket.Token),
	}
}

func (s *Server) createTicket(c *gin.Context) {
	var req ticketRequest
	if err := s.decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Service == "" {
		fail(c, invalidFields([]fieldProblem{{"service", "is required: the id of a walk-in service from /api/v1/services"}}))
		return
	}
	st, err := s.queue.IssueTicket(c.Request.Context(), c.Param("center"), req.Service)
	if err != nil {
		fail(c, err)
		return
	}
	r := s.ticketResponse(st)
	c.Header("Location", r.URL)
	c.JSON(http.StatusCreated, r)
}

func (s *Server) checkIn(c *gin.Context) {
	var req checkInRequest
	if err := s.decode(c, &req); err != nil {
		fail(c, err)
		return
	}
	st, created, err := s.queue.CheckIn(c.Request.Context(), c.Param("center"), req.Reference)
	if err != nil {
		fail(c, err)
		return
	}
	r := s.ticketResponse(st)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", r.URL)
	}
	c.JSON(status, r)
}

type queueResponse struct {
	Center               string         `json:"center"`
	AtDesks              []deskResponse `json:"at_desks"`
	LastCalls            []deskResponse `json:"last_calls"`
	Waiting              int            `json:"waiting"`
	EstimatedWaitMinutes *int           `json:"estimated_wait_minutes"`
}

// deskResponse is a ticket called to a desk, as the display shows it.
type deskResponse struct {
	Number   string `json:"number"`
	Desk     string `json:"desk"`
	State    string `json:"state"`
	CalledAt string `json:"called_at"`
}

func (s *Server) getQueue(c *gin.Context) {
	q, err := s.queueResponse(c.Request.Context(), c.Param("center"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

// queueResponse is a center's queue as the display shows it: numbers and
// desks, no names.
func (s *Server) queueResponse(ctx context.Context, center string) (queueResponse, error) {
	state, err := s.queue.QueueState(ctx, center)
	if err != nil {
		return queueResponse{}, err
	}
	desk := func(tickets []booking.Ticket) []deskResponse {
		out := make([]deskResponse, len(tickets))
		for i, t := range tickets {
			out[i] = deskResponse{Number: t.Number, Desk: t.Desk, State: string(t.State), CalledAt: s.timestamp(t.CalledAt)}
		}
		return out
	}
	return queueResponse{
		Center:               state.Center,
		AtDesks:              desk(state.AtDesks),
		LastCalls:            desk(state.LastCalls),
		Waiting:              state.Estimate.Waiting,
		EstimatedWaitMinutes: waitMinutes(state.Estimate),
	}, nil
}

// waitMinutes is an estimate in whole minutes, or nil while the center
// gives no tickets.
func waitMinutes(e booking.Estimate) *int {
	if !e.Open {
		return nil
	}
	m := int(e.Wait / time.Minute)
	return &m
}
