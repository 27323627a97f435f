// Package render draws what every audience of the site is answered with:
// the pages (html/template files in templates/, each inside layout.html, in
// the language of the request), the static files they use, the error pages,
// and the RFC 9457 problem documents of the APIs. It holds no route: the
// packages of each audience (api, site, backoffice) use it.
package render

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/ics-booking/icsbooking/booking"
	"github.com/ics-booking/icsbooking/locale"
)

// Every word a person reads on a page is taken from package locale in the
// language of the request.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageSources holds, for each language, the source of each page's
// template set: the layout, the partials, the language switch and the
// page's own blocks, with the fixed words already in that language (see
// resolveFixed). Every set is parsed once at start, so that a broken
// template stops the server; a set is then kept from the first request
// for its page in its language (pageTemplate): the sets of both languages
// take 5 MB, most of them the staff's pages, which a server of the
// newcomers' pages never renders.
var pageSources = mustPreparePages()

// pageTemplates keeps the parsed sets by language and page name.
var pageTemplates sync.Map // pageName: *template.Template

type pageName struct{ lang, name string }

// pageSource is the source of one page's template set.
type pageSource struct {
	layout, partials, languages, page string
}

func mustPreparePages() map[pageName]pageSource {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	sources := map[string]string{}
	for _, name := range names {
		data, err := templateFS.ReadFile(name)
		if err != nil {
			panic(err)
		}
		sources[path.Base(name)] = string(data)
	}
	pages := map[pageName]pageSource{}
	for _, tag := range locale.Tags() {
		l := locale.Get(tag)
		fixed := func(name string) string {
			return resolveFixed(sources[name], tag, func(id string) string { return l.T(id) })
		}
		layout, partials, languages := fixed("layout.html"), fixed("partials.html"), languageSwitch(l)
		for name := range sources {
			if name == "layout.html" || name == "partials.html" {
				continue
			}
			src := pageSource{layout: layout, partials: partials, languages: languages, page: fixed(name)}
			if _, err := src.parse(name); err != nil {
				panic(err)
			}
			pages[pageName{tag, name}] = src
		}
	}
	return pages
}

// parse parses the page's template set.
func (src pageSource) parse(name string) (*template.Template, error) {
	t, err := template.New("layout.html").Funcs(template.FuncMap{"static": StaticURL}).Parse(src.layout)
	for _, part := range []struct{ name, text string }{
		{"partials.html", src.partials}, {"languages", src.languages}, {name, src.page},
	} {
		if err != nil {
			break
		}
		_, err = t.New(part.name).Parse(part.text)
	}
	if err != nil {
		return nil, fmt.Errorf("page template %s: %w", name, err)
	}
	return t, nil
}

// pageTemplate is the template set of the page name in the language lang,
// parsed at its first use; false if there is no such page.
func pageTemplate(lang, name string) (*template.Template, bool) {
	key := pageName{lang, name}
	if t, ok := pageTemplates.Load(key); ok {
		return t.(*template.Template), true
	}
	src, ok := pageSources[key]
	if !ok {
		return nil, false
	}
	t, err := src.parse(name)
	if err != nil {
		panic(err) // parsed at start already
	}
	kept, _ := pageTemplates.LoadOrStore(key, t)
	return kept.(*template.Template), true
}

// languageSwitch is the template "languages" of the pages in l's
// language: the same page in every language, l's named, the others linked
// to the addresses in Page.Languages. It is written out for each language,
// as the fixed words are (resolveFixed): a range over the languages, each
// asked whether it is the current one, was a fifth of the work of
// rendering a page.
func languageSwitch(l *locale.Locale) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<nav class=\"languages\" aria-label=\"%s\"><ul>\n", html.EscapeString(l.T("layout.language")))
	for i, tag := range locale.Tags() {
		name := html.EscapeString(LanguageNames[tag])
		if tag == l.Tag() {
			fmt.Fprintf(&b, `<li><span aria-current="true" lang="%s">%s</span></li>`, tag, name)
		} else {
			fmt.Fprintf(&b, `<li><a href="{{(index .Languages %d).URL}}" lang="%s" hreflang="%s">%s</a></li>`, i, tag, tag, name)
		}
	}
	b.WriteString("\n</ul></nav>")
	return b.String()
}

