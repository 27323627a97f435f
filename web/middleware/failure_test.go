package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/web/middleware"
	"github.com/ics-booking/icsbooking/web/render"
)

// TestFailureStyleOfTheGroup: a request fails in the style its route group
// chose, the checks of every group included, whatever it asks for; with no
// group, a problem.
func TestFailureStyleOfTheGroup(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	page := func(c *gin.Context, err error) { c.String(418, "page: "+err.Error()) }
	boom := func(c *gin.Context) { middleware.Fail(c, errors.New("boom")) }
	middleware.Group(r, "/pages", page).POST("/form", boom)
	middleware.Group(r, "/api", render.FailProblem).POST("/thing", boom)
	r.POST("/bare", boom)

	for _, tt := range []struct {
		path    string
		headers []string
		status  int
		body    string
	}{
		{"/pages/form", nil, 418, "page: boom"},
		{"/pages/form", []string{"Sec-Fetch-Site", "cross-site", "Accept", "application/json"}, 418, "page: cross-origin requests"},
		{"/pages/form", []string{"Content-Encoding", "gzip"}, 418, "page: send the body without a Content-Encoding"},
		{"/api/thing", []string{"Accept", "text/html"}, 500, `"code":"internal"`},
		{"/api/thing", []string{"Sec-Fetch-Site", "cross-site", "Accept", "text/html", "Content-Type", "application/x-www-form-urlencoded"},
			403, `"code":"cross_origin"`},
		{"/bare", nil, 500, `"code":"internal"`},
	} {
		req := httptest.NewRequest("POST", tt.path, strings.NewReader("x"))
		for i := 0; i+1 < len(tt.headers); i += 2 {
			req.Header.Set(tt.headers[i], tt.headers[i+1])
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) {
			t.Errorf("POST %s %v: %d %s, want %d with %s", tt.path, tt.headers, w.Code, w.Body, tt.status, tt.body)
		}
	}
}

// A refusal of the checks runs no handler after it.
func TestChecksStopTheChain(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	ran := false
	middleware.Group(r, "", render.FailProblem).POST("/x", func(c *gin.Context) { ran = true })
	req := httptest.NewRequest("POST", "/x", strings.NewReader("x"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || ran {
		t.Errorf("cross-site: %d, handler ran: %v", w.Code, ran)
	}
}
