package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

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

func (h *Handler) ticketResponse(st booking.TicketStatus) ticketResponse {
	return ticketResponse{
		Number:               st.Ticket.Number,
		Service:              st.Ticket.Service,
		Position:             st.Position,
		EstimatedWaitMinutes: int(st.Wait / time.Minute),
		URL:                  booking.TicketURL(h.cfg.BaseURL, st.Ticket.Token),
	}
}

func (h *Handler) createTicket(c *gin.Context) {
	var req ticketRequest
	if err := request.JSON(c, &req); err != nil {
		render.FailProblem(c, err)
		return
	}
	if req.Service == "" {
		render.FailProblem(c, render.InvalidFields(render.FieldProblem{Field: "service", Detail: "is required: the id of a walk-in service from /api/v1/services"}))
		return
	}
	// Counted per client address, unlike the kiosk's, which everyone in
	// the room shares: one address cannot fill the queue with people who
	// never come.
	st, err := h.walkIns.IssueTicketFor(c.Request.Context(), h.cfg.Addresses.Client(c), c.Param("center"), req.Service)
	var de *booking.Error
	if errors.As(err, &de) && errors.Is(err, booking.ErrTooManyTickets) {
		render.RetryAfter(c, de.At.Sub(h.cfg.Now()))
	}
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	h.cfg.QueueChanged(st.Ticket.Center)
	r := h.ticketResponse(st)
	c.Header("Location", r.URL)
	c.JSON(http.StatusCreated, r)
}

func (h *Handler) checkIn(c *gin.Context) {
	var req checkInRequest
	if err := request.JSON(c, &req); err != nil {
		render.FailProblem(c, err)
		return
	}
	st, created, err := h.walkIns.CheckIn(c.Request.Context(), c.Param("center"), req.Reference)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	h.cfg.QueueChanged(st.Ticket.Center)
	r := h.ticketResponse(st)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", r.URL)
	}
	c.JSON(status, r)
}

// QueueResponse is a center's queue as the API answers it and the
// waiting-room display shows it (package site streams it): numbers and
// desks, no names.
type QueueResponse struct {
	Center               string         `json:"center"`
	AtDesks              []CalledTicket `json:"at_desks"`
	LastCalls            []CalledTicket `json:"last_calls"`
	Waiting              int            `json:"waiting"`
	EstimatedWaitMinutes *int           `json:"estimated_wait_minutes"`
}

// CalledTicket is a ticket called to a desk, as the display shows it.
type CalledTicket struct {
	Number   string `json:"number"`
	Desk     string `json:"desk"`
	State    string `json:"state"`
	CalledAt string `json:"called_at"`
}

func (h *Handler) getQueue(c *gin.Context) {
	state, err := h.walkIns.QueueState(c.Request.Context(), c.Param("center"))
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.JSON(http.StatusOK, QueueOf(state, h.scheduler.Location()))
}

// QueueOf describes a center's queue, its times in loc, the centers' time
// zone.
func QueueOf(state booking.QueueState, loc *time.Location) QueueResponse {
	desk := func(tickets []booking.Ticket) []CalledTicket {
		out := make([]CalledTicket, len(tickets))
		for i, t := range tickets {
			out[i] = CalledTicket{Number: t.Number, Desk: t.Desk, State: string(t.State), CalledAt: render.Timestamp(t.CalledAt, loc)}
		}
		return out
	}
	return QueueResponse{
		Center:               state.Center,
		AtDesks:              desk(state.AtDesks),
		LastCalls:            desk(state.LastCalls),
		Waiting:              state.Estimate.Waiting,
		EstimatedWaitMinutes: waitMinutes(state.Estimate),
	}
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