// What a template says in words that take nothing from the request, it
// says the same to everyone in a language: {{.L.T "id"}} without
// arguments, {{.L.Tag}}, and {{static "file"}}. Evaluated for each request
// they were most of a page's rendering (a method found and called by
// reflection, a go-i18n lookup and an escaper each); resolveFixed writes
// them into the template's text once per language instead, escaped for
// where they stand. It does so only where HTML escaping is the right one:
// in the text of the page outside scripts and styles, and in an
// attribute's quoted value that is neither a script, a style nor (but for
// a static file's address) a URL. Elsewhere html/template's own escaping
// is needed, and the action is left to it.
var (
	fixedActions = regexp.MustCompile(`\{\{\s*(?:\$?\.L\.T\s+"([^"]+)"|(\$?\.L\.Tag)|static\s+"([^"]+)")\s*\}\}`)
	anyAction    = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	// quotedValue is the attribute whose double-quoted value a tag's text
	// ends in.
	quotedValue = regexp.MustCompile(`\s([a-zA-Z][a-zA-Z0-9:-]*)\s*=\s*"[^"]*$`)
	// urlAttributes are the attributes whose values html/template
	// escapes as URLs, besides those whose names hold src, uri or url.
	urlAttributes = []string{"action", "archive", "background", "cite", "classid", "codebase", "data",
		"formaction", "href", "icon", "longdesc", "manifest", "poster", "profile", "src", "usemap", "xmlns"}
)

// resolveFixed is src with its fixed actions replaced by their text in the
// language tag, whose messages message returns.
func resolveFixed(src, tag string, message func(id string) string) string {
	var out strings.Builder
	last := 0
	for _, m := range fixedActions.FindAllStringSubmatchIndex(src, -1) {
		out.WriteString(src[last:m[0]])
		last = m[1]
		action := src[m[0]:m[1]]
		var text string
		switch {
		case m[2] >= 0:
			text = message(src[m[2]:m[3]])
		case m[4] >= 0:
			text = tag
		default:
			text = StaticURL(src[m[6]:m[7]])
		}
		if !escapedAsHTML(anyAction.ReplaceAllString(src[:m[0]], ""), m[6] >= 0) {
			out.WriteString(action)
			continue
		}
		// A brace is written as a character reference, so that no text
		// can open an action.
		out.WriteString(strings.ReplaceAll(html.EscapeString(text), "{", "&#123;"))
	}
	out.WriteString(src[last:])
	return out.String()
}

// escapedAsHTML says whether what follows the template text before (its
// actions taken out) is escaped as HTML text by html/template: a static
// file's address (static), a path of the site with nothing to escape, may
// also stand in a quoted URL attribute.
func escapedAsHTML(before string, static bool) bool {
	lower := strings.ToLower(before)
	if strings.LastIndex(lower, "<") > strings.LastIndex(lower, ">") {
		m := quotedValue.FindStringSubmatch(before[strings.LastIndex(lower, "<"):])
		if m == nil {
			return false
		}
		escaping := attributeEscaping(strings.ToLower(m[1]))
		return escaping == "text" || static && escaping == "url"
	}
	for _, element := range []string{"script", "style"} {
		if strings.LastIndex(lower, "<"+element) > strings.LastIndex(lower, "</"+element) {
			return false
		}
	}
	return true
}

// attributeEscaping is how html/template escapes the value of the
// attribute name (its attrType): as text, as a URL, or otherwise (a
// script, a style, a namespaced name), with data- set aside.
func attributeEscaping(name string) string {
	name = strings.TrimPrefix(name, "data-")
	switch {
	case strings.HasPrefix(name, "on"), name == "style", name == "srcset", strings.Contains(name, ":"):
		return "other"
	case slices.Contains(urlAttributes, name), strings.Contains(name, "src"), strings.Contains(name, "uri"),
		strings.Contains(name, "url"):
		return "url"
	}
	return "text"
}

// Page is what the layout needs of every page: the language, the title and
// the links to the same page in the other languages. Each page's data
// embeds it, so its templates reach .L, the request's locale.
type Page struct {
	L     *locale.Locale
	Title string
	// Languages links to this page in every language, for the switch.
	Languages []LanguageLink
	// Section says the page is one of the site's sections, for the
	// navigation's aria-current.
	Section string
}

// LanguageLink is one language of the switch.
type LanguageLink struct {
	Tag  string
	Name string // the language's name in itself: English, Dansk
	URL  string
}

// LanguageNames are the languages' names in themselves.
var LanguageNames = map[string]string{"en": "English", "da": "Dansk"}

