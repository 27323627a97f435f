package middleware

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/locale"
	"github.com/ics-booking/icsbooking/web/render"
)

// ChooseLanguage picks the language of a page: ?lang=xx, which is then
// remembered in a cookie (Secure when the site is served over https) and
// dropped from the address by a redirect, else the cookie, else
// Accept-Language.
func ChooseLanguage(secure bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if tag := c.Query("lang"); tag != "" && c.Request.Method == http.MethodGet {
			if locale.Known(tag) {
				http.SetCookie(c.Writer, &http.Cookie{
					Name: render.LangCookie, Value: tag, Path: "/", MaxAge: 365 * 24 * 3600,
					HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure,
				})
			}
			q := c.Request.URL.Query()
			q.Del("lang")
			target := c.Request.URL.Path
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			c.Redirect(http.StatusSeeOther, target)
			c.Abort()
			return
		}
		render.SetLocale(c, render.RequestedLocale(c))
		c.Next()
	}
}
