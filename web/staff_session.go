package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/staff"
)

// StaffDirectory is what the back office needs of staff.Directory.
type StaffDirectory interface {
	Login(ctx context.Context, email, password, address string) (staff.Account, error)
	Account(ctx context.Context, id int64) (staff.Account, error)
	Record(ctx context.Context, e staff.Entry) error
	Entries(ctx context.Context, limit int) ([]staff.Entry, error)
}

// The back office's sessions: a working day at most, an hour idle.
const (
	staffSessionLifetime = 12 * time.Hour
	staffSessionIdle     = time.Hour
	staffSessionCookie   = "ics_staff"
)

// sessionAccountKey holds the logged-in account's ID in a session.
const sessionAccountKey = "account"

// Keys of the request's context.
const (
	sessionLoadedKey = "icsbooking.session"
	staffAccountKey  = "icsbooking.staff"
)

// newSessions returns the manager of the back office's sessions, kept in
// store (nil: in memory). Cookies are HttpOnly and SameSite=Lax, and Secure
// when the site is served over https.
func newSessions(store scs.Store, cfg Config) *scs.SessionManager {
	// scs.New also starts a memory store's cleanup, which stays idle when
	// store replaces it (stopping it races in scs v2.9.0).
	m := scs.New()
	if store != nil {
		m.Store = store
	}
	m.Lifetime = staffSessionLifetime
	m.IdleTimeout = staffSessionIdle
	m.Cookie.Name = staffSessionCookie
	m.Cookie.Path = "/"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = strings.HasPrefix(cfg.BaseURL, "https://")
	m.Cookie.Persist = false
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		cfg.Logger.ErrorContext(r.Context(), "staff session", "error", err)
		writeProblem(w, problem{Status: http.StatusInternalServerError, Code: "internal", RequestID: requestIDOf(r.Context()),
			Detail: "something went wrong on our side; please try again later"})
	}
	return m
}

// loadSession loads the back office's session of the request, if any, and
// saves it when the answer starts.
func (s *Server) loadSession(c *gin.Context) { s.withSession(c, c.Next) }

// withSession runs next with the request's session loaded: scs's
// LoadAndSave, with Gin's writer routed through scs's so that the session
// is saved and its cookie set before the answer's headers go out.
func (s *Server) withSession(c *gin.Context, next func()) {
	if c.GetBool(sessionLoadedKey) {
		next()
		return
	}
	gw := c.Writer
	s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Set(sessionLoadedKey, true)
		c.Request = r
		c.Writer = &sessionWriter{ResponseWriter: gw, session: w}
		next()
	})).ServeHTTP(gw, c.Request)
	c.Writer = gw
}

// sessionWriter is Gin's writer with the writes that start an answer going
// through scs's writer first.
type sessionWriter struct {
	gin.ResponseWriter
	session http.ResponseWriter
}

func (w *sessionWriter) WriteHeader(code int)              { w.session.WriteHeader(code) }
func (w *sessionWriter) Write(b []byte) (int, error)       { return w.session.Write(b) }
func (w *sessionWriter) WriteString(s string) (int, error) { return w.session.Write([]byte(s)) }

func (w *sessionWriter) WriteHeaderNow() {
	if !w.Written() {
		w.session.WriteHeader(w.Status())
	}
	w.ResponseWriter.WriteHeaderNow()
}

func (w *sessionWriter) Flush() {
	w.WriteHeaderNow()
	w.ResponseWriter.Flush()
}

// requireStaff lets through requests of a logged-in account whose account
// is not disabled, and puts the account in the context (staffAccount).
// Without one, pages redirect to the login page and the API answers 401.
func (s *Server) requireStaff(c *gin.Context) {
	s.withSession(c, func() {
		ctx := c.Request.Context()
		id := s.sessions.GetInt64(ctx, sessionAccountKey)
		if id == 0 {
			s.refuseLogin(c)
			return
		}
		a, err := s.staff.Account(ctx, id)
		if errors.Is(err, staff.ErrNotFound) || (err == nil && a.Disabled) {
			if err := s.sessions.Destroy(ctx); err != nil {
				s.staffFail(c, err)
				return
			}
			s.refuseLogin(c)
			return
		}
		if err != nil {
			s.staffFail(c, err)
			return
		}
		c.Set(staffAccountKey, a)
		c.Next()
	})
}

var errUnauthenticated = &httpError{status: http.StatusUnauthorized, code: "unauthenticated",
	detail: "log in to the back office at /staff/login first"}

// refuseLogin answers a request that needs a logged-in account: the API
// with 401, a page with a redirect to the login page, which comes back
// here afterwards.
func (s *Server) refuseLogin(c *gin.Context) {
	if isAPI(c) {
		fail(c, errUnauthenticated)
		return
	}
	target := "/staff/login"
	if c.Request.Method == http.MethodGet && c.Request.URL.Path != "/staff" {
		target += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
	}
	c.Redirect(http.StatusSeeOther, target)
	c.Abort()
}

// isAPI reports whether the request is one of the JSON API's.
func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// staffFail answers a back-office request with err: a problem for the API,
// else an error page.
func (s *Server) staffFail(c *gin.Context, err error) {
	if isAPI(c) {
		fail(c, err)
		return
	}
	c.Abort()
	s.errorPage(c, err)
}

// staffAccount returns the account requireStaff let through.
func staffAccount(c *gin.Context) staff.Account {
	a, _ := c.Value(staffAccountKey).(staff.Account)
	return a
}

var errForbidden = &httpError{status: http.StatusForbidden, code: "forbidden",
	detail: "this account may not see or change this"}

// allowCenter reports whether the logged-in account may see and change the
// center. If not, it has answered: 404 for a center the catalogue does not
// have, 403 for one the account may not see.
func (s *Server) allowCenter(c *gin.Context, center string) bool {
	if _, err := s.scheduler.Catalogue().Center(center); err != nil {
		s.staffFail(c, err)
		return false
	}
	if !staffAccount(c).CanSee(center) {
		s.staffFail(c, errForbidden)
		return false
	}
	return true
}

// audit records in the audit trail that the logged-in account did action
// to subject at center ("" for none). A failure to record is logged: the
// action has happened.
func (s *Server) audit(c *gin.Context, center, action, subject, detail string) {
	e := staff.Entry{AccountID: staffAccount(c).ID, Center: center, Action: action, Subject: subject, Detail: detail}
	if err := s.staff.Record(c.Request.Context(), e); err != nil {
		slogFrom(c).Error("audit", "action", action, "error", err)
	}
}
