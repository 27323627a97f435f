package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
)

// staffPage is what every back-office page shows besides its own: who is
// logged in, for the header's log-out form.
type staffPage struct {
	page
	Account staff.Account
}

func (s *Server) newStaffPage(c *gin.Context, title string, args ...any) staffPage {
	p := staffPage{page: s.newPage(c, title, args...), Account: staffAccount(c)}
	p.Section = "staff"
	return p
}

type staffLoginPage struct {
	page
	Email string
	Next  string
	// Problem is the message of a failed login, "" before one.
	Problem string
}

// staffLogin shows the login form.
func (s *Server) staffLogin(c *gin.Context) {
	s.renderLogin(c, http.StatusOK, "", "")
}

func (s *Server) renderLogin(c *gin.Context, status int, email, problem string) {
	p := staffLoginPage{page: s.newPage(c, "staff.login.title"), Email: email, Next: safeNext(c.Request.FormValue("next"))}
	p.Section = "staff"
	if problem != "" {
		p.Problem = p.L.T(problem)
	}
	s.render(c, status, "staff-login.html", p)
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
func (s *Server) staffLoginPost(c *gin.Context) {
	if err := s.parseForm(c); err != nil {
		s.staffFail(c, err)
		return
	}
	email := c.PostForm("email")
	a, err := s.staff.Login(c.Request.Context(), email, c.PostForm("password"), c.ClientIP())
	switch {
	case errors.Is(err, staff.ErrBadCredentials):
		s.renderLogin(c, http.StatusUnprocessableEntity, email, "staff.login.failed")
		return
	case errors.Is(err, staff.ErrThrottled):
		c.Header("Retry-After", "60")
		s.renderLogin(c, http.StatusTooManyRequests, email, "staff.login.throttled")
		return
	case err != nil:
		s.staffFail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.staffFail(c, err)
		return
	}
	s.sessions.Put(ctx, sessionAccountKey, a.ID)
	c.Set(staffAccountKey, a)
	s.audit(c, "", staff.ActionLogin, "", "")
	next := safeNext(c.PostForm("next"))
	if next == "" {
		next = "/staff"
	}
	c.Redirect(http.StatusSeeOther, next)
}

// staffLogout ends the session: it is deleted from the database, so its
// cookie opens nothing any more.
func (s *Server) staffLogout(c *gin.Context) {
	s.audit(c, "", staff.ActionLogout, "", "")
	if err := s.sessions.Destroy(c.Request.Context()); err != nil {
		s.staffFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/login")
}

type staffHomePage struct {
	staffPage
	Centers []booking.Center
}

// staffHome lists the centers the account may see.
func (s *Server) staffHome(c *gin.Context) {
	p := staffHomePage{staffPage: s.newStaffPage(c, "staff.home.title")}
	for _, center := range s.scheduler.Catalogue().Centers {
		if p.Account.CanSee(center.ID) {
			p.Centers = append(p.Centers, center)
		}
	}
	s.render(c, http.StatusOK, "staff-home.html", p)
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

// staffAudit lists the newest entries of the audit trail, to admins only.
func (s *Server) staffAudit(c *gin.Context) {
	if !staffAccount(c).IsAdmin() {
		s.staffFail(c, errForbidden)
		return
	}
	entries, err := s.staff.Entries(c.Request.Context(), auditLimit)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	p := staffAuditPage{staffPage: s.newStaffPage(c, "staff.audit.title")}
	loc := s.scheduler.Location()
	for _, e := range entries {
		at := e.At.In(loc)
		p.Entries = append(p.Entries, auditLine{At: at.Format("2006-01-02T15:04:05Z07:00"),
			When: p.L.Date(at) + " " + at.Format("15:04:05"), Entry: e})
	}
	s.render(c, http.StatusOK, "staff-audit.html", p)
}
