package backoffice

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/render"
	"github.com/ics-booking/icsbooking/web/request"
)

// A desk's side of the walk-in queue: the API a desk's client calls
// (/api/v1/staff/centers/{center}/...), and the desk page of the back office
// (/staff/centers/{center}/desks/{desk}), which does the same with plain
// forms. Every action is audited and wakes the center's display.

// staffTicketResponse is a ticket as a desk sees it: no booking, no name.
type staffTicketResponse struct {
	ID      int64  `json:"id"`
	Number  string `json:"number"`
	Kind    string `json:"kind"`
	Service string `json:"service"`
	// Services are the services of the visit a checked-in booking holds,
	// in order; only an appointment ticket has them.
	Services []string `json:"services,omitempty"`
	State    string   `json:"state"`
	Desk     string   `json:"desk"`
	Calls    int      `json:"calls"`
	IssuedAt string   `json:"issued_at"`
	CalledAt *string  `json:"called_at"` // null until called
}

type deskTicketResponse struct {
	Ticket staffTicketResponse `json:"ticket"`
}

// deskTicketResponse is t as the desks' API answers it, with the services
// of its visit if it is an appointment's.
func (h *Handler) deskTicketResponse(ctx context.Context, t booking.Ticket) (deskTicketResponse, error) {
	visit, err := h.walkIns.Visit(ctx, t)
	if err != nil {
		return deskTicketResponse{}, err
	}
	r := staffTicketResponse{ID: t.ID, Number: t.Number, Kind: string(t.Kind), Service: t.Service, Services: visit.Services,
		State: string(t.State), Desk: t.Desk, Calls: t.Calls, IssuedAt: render.Timestamp(t.IssuedAt, h.scheduler.Location())}
	if !t.CalledAt.IsZero() {
		at := render.Timestamp(t.CalledAt, h.scheduler.Location())
		r.CalledAt = &at
	}
	return deskTicketResponse{Ticket: r}, nil
}

