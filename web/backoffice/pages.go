package backoffice

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/render"
)

// staffPage is what every back-office page shows besides its own: who is
// logged in, for the header's log-out form.
type staffPage struct {
	render.Page
	Account staff.Account
}

func (h *Handler) newStaffPage(c *gin.Context, title string, args ...any) staffPage {
	p := staffPage{Page: render.NewPage(c, title, args...), Account: staffAccount(c)}
	p.Section = "staff"
	return p
}

type staffLoginPage struct {
	render.Page
	Email string
	Next  string
	// Problem is the message of a failed login, "" before one.
	Problem string
}

// staffLogin shows the login form.
func (h *Handler) staffLogin(c *gin.Context) {
	h.renderLogin(c, http.StatusOK, "", "")
}

func (h *Handler) renderLogin(c *gin.Context, status int, email, problem string) {
	p := staffLoginPage{Page: render.NewPage(c, "staff.login.title"), Email: email, Next: safeNext(c.Request.FormValue("next"))}
	p.Section = "staff"
	if problem != "" {
		p.Problem = p.L.T(problem)
	}
	render.Render(c, status, "staff-login.html", p)
}

// safeNext returns where to go after logging in: a back-office path, or
// "" for anything else (another site, a path outside the back office).
func safeNext(next string) string {
	if next == "/staff" || (strings.HasPrefix(next, "/staff/") && !strings.ContainsAny(next, "\\\r\n")) {
		return next
	}
	return ""
}

// staffLoginPost logs in: a new session (a new ID, against session
// fixation) holding the account. A wrong password and an unknown email get
// the same answer.
func (h *Handler) staffLoginPost(c *gin.Context) {
	if err := h.parseForm(c); err != nil {
		render.FailPage(c, err)
		return
	}
	email := c.PostForm("email")
	a, err := h.staff.Login(c.Request.Context(), email, c.PostForm("password"), c.ClientIP())
	var throttled *staff.ThrottledError
	switch {
	case errors.Is(err, staff.ErrBadCredentials):
		h.renderLogin(c, http.StatusUnprocessableEntity, email, "staff.login.failed")
		return
	case errors.As(err, &throttled):
		render.RetryAfter(c, throttled.RetryAfter)
		h.renderLogin(c, http.StatusTooManyRequests, email, "staff.login.throttled")
		return
	case err != nil:
		render.FailPage(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		render.FailPage(c, err)
		return
	}
	h.sessions.Put(ctx, sessionAccountKey, a.ID)
	c.Set(accountKey, a)
	h.audit(c, "", staff.ActionLogin, "", "")
	next := safeNext(c.PostForm("next"))
	if next == "" {
		next = "/staff"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// staffLogout ends the session: it is deleted from the database, so its
// cookie opens nothing any more.
func (h *Handler) staffLogout(c *gin.Context) {
	h.audit(c, "", staff.ActionLogout, "", "")
	if err := h.sessions.Destroy(c.Request.Context()); err != nil {
		render.FailPage(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/login")
}

type staffHomePage struct {
	staffPage
	Centers []booking.Center
}

// staffHome lists the centers the account may see.
func (h *Handler) staffHome(c *gin.Context) {
	p := staffHomePage{staffPage: h.newStaffPage(c, "staff.home.title")}
	for _, center := range h.scheduler.Catalogue().Centers {
		if p.Account.CanSee(center.ID) {
			p.Centers = append(p.Centers, center)
		}
	}
	render.Render(c, http.StatusOK, "staff-home.html", p)
}

// auditLimit is how many of the newest entries the audit page lists.
const auditLimit = 200

type staffAuditPage struct {
	staffPage
	Entries []auditLine
}

type auditLine struct {
	staff.Entry
	At   string // RFC 3339, for <time datetime>
	When string
}

// staffAudit lists the newest entries of the audit trail; its route lets
// only admins through.
func (h *Handler) staffAudit(c *gin.Context) {
	entries, err := h.staff.Entries(c.Request.Context(), auditLimit)
	if err != nil {
		render.FailPage(c, err)
		return
	}
	p := staffAuditPage{staffPage: h.newStaffPage(c, "staff.audit.title")}
	loc := h.scheduler.Location()
	for _, e := range entries {
		at := e.At.In(loc)
		p.Entries = append(p.Entries, auditLine{At: at.Format("2006-01-02T15:04:05Z07:00"),
			When: p.L.Date(at) + " " + at.Format("15:04:05"), Entry: e})
	}
	render.Render(c, http.StatusOK, "staff-audit.html", p)
}
