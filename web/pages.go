package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/locale"
)

// The pages: html/template files in templates/, each rendered inside
// layout.html, with every word a person reads taken from package locale in
// the language of the request.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageTemplates holds one template set per page: the layout with the page's
// own blocks.
var pageTemplates = mustParsePages()

func mustParsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	sets := map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t := template.New("layout.html").Funcs(template.FuncMap{"static": staticURL, "field": field})
		sets[base] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partials.html", name))
	}
	return sets
}

// page is what the layout needs of every page: the language, the title and
// the links to the same page in the other languages. Each page's data
// embeds it, so its templates reach .L, the request's locale.
type page struct {
	L     *locale.Locale
	Title string
	// Languages links to this page in every language, for the switch.
	Languages []languageLink
	// Main says the page is one of the site's sections, for the
	// navigation's aria-current.
	Section string
}

type languageLink struct {
	Tag     string
	Name    string // the language's name in itself: English, Dansk
	URL     string
	Current bool
}

// languageNames are the languages' names in themselves.
var languageNames = map[string]string{"en": "English", "da": "Dansk"}

// newPage starts the data of a page titled with the message title, or
// untitled if title is "" (the caller then sets Title).
func (s *Server) newPage(c *gin.Context, title string, args ...any) page {
	l := localeOf(c)
	p := page{L: l}
	if title != "" {
		p.Title = l.T(title, args...)
	}
	for _, tag := range locale.Tags() {
		p.Languages = append(p.Languages, languageLink{
			Tag: tag, Name: languageNames[tag], URL: withQuery(c.Request.URL, "lang", tag), Current: tag == l.Tag(),
		})
	}
	return p
}

// withQuery returns u's path and query with name set to value.
func withQuery(u *url.URL, name, value string) string {
	q := u.Query()
	q.Set(name, value)
	return u.Path + "?" + q.Encode()
}

const localeKey = "icsbooking.locale"

// langCookie remembers the language a person chose.
const langCookie = "lang"

// chooseLanguage picks the language of a page: ?lang=xx, which is then
// remembered in a cookie and dropped from the address by a redirect, else
// the cookie, else Accept-Language.
func (s *Server) chooseLanguage(c *gin.Context) {
	if tag := c.Query("lang"); tag != "" && c.Request.Method == http.MethodGet {
		if locale.Known(tag) {
			http.SetCookie(c.Writer, &http.Cookie{
				Name: langCookie, Value: tag, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"),
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
	chosen, _ := c.Cookie(langCookie)
	c.Set(localeKey, locale.Match(chosen, c.GetHeader("Accept-Language")))
	c.Next()
}

// localeOf returns the language chooseLanguage picked, or the one the
// request asks for where it did not run (an error page of the middleware).
func localeOf(c *gin.Context) *locale.Locale {
	if l, ok := c.Value(localeKey).(*locale.Locale); ok {
		return l
	}
	chosen, _ := c.Cookie(langCookie)
	return locale.Match(chosen, c.GetHeader("Accept-Language"))
}

// render writes a page. Pages may show a booking or a form's values, so
// no cache keeps them.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	t, ok := pageTemplates[name]
	if !ok {
		panic("no page template " + name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		slogFrom(c).Error("render page", "template", name, "error", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", localeOf(c).Tag())
	c.Status(status)
	c.Writer.Write(buf.Bytes())
}

// staticFile is a file of static/ with the hash that versions its URL.
type staticFile struct {
	data []byte
	hash string
}

var staticFiles = mustLoadStatic()

func mustLoadStatic() map[string]staticFile {
	files := map[string]staticFile{}
	err := fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[strings.TrimPrefix(name, "static/")] = staticFile{data: data, hash: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return files
}

// staticURL is the address of a static file, versioned by its content so
// that it can be cached for good and a new build is fetched at once.
func staticURL(name string) string {
	f, ok := staticFiles[name]
	if !ok {
		panic(fmt.Sprintf("no static file %q", name))
	}
	return "/static/" + name + "?v=" + f.hash
}

// staticTypes are the media types of the static files whose extension
// mime does not know or knows otherwise.
var staticTypes = map[string]string{
	".webmanifest": "application/manifest+json",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".svg":         "image/svg+xml",
}

func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	f, ok := staticFiles[name]
	if !ok {
		fail(c, &httpError{status: http.StatusNotFound, code: "not_found", detail: "no such file"})
		return
	}
	ext := path.Ext(name)
	ctype, ok := staticTypes[ext]
	if !ok {
		ctype = mime.TypeByExtension(ext)
	}
	if c.Query("v") == f.hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("ETag", `"`+f.hash+`"`)
	if c.GetHeader("If-None-Match") == `"`+f.hash+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, ctype, f.data)
}

// manifest serves the web app manifest at the site's root, where browsers
// look for it and its scope covers every page.
func (s *Server) manifest(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/manifest+json", staticFiles["manifest.webmanifest"].data)
}

// contentSecurityPolicy allows the site's own files only: no inline style
// or script, no framing, forms posting to the site alone.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
