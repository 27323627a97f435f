// Package middleware holds the Gin middleware the audiences of the site
// share: request IDs and the request log, the failure style a route group
// chooses and the checks every group runs (cross-origin refusal, encoded
// bodies), body limits, rate limits, the back office's sessions and the
// language of the pages.
package middleware

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/render"
)

// Failure answers a request that failed with err in the way its audience
// reads: render.FailProblem for an API, render.FailPage for pages.
type Failure func(c *gin.Context, err error)

const failureKey = "icsbooking.failure"

// FailWith makes fail the failure style of the requests it runs for: the
// first handler of every route group.
func FailWith(fail Failure) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(failureKey, fail)
		c.Next()
	}
}

// Fail answers the request with err in the failure style of its route
// group, a problem if it has none, and runs no further handler. Middleware
// shared by several groups fails with it; a handler knows its own style.
func Fail(c *gin.Context, err error) {
	c.Abort()
	fail, ok := c.Value(failureKey).(Failure)
	if !ok {
		fail = render.FailProblem
	}
	fail(c, err)
}

// Group starts a route group under prefix whose requests fail in the style
// fail, and that refuses, in that style, what no route of the site accepts
// (Checks), before handlers.
func Group(r gin.IRouter, prefix string, fail Failure, handlers ...gin.HandlerFunc) *gin.RouterGroup {
	return r.Group(prefix, slices.Concat([]gin.HandlerFunc{FailWith(fail)}, Checks(), handlers)...)
}

// Checks are the refusals every route group runs once its failure style is
// set, and a request that matches no route too.
func Checks() []gin.HandlerFunc { return []gin.HandlerFunc{identityOnly, sameOrigin} }

// crossOrigin tells browser requests that change data from another site
// (CSRF) by the Fetch metadata and Origin headers browsers send.
var crossOrigin = http.NewCrossOriginProtection()

// sameOrigin refuses cross-origin browser requests that change data.
func sameOrigin(c *gin.Context) {
	if err := crossOrigin.Check(c.Request); err != nil {
		Fail(c, &render.HTTPError{Status: http.StatusForbidden, Code: "cross_origin",
			Detail: "cross-origin requests that change data are refused"})
		return
	}
	c.Next()
}

// identityOnly refuses a body sent with a Content-Encoding (gzip, br, ...):
// it would be read as if it were not encoded.
func identityOnly(c *gin.Context) {
	if c.Request.ContentLength != 0 && !identity(c.Request.Header.Values("Content-Encoding")) {
		c.Header("Accept-Encoding", "identity")
		Fail(c, &render.HTTPError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_encoding",
			Detail: "send the body without a Content-Encoding such as gzip"})
		return
	}
	c.Next()
}

// identity reports whether the values of a Content-Encoding header name no
// coding other than identity.
func identity(values []string) bool {
	for _, v := range values {
		for coding := range strings.SplitSeq(v, ",") {
			if coding = strings.TrimSpace(coding); coding != "" && !strings.EqualFold(coding, "identity") {
				return false
			}
		}
	}
	return true
}
