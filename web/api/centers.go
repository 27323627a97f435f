package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/web/render"
)

type centerResponse struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Address  string         `json:"address"`
	Phone    string         `json:"phone"`
	Email    string         `json:"email"`
	TimeZone string         `json:"time_zone"`
	Hours    []hoursPayload `json:"hours"`
	// SpecialHours are the periods of other hours not yet over.
	SpecialHours         []specialHoursPayload `json:"special_hours"`
	Languages            []string              `json:"languages"`
	InterpreterLanguages []string              `json:"interpreter_languages"`
	Desks                int                   `json:"desks"`
	SlotMinutes          int                   `json:"slot_minutes"`
	MaxServices          int                   `json:"max_services"`
	// EstimatedWaitMinutes is the wait for a walk-in ticket taken now;
	// null while the center gives none.
	EstimatedWaitMinutes *int `json:"estimated_wait_minutes"`
}

type hoursPayload struct {
	Day   string `json:"day"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

// specialHoursPayload is a period of special hours: the weekdays whose
// hours differ from the usual ones in it, with their hours, or closed.
type specialHoursPayload struct {
	From  string       `json:"from"`
	To    string       `json:"to"`
	Hours []specialDay `json:"hours"`
}

type specialDay struct {
	Day    string `json:"day"`
	Open   string `json:"open,omitempty"`
	Close  string `json:"close,omitempty"`
	Closed bool   `json:"closed"`
}

// weekdays in the order people read a week in Denmark.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func (h *Handler) centerResponse(ctx context.Context, c booking.Center) (centerResponse, error) {
	estimate, err := h.walkIns.EstimatedWait(ctx, c.ID)
	if err != nil {
		return centerResponse{}, err
	}
	hours := []hoursPayload{}
	for _, wd := range weekdays {
		if span, ok := c.Hours[wd]; ok {
			open, closing, _ := strings.Cut(span.String(), "-")
			hours = append(hours, hoursPayload{Day: strings.ToLower(wd.String()), Open: open, Close: closing})
		}
	}
	special := []specialHoursPayload{}
	today := booking.DateOf(h.cfg.Now().In(h.scheduler.Location()))
	for _, sh := range c.SpecialHours {
		if sh.To.Before(today) {
			continue
		}
		p := specialHoursPayload{From: sh.From.String(), To: sh.To.String(), Hours: []specialDay{}}
		for _, wd := range weekdays {
			if span, ok := sh.Hours[wd]; ok {
				day := specialDay{Day: strings.ToLower(wd.String()), Closed: span == booking.Span{}}
				if !day.Closed {
					day.Open, day.Close, _ = strings.Cut(span.String(), "-")
				}
				p.Hours = append(p.Hours, day)
			}
		}
		special = append(special, p)
	}
	return centerResponse{
		ID:                   c.ID,
		Name:                 c.Name,
		Address:              c.Address,
		Phone:                c.Phone,
		Email:                c.Email,
		TimeZone:             h.scheduler.Location().String(),
		Hours:                hours,
		SpecialHours:         special,
		Languages:            nonNil(c.Languages),
		InterpreterLanguages: c.InterpreterLanguages(),
		Desks:                c.Desks,
		SlotMinutes:          int(c.SlotStep.Minutes()),
		MaxServices:          c.ServicesPerVisit(),
		EstimatedWaitMinutes: waitMinutes(estimate),
	}, nil
}

func (h *Handler) listCenters(c *gin.Context) {
	centers := []centerResponse{}
	for _, ce := range h.scheduler.Catalogue().Centers {
		r, err := h.centerResponse(c.Request.Context(), ce)
		if err != nil {
			render.FailProblem(c, err)
			return
		}
		centers = append(centers, r)
	}
	c.JSON(http.StatusOK, gin.H{"centers": centers})
}

func (h *Handler) getCenter(c *gin.Context) {
	center, err := h.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	r, err := h.centerResponse(c.Request.Context(), center)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