// NewPage starts the data of a page titled with the message title, or
// untitled if title is "" (the caller then sets Title).
func NewPage(c *gin.Context, title string, args ...any) Page {
	l := Locale(c)
	p := Page{L: l}
	if title != "" {
		p.Title = l.T(title, args...)
	}
	for _, tag := range locale.Tags() {
		p.Languages = append(p.Languages, LanguageLink{
			Tag: tag, Name: LanguageNames[tag], URL: withQuery(c.Request.URL, "lang", tag),
		})
	}
	return p
}

// LinkLanguages points the language switch at path: a page answering a
// form has no address of its own to reload in another language.
func (p *Page) LinkLanguages(path string) {
	for i := range p.Languages {
		p.Languages[i].URL = path + "?lang=" + p.Languages[i].Tag
	}
}

// withQuery returns u's path and query with name set to value.
func withQuery(u *url.URL, name, value string) string {
	q := u.Query()
	q.Set(name, value)
	return u.Path + "?" + q.Encode()
}

// ServiceItem is a service as the pages list it: in a category, at the
// kiosk, among the services a desk may move a ticket to.
type ServiceItem struct {
	ID   string
	Name string // in the page's language
	Mode booking.Mode
}

// NewServiceItem is sv as the pages list it, named in lang.
func NewServiceItem(sv booking.Service, lang string) ServiceItem {
	return ServiceItem{ID: sv.ID, Name: sv.In(lang).Name, Mode: sv.Mode}
}

// Render writes a page. Pages may show a booking or a form's values, so
// no cache keeps them, unless the request's handler said that its page is
// the same for everyone asking in its language (Share).
func Render(c *gin.Context, status int, name string, data any) {
	t, ok := pageTemplate(Locale(c).Tag(), name)
	if !ok {
		panic("no page template " + name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		Logger(c).Error("render page", "template", name, "error", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	if keep, ok := c.Value(sharedKey).(func(SharedPage)); ok && status == http.StatusOK {
		p := newSharedPage(buf.Bytes(), Locale(c).Tag())
		keep(p)
		WriteShared(c, p)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Language", Locale(c).Tag())
	c.Status(status)
	c.Writer.Write(buf.Bytes())
}

// A shared page is one that is the same for everyone who asks for it in
// its language at one moment: nothing of a person, no form key, no
// session, nothing taken from the request but its path and its language.
// The pages of the site that are (the home page, a center's, the week of
// times before anything is chosen, ...) are served from memory for a
// moment (site's page cache), and may be kept by browsers that ask again
// with their ETag; Vary names what chooses the language.

const sharedKey = "icsbooking.shared"

// SharedPage is a shared page as rendered: its body, in the language
// Lang, and the ETag naming its content.
type SharedPage struct {
	Body []byte
	Lang string
	ETag string
}

func newSharedPage(body []byte, lang string) SharedPage {
	sum := sha256.Sum256(body)
	return SharedPage{Body: bytes.Clone(body), Lang: lang, ETag: `"` + lang + "-" + hex.EncodeToString(sum[:12]) + `"`}
}

// Share says that the request's page, if it renders with 200, is a shared
// page: Render hands it to keep before writing it.
func Share(c *gin.Context, keep func(SharedPage)) { c.Set(sharedKey, keep) }

// WriteShared writes a shared page, or 304 Not Modified to a client that
// has it (If-None-Match).
func WriteShared(c *gin.Context, p SharedPage) {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Kept, but asked again each time: it changes with the queue and the
	// seats.
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Language", p.Lang)
	// What chooses the language (RequestedLocale).
	h.Set("Vary", "Accept-Language, Cookie")
	h.Set("ETag", p.ETag)
	if c.GetHeader("If-None-Match") == p.ETag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Status(http.StatusOK)
	c.Writer.Write(p.Body)
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

// StaticURL is the address of a static file, versioned by its content so
// that it can be cached for good and a new build is fetched at once.
func StaticURL(name string) string {
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

// Static serves the static file the route's *file parameter names.
func Static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	f, ok := staticFiles[name]
	if !ok {
		FailProblem(c, &HTTPError{Status: http.StatusNotFound, Code: "not_found", Detail: "no such file"})
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

// Manifest serves the web app manifest at the site's root, where browsers
// look for it and its scope covers every page.
func Manifest(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/manifest+json", staticFiles["manifest.webmanifest"].data)
}

// ContentSecurityPolicy allows the site's own files only: no inline style
// or script, no framing, forms posting to the site alone.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
