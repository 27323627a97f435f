package render

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"testing"
)

// words is a locale for the test: T returns a message by ID.
type words map[string]string

func (w words) T(id string, args ...any) string { return w[id] }

// A template whose fixed words are resolved once per language renders as
// the same template evaluated for each request: the same text and the same
// attribute values, whatever characters the words hold. Where HTML
// escaping would not be html/template's (a script, an event handler, a
// URL, an unquoted value), the action is left to html/template.
func TestResolveFixedRendersAsEvaluated(t *testing.T) {
	w := words{
		"plain":  "Book an appointment",
		"tricky": `Tom & Jerry's <b>"bold"</b> {{.Secret}} + 1 javascript:x`,
	}
	resolvable := `<html lang="{{.L.Tag}}"><title>{{.L.T "tricky"}}</title>` +
		`<nav aria-label="{{.L.T "tricky"}}"><a href="{{static "site.css"}}">{{ .L.T "tricky" }}</a></nav>` +
		`<p data-notify-on="{{$.L.T "tricky"}}" class="x{{if .Items}} y{{end}}" title="{{.L.T "tricky"}}">{{.L.T "tricky"}} {{.L.T "with" "Desk" 3}}</p>` +
		`{{range .Items}}<i>{{$.L.T "tricky"}}{{.}}</i>{{end}}<script src="{{static "ticket.js"}}"></script><b data-icon="{{static "icon.svg"}}"></b>` +
		`<style>p{}</style>{{define "part"}}<b>{{.L.T "tricky"}}</b>{{end}}{{template "part" .}}`
	left := `<p data-on="{{.L.T "tricky"}}" onclick="{{.L.T "tricky"}}" class={{.L.T "tricky"}}>` +
		`<a href="{{.L.T "tricky"}}" data-url="{{.L.T "tricky"}}">x</a></p>` +
		`<script>var x = {{.L.T "tricky"}};</script><style>p::after{content: "{{.L.T "tricky"}}"}</style></html>`
	src := resolvable + left
	data := struct {
		L     localeLike
		Items []string
	}{localeLike{w, "da"}, []string{"a", "b"}}
	funcs := template.FuncMap{"static": StaticURL}
	render := func(src string) string {
		var buf bytes.Buffer
		if err := template.Must(template.New("t").Funcs(funcs).Parse(src)).Execute(&buf, data); err != nil {
			t.Fatal(err)
		}
		return html.UnescapeString(buf.String())
	}
	resolved := resolveFixed(src, "da", func(id string) string { return w[id] })
	if fixed := strings.Count(src, `.L.T "tricky"`) - strings.Count(left, `.L.T "tricky"`); strings.Count(resolved, `.L.T "tricky"`) != strings.Count(left, `.L.T "tricky"`) ||
		strings.Contains(resolved, "{{static") || strings.Contains(resolved, ".L.Tag") {
		t.Errorf("want the %d fixed actions but the last %d resolved: %s", fixed, strings.Count(left, ".L.T"), resolved)
	}
	if !strings.Contains(resolved, `{{.L.T "with" "Desk" 3}}`) {
		t.Errorf("an action with arguments was resolved: %s", resolved)
	}
	if !strings.HasSuffix(resolved, left) {
		t.Errorf("an action whose escaping is not HTML's was resolved: %s", resolved)
	}
	if got, want := render(resolved), render(src); got != want {
		t.Errorf("resolved renders\n%s\nevaluated renders\n%s", got, want)
	}
}

// localeLike is what the templates ask of .L.
type localeLike struct {
	words
	tag string
}

func (l localeLike) Tag() string { return l.tag }
