package middleware

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// Sessions keeps sessions (the back office's logins) in a store, with
// scs, and loads them for Gin's handlers.
type Sessions struct {
	*scs.SessionManager
}

// SessionCookie says how the cookie of a session is named and lives.
type SessionCookie struct {
	Name string
	// Lifetime is the longest a session lasts, Idle the longest it lasts
	// unused.
	Lifetime, Idle time.Duration
	// Secure: the site is served over https, so the cookie goes only
	// there.
	Secure bool
}

// sessionLoadedKey marks a request whose session is loaded.
const sessionLoadedKey = "icsbooking.session"

// NewSessions returns the sessions kept in store (nil: in memory), with
// cookies that are HttpOnly, SameSite=Lax, not kept after the browser
// closes, and as cookie says.
func NewSessions(store scs.Store, cookie SessionCookie, log *slog.Logger) *Sessions {
	// scs.New also starts a memory store's cleanup, which stays idle when
	// store replaces it (stopping it races in scs v2.9.0).
	m := scs.New()
	if store != nil {
		m.Store = store
	}
	m.Lifetime = cookie.Lifetime
	m.IdleTimeout = cookie.Idle
	m.Cookie.Name = cookie.Name
	m.Cookie.Path = "/"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = cookie.Secure
	m.Cookie.Persist = false
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.ErrorContext(r.Context(), "session", "error", err)
		render.WriteProblem(w, render.Problem{Status: http.StatusInternalServerError, Code: "internal", RequestID: render.RequestID(r.Context()),
			Detail: "something went wrong on our side; please try again later"})
	}
	return &Sessions{m}
}

// Load loads the session of the request, if any, and saves it when the
// answer starts.
func (s *Sessions) Load(c *gin.Context) { s.Run(c, c.Next) }

// Run runs next with the request's session loaded: scs's LoadAndSave,
// with Gin's writer routed through scs's so that the session is saved and
// its cookie set before the answer's headers go out.
func (s *Sessions) Run(c *gin.Context, next func()) {
	if c.GetBool(sessionLoadedKey) {
		next()
		return
	}
	gw := c.Writer
	s.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
