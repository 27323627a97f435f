package render

import (
	"context"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/locale"
)

// What the middleware records of a request for its answers: the ID that
// names it in the log and in every problem document, the server's logger,
// and the language its pages are written in.

type requestIDKey struct{}

// WithRequestID returns ctx carrying the ID of its request.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the ID of the request whose context ctx is, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

const loggerKey = "icsbooking.logger"

// SetLogger makes l the logger of the request's answers.
func SetLogger(c *gin.Context, l *slog.Logger) { c.Set(loggerKey, l) }

// Logger returns the server's logger, which the middleware puts in the
// request (SetLogger).
func Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

const localeKey = "icsbooking.locale"

// LangCookie remembers the language a person chose.
const LangCookie = "lang"

// SetLocale makes l the language of the request's pages.
func SetLocale(c *gin.Context, l *locale.Locale) { c.Set(localeKey, l) }

// Locale returns the language of the request's pages: the one the
// middleware chose (SetLocale), or where it did not run (an error page of
// a request no route took) the one the request asks for.
func Locale(c *gin.Context) *locale.Locale {
	if l, ok := c.Value(localeKey).(*locale.Locale); ok {
		return l
	}
	return RequestedLocale(c)
}

// RequestedLocale is the language the request asks for: the one chosen
// before (the cookie), else the best of its Accept-Language.
func RequestedLocale(c *gin.Context) *locale.Locale {
	chosen, _ := c.Cookie(LangCookie)
	return locale.Match(chosen, c.GetHeader("Accept-Language"))
}
