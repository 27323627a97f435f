package backoffice

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/staff"
	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// Who may do what: requireStaff lets through a logged-in account,
// requireCenter one that may see the center of the path, requireDesk a
// desk the center has, requireAdmin an admin. Each refuses in the failure
// style of its route group.

// sessionAccountKey holds the logged-in account's ID in a session.
const sessionAccountKey = "account"

// Keys of the request's context.
const (
	accountKey = "icsbooking.staff"
	centerKey  = "icsbooking.center"
)

var (
	errUnauthenticated = &render.HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated",
		Detail: "log in to the back office at /staff/login first"}
	errForbidden = &render.HTTPError{Status: http.StatusForbidden, Code: "forbidden",
		Detail: "this account may not see or change this"}
)

// requireStaff lets through requests of a logged-in account whose account
// is not disabled, and puts the account in the context (staffAccount).
// Without one, the request fails with errUnauthenticated: a page redirects
// to the login page (failPage), the API answers 401.
func (h *Handler) requireStaff(c *gin.Context) {
	h.sessions.Run(c, func() {
		ctx := c.Request.Context()
		id := h.sessions.GetInt64(ctx, sessionAccountKey)
		if id == 0 {
			middleware.Fail(c, errUnauthenticated)
			return
		}
		a, err := h.staff.Account(ctx, id)
		if errors.Is(err, staff.ErrNotFound) || (err == nil && a.Disabled) {
			if err := h.sessions.Destroy(ctx); err != nil {
				middleware.Fail(c, err)
				return
			}
			middleware.Fail(c, errUnauthenticated)
			return
		}
		if err != nil {
			middleware.Fail(c, err)
			return
		}
		c.Set(accountKey, a)
		c.Next()
	})
}

// failPage is the failure style of the back office's pages: a request
// that needs a logged-in account is sent to the login page, which comes
// back here afterwards; any other failure is a page.
func failPage(c *gin.Context, err error) {
	if !errors.Is(err, errUnauthenticated) {
		render.FailPage(c, err)
		return
	}
	target := "/staff/login"
	if c.Request.Method == http.MethodGet && c.Request.URL.Path != "/staff" {
		target += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
	}
	c.Redirect(http.StatusSeeOther, target)
	c.Abort()
}

// staffAccount returns the account requireStaff let through.
func staffAccount(c *gin.Context) staff.Account {
	a, _ := c.Value(accountKey).(staff.Account)
	return a
}

// requireCenter lets through requests for the center of the path
// (:center) if the logged-in account may see and change it, and puts the
// center in the context (centerOf). Otherwise the request fails: 404 for a
// center the catalogue does not have, 403 for one the account may not see.
func (h *Handler) requireCenter(c *gin.Context) {
	ce, err := h.scheduler.Catalogue().Center(c.Param("center"))
	if err != nil {
		middleware.Fail(c, err)
		return
	}
	if !staffAccount(c).CanSee(ce.ID) {
		middleware.Fail(c, errForbidden)
		return
	}
	c.Set(centerKey, ce)
	c.Next()
}

// centerOf returns the center requireCenter let through.
func centerOf(c *gin.Context) booking.Center {
	ce, _ := c.Value(centerKey).(booking.Center)
	return ce
}

// requireDesk lets through requests for a desk of the path (:desk) that is
// one of the center's (requireCenter's); any other desk is not found, on
// the pages as in the API.
func requireDesk(c *gin.Context) {
	if err := centerOf(c).CheckDesk(c.Param("desk")); err != nil {
		middleware.Fail(c, err)
		return
	}
	c.Next()
}

// requireAdmin lets admins through; others get refuse's answer.
func requireAdmin(refuse gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !staffAccount(c).IsAdmin() {
			c.Abort()
			refuse(c)
			return
		}
		c.Next()
	}
}

// forbidden refuses in the failure style of the route group.
func forbidden(c *gin.Context) { middleware.Fail(c, errForbidden) }

// audit records in the audit trail that the logged-in account did action
// to subject at center ("" for none). A failure to record is logged: the
// action has happened.
func (h *Handler) audit(c *gin.Context, center, action, subject, detail string) {
	e := staff.Entry{AccountID: staffAccount(c).ID, Center: center, Action: action, Subject: subject, Detail: detail}
	if err := h.staff.Record(c.Request.Context(), e); err != nil {
		render.Logger(c).Error("audit", "action", action, "error", err)
	}
}
