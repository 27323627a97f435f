// Package locale holds what ICS Booking says to people in each of its
// languages: the messages of the pages (one file per language in
// messages/), and how dates, times of day, opening hours and language names
// are written. The pages and the emails both use it, so a date reads the
// same in both. Adding a language takes a message file and an entry in
// formats.
package locale

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// Default is the language used when nothing better is known.
const Default = "en"

//go:embed messages/*.toml
var messageFS embed.FS

// Locale speaks one language. The zero value is not usable; use Get or
// Match.
type Locale struct {
	tag       string
	format    format
	localizer *i18n.Localizer
}

var (
	loadOnce sync.Once
	byTag    map[string]*Locale
	tags     []language.Tag // the order Match prefers, Default first
	matcher  language.Matcher
)

// load reads the message files once. A mistake in them is a programming
// error, caught by the tests.
func load() {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	byTag = map[string]*Locale{}
	for _, tag := range []string{Default, "da"} {
		if _, err := bundle.LoadMessageFileFS(messageFS, "messages/"+tag+".toml"); err != nil {
			panic(fmt.Sprintf("locale: %v", err))
		}
		byTag[tag] = &Locale{tag: tag, format: formats[tag], localizer: i18n.NewLocalizer(bundle, tag)}
		tags = append(tags, language.MustParse(tag))
	}
	matcher = language.NewMatcher(tags)
}

// Tags lists the languages there are, the default first.
func Tags() []string {
	loadOnce.Do(load)
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

// Get returns the locale of a tag such as "da"; an unknown tag gets the
// default.
func Get(tag string) *Locale {
	loadOnce.Do(load)
	if l, ok := byTag[strings.ToLower(strings.TrimSpace(tag))]; ok {
		return l
	}
	return byTag[Default]
}

// Known reports whether there is a locale for tag.
func Known(tag string) bool {
	loadOnce.Do(load)
	_, ok := byTag[tag]
	return ok
}

// Match picks the locale for a request: chosen, if it names one (the
// language a person picked), otherwise the best match for an
// Accept-Language header, otherwise the default.
func Match(chosen, acceptLanguage string) *Locale {
	loadOnce.Do(load)
	if l, ok := byTag[chosen]; ok {
		return l
	}
	if l, ok := matched.Load(acceptLanguage); ok {
		return l.(*Locale)
	}
	l := match(acceptLanguage)
	if len(acceptLanguage) <= 256 && matchedCount.Add(1) <= maxMatched {
		matched.Store(acceptLanguage, l)
	}
	return l
}

// Browsers send few distinct Accept-Language headers, and matching one
// costs more than the rest of serving a page kept in memory: the locales
// of the first maxMatched headers seen (of up to 256 bytes) are
// remembered, so that no client can make the memory grow.
const maxMatched = 1024

var (
	matched      sync.Map // Accept-Language header: *Locale
	matchedCount atomic.Int64
)

// match is the best locale for an Accept-Language header, or the default.
func match(acceptLanguage string) *Locale {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return byTag[Default]
	}
	_, i, confidence := matcher.Match(prefs...)
	if confidence == language.No {
		return byTag[Default]
	}
	return byTag[tags[i].String()]
}

// Tag returns the locale's BCP 47 tag, such as "da", for <html lang>.
func (l *Locale) Tag() string { return l.tag }

// T returns the message with the given ID, its {{.Name}} placeholders
// filled from the name, value pairs of args. A message missing from the
// locale's file falls back to English; one missing there too is shown as
// its ID, so that a gap is visible rather than fatal (the tests check that
// every file has every message).
func (l *Locale) T(id string, args ...any) string {
	return l.message(id, nil, args)
}

// N is T for a message with plural forms, chosen by count, which the
// message can print as {{.Count}}.
func (l *Locale) N(id string, count int, args ...any) string {
	return l.message(id, count, append(args, "Count", count))
}

func (l *Locale) message(id string, count any, args []any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	s, err := l.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}