// answerTicket answers a desk's API with t.
func (h *Handler) answerTicket(c *gin.Context, t booking.Ticket) {
	res, err := h.deskTicketResponse(c.Request.Context(), t)
	if err != nil {
		render.FailProblem(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// deskInput is what a ticket action may need besides the ticket: the desk
// that recalls it, the service it moves to.
type deskInput struct {
	Desk    string `json:"desk"`
	Service string `json:"service"`
}

type recallRequest struct {
	Desk string `json:"desk"`
}

type moveRequest struct {
	Service string `json:"service"`
}

// ticketAction is one thing a desk does to a ticket it has called.
type ticketAction struct {
	// name is the last part of the path.
	name string
	// action is the audit trail's.
	action string
	// request is the API's body, nil for none.
	request func() any
	run     func(q WalkIns, ctx context.Context, center string, id int64, in deskInput) (booking.Ticket, error)
}

// The ticket actions, as in the paths.
var (
	recallAction = ticketAction{name: "recall", action: staff.ActionTicketRecall,
		request: func() any { return &recallRequest{} },
		run: func(q WalkIns, ctx context.Context, center string, id int64, in deskInput) (booking.Ticket, error) {
			return q.Recall(ctx, center, id, in.Desk)
		}}
	attendAction = ticketAction{name: "attend", action: staff.ActionTicketAttend,
		run: func(q WalkIns, ctx context.Context, center string, id int64, _ deskInput) (booking.Ticket, error) {
			return q.Attend(ctx, center, id)
		}}
	serveAction = ticketAction{name: "serve", action: staff.ActionTicketServe,
		run: func(q WalkIns, ctx context.Context, center string, id int64, _ deskInput) (booking.Ticket, error) {
			return q.Serve(ctx, center, id)
		}}
	noShowAction = ticketAction{name: "no-show", action: staff.ActionTicketNoShow,
		run: func(q WalkIns, ctx context.Context, center string, id int64, _ deskInput) (booking.Ticket, error) {
			return q.NoShow(ctx, center, id)
		}}
	moveAction = ticketAction{name: "move", action: staff.ActionTicketMove,
		request: func() any { return &moveRequest{} },
		run: func(q WalkIns, ctx context.Context, center string, id int64, in deskInput) (booking.Ticket, error) {
			if in.Service == "" {
				return booking.Ticket{}, render.InvalidFields(render.FieldProblem{Field: "service", Detail: "is required: the id of a service from /api/v1/services"})
			}
			return q.MoveTicket(ctx, center, id, in.Service)
		}}
)

// errNoTicket answers a ticket ID that is not a number, as the domain
// answers one it does not know.
var errNoTicket = &render.HTTPError{Status: http.StatusNotFound, Code: "not_found", Detail: "no such ticket"}

// callNext calls the next ticket of the center to the desk: 200 with it, or
// 204 when nobody is ready.
func (h *Handler) callNext(c *gin.Context) {
	t, ok, err := h.deskCall(c)
	switch {
	case err != nil:
		render.FailProblem(c, err)
	case !ok:
		c.Status(http.StatusNoContent)
	default:
		h.answerTicket(c, t)
	}
}

// deskCall calls the next ticket of the path's center to the path's desk,
// audits the call and wakes the display. ok is false when nobody is ready.
func (h *Handler) deskCall(c *gin.Context) (booking.Ticket, bool, error) {
	center := centerOf(c).ID
	t, ok, err := h.walkIns.CallNext(c.Request.Context(), center, c.Param("desk"))
	if err != nil || !ok {
		return booking.Ticket{}, false, err
	}
	h.audit(c, center, staff.ActionTicketCall, t.Number, "desk "+t.Desk)
	h.cfg.QueueChanged(center)
	return t, true, nil
}

// ticketAPI is the API's handler of a ticket action.
func (h *Handler) ticketAPI(a ticketAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in deskInput
		if a.request != nil {
			req := a.request()
			if err := request.JSON(c, req); err != nil {
				render.FailProblem(c, err)
				return
			}
			switch r := req.(type) {
			case *recallRequest:
				in.Desk = r.Desk
			case *moveRequest:
				in.Service = r.Service
			}
		}
		t, err := h.runTicketAction(c, a, in)
		if err != nil {
			render.FailProblem(c, err)
			return
		}
		h.answerTicket(c, t)
	}
}

// runTicketAction runs a on the path's ticket of the path's center, audits
// it and wakes the display.
func (h *Handler) runTicketAction(c *gin.Context, a ticketAction, in deskInput) (booking.Ticket, error) {
	center := centerOf(c).ID
	id, err := strconv.ParseInt(c.Param("ticket"), 10, 64)
	if err != nil || id <= 0 {
		return booking.Ticket{}, errNoTicket
	}
	ctx := c.Request.Context()
	t, err := a.run(h.walkIns, ctx, center, id, in)
	if err != nil {
		return booking.Ticket{}, err
	}
	detail := ""
	switch a.name {
	case recallAction.name:
		detail = "desk " + t.Desk
	case moveAction.name:
		detail = "to " + t.Service
	}
	h.audit(c, center, a.action, t.Number, detail)
	h.cfg.QueueChanged(center)
	return t, nil
}

// noShowCalls is how often a ticket must have been called before it can be
// marked a no-show, as the queue's policy says.
func (h *Handler) noShowCalls() int { return h.walkIns.Policy().NoShowCalls }

// The desk page.

type deskPage struct {
	staffPage
	Center booking.Center
	// Desk is the page's desk; "" on the page that picks one of Desks.
	Desk  string
	Desks []string
	// Path is the desk page's, which its forms post below.
	Path string
	// Ticket is the one the desk has called or serves; nil if none.
	Ticket  *deskTicket
	Waiting int
	// Line is who waits, in the order the desks call them.
	Line []lineTicket
	// NoShowCalls is how often a ticket must be called before a no-show.
	NoShowCalls int
	Services    []render.ServiceItem
	Notice      string
	Problem     string
}

// deskTicket is the desk's ticket, in the page's language.
type deskTicket struct {
	booking.Ticket
	ServiceName string
	KindName    string
	// Services name the services of an appointment's visit, in order,
	// and People says how many come; a walk-in has none.
	Services []string
	People   int
	// CanNoShow says it has been called often enough for a no-show.
	CanNoShow bool
}

// lineTicket is a waiting ticket on the desk page, in the page's language:
// Detail says since when it waits, or the appointment's time, and Early
// that it waits for that time (checked in early).
type lineTicket struct {
	Number      string
	ServiceName string
	Detail      string
	Early       bool
}

// staffDesks lets staff pick their desk: a link per desk of the center, or
// a desk's number by the form (?desk=), which leads to that desk's page if
// the center has it.
func (h *Handler) staffDesks(c *gin.Context) {
	center := centerOf(c)
	if desk := c.Query("desk"); desk != "" {
		if err := center.CheckDesk(desk); err != nil {
			failPage(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, deskPath(center.ID, desk))
		return
	}
	p := deskPage{staffPage: h.newStaffPage(c, "desk.pick_title", "Center", center.Name), Center: center}
	for i := 1; i <= center.Desks; i++ {
		p.Desks = append(p.Desks, strconv.Itoa(i))
	}
	render.Render(c, http.StatusOK, "staff-desk.html", p)
}

// deskPath is the address of a desk's page.
func deskPath(center, desk string) string {
	return "/staff/centers/" + url.PathEscape(center) + "/desks/" + url.PathEscape(desk)
}

// deskNotices are the values of the done parameter of a redirect to the
// desk page that it shows a notice for (desk.done_ and the value): an
// action's name, or what calling the next ticket did.
var deskNotices = []string{"called", "nobody", recallAction.name, attendAction.name, serveAction.name, noShowAction.name, moveAction.name}

// staffDesk is a desk's page: its ticket, how many wait, and the forms
// that call, recall, serve, mark a no-show or move the ticket.
func (h *Handler) staffDesk(c *gin.Context) {
	notice := ""
	if done := c.Query("done"); slices.Contains(deskNotices, done) {
		notice = render.Locale(c).T("desk.done_" + done)
	}
	h.renderDesk(c, http.StatusOK, notice, "")
}

func (h *Handler) renderDesk(c *gin.Context, status int, notice, problem string) {
	center, desk := centerOf(c), c.Param("desk")
	state, err := h.walkIns.QueueState(c.Request.Context(), center.ID)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := deskPage{staffPage: h.newStaffPage(c, "desk.title", "Desk", desk, "Center", center.Name), Center: center, Desk: desk,
		Path: deskPath(center.ID, desk), Waiting: state.Estimate.Waiting, NoShowCalls: h.noShowCalls(), Notice: notice, Problem: problem}
	tag := p.L.Tag()
	for _, sv := range h.scheduler.Catalogue().Services {
		p.Services = append(p.Services, render.NewServiceItem(sv, tag))
	}
	p.Line = h.line(p.L, state.Line)
	if i := slices.IndexFunc(state.AtDesks, func(t booking.Ticket) bool { return t.Desk == desk }); i >= 0 {
		t := state.AtDesks[i]
		visit, err := h.walkIns.Visit(c.Request.Context(), t)
		if err != nil {
			render.FailPage(c, err)
			return
		}
		cat := h.scheduler.Catalogue()
		p.Ticket = &deskTicket{Ticket: t, ServiceName: serviceName(cat, t.Service, tag), KindName: p.L.T("desk.kind_" + string(t.Kind)),
			Services: serviceNames(cat, visit.Services, tag), People: visit.People,
			CanNoShow: t.State == booking.Called && t.Calls >= p.NoShowCalls}
	}
	render.Render(c, status, "staff-desk.html", p)
}

// line describes who waits in l: a walk-in (or a late appointment holder)
// by when it took its ticket, an appointment holder who came in time by the
// appointment's time, which its priority is.
func (h *Handler) line(l *locale.Locale, waiting []booking.WaitingTicket) []lineTicket {
	cat, loc := h.scheduler.Catalogue(), h.scheduler.Location()
	line := make([]lineTicket, len(waiting))
	for i, w := range waiting {
		detail := l.T("desk.line_since", "Kind", l.T("desk.kind_"+string(w.Kind)), "Time", l.Clock(w.IssuedAt.In(loc)))
		if w.Lane == booking.AppointmentLane {
			detail = l.T("desk.line_appointment", "Time", l.Clock(w.Priority.In(loc)))
		}
		line[i] = lineTicket{Number: w.Number, ServiceName: serviceName(cat, w.Service, l.Tag()), Detail: detail, Early: w.Early}
	}
	return line
}

// deskCallPost calls the next ticket from the desk page.
func (h *Handler) deskCallPost(c *gin.Context) {
	_, ok, err := h.deskCall(c)
	switch {
	case err != nil:
		h.deskFailed(c, err)
	case !ok:
		c.Redirect(http.StatusSeeOther, deskPath(centerOf(c).ID, c.Param("desk"))+"?done=nobody")
	default:
		c.Redirect(http.StatusSeeOther, deskPath(centerOf(c).ID, c.Param("desk"))+"?done=called")
	}
}

// deskTicketPost runs a ticket action from the desk page's form.
func (h *Handler) deskTicketPost(a ticketAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h.parseForm(c); err != nil {
			render.FailPage(c, err)
			return
		}
		if _, err := h.runTicketAction(c, a, deskInput{Desk: c.Param("desk"), Service: c.PostForm("service")}); err != nil {
			h.deskFailed(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, deskPath(centerOf(c).ID, c.Param("desk"))+"?done="+a.name)
	}
}

// deskFailed shows the desk page again with the reason an action failed,
// or an error page for a failure that is not the desk's.
func (h *Handler) deskFailed(c *gin.Context, err error) {
	msg := ""
	switch {
	case errors.Is(err, booking.ErrTooFewCalls):
		msg = "desk.problem_calls"
	case errors.Is(err, booking.ErrConflict):
		msg = "desk.problem_changed"
	case errors.Is(err, booking.ErrNotFound):
		msg = "desk.problem_gone"
	default:
		render.FailPage(c, err)
		return
	}
	h.renderDesk(c, render.ProblemFor(c, err).Status, "", render.Locale(c).T(msg))
}
