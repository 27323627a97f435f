package web_test

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (MPL-2.0, from npm's axe-core), the accessibility
// checker the browser tests run on every page.
//
//go:embed testdata/axe.min.js
var axeSource string

// tabOptions shape the browser window of a test.
type tabOptions struct {
	width, height int64   // in CSS pixels
	scale         float64 // device pixels per CSS pixel; 0 is 1
	noScript      bool    // JavaScript turned off
}

var (
	desktop = tabOptions{width: 1280, height: 900}
	phone   = tabOptions{width: 360, height: 740}
	// zoomed is a 1280 x 900 window at 200% zoom.
	zoomed = tabOptions{width: 640, height: 450, scale: 2}
)

// tab is a page in headless Chromium (Debian's chromium package) that
// collects console errors. Without Chromium the test is skipped, unless
// ICS_TEST_REQUIRE_BROWSER is set, as CI sets it.
type tab struct {
	t   *testing.T
	ctx context.Context
	opt tabOptions

	mu       sync.Mutex
	problems []string          // console errors and uncaught exceptions
	document network.RequestID // the last page loaded, whose HTML check validates
	pages    []checkedPage     // the HTML of each page checked, as served
}

// checkedPage is the HTML of a page check looked at, as the server sent it.
type checkedPage struct {
	name string
	html []byte
}

func openTab(t *testing.T, opt tabOptions) *tab {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ICS_TEST_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found, and ICS_TEST_REQUIRE_BROWSER requires browser tests")
		}
		t.Skip("chromium not installed: browser tests skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start chromium: %v", err)
	}
	b := &tab{t: t, opt: opt}
	if err := chromedp.Listen(ctx, b.event); err != nil {
		t.Fatal(err)
	}
	// The bound of all of a tab's steps: dozens of pages checked by axe
	// take a while under the race detector on a busy machine.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTimeout)
	b.ctx = ctx
	b.do(
		chromedp.EmulateViewport(opt.width, opt.height, chromedp.EmulateScale(max(opt.scale, 1))),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: opt.noScript})
			return err
		}),
	)
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser console: %s", p)
		}
		validateHTML(t, b.pages)
	})
	return b
}

// event records what the page reports as an error.
func (b *tab) event(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		problem = ev.ExceptionDetails.Text
		if ex := ev.ExceptionDetails.Exception; ex != nil {
			problem += " " + ex.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			problem = "console.error"
			for _, arg := range ev.Args {
				problem += " " + cmp.Or(string(arg.Value), arg.Description, string(arg.Type))
			}
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			b.mu.Lock()
			b.document = ev.RequestID
			b.mu.Unlock()
		}
	case *cdplog.EventEntryAdded:
		// An answer with an error status (a form sent back with 422)
		// is logged by the network; that is the site working.
		if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
			problem = ev.Entry.Text + " " + ev.Entry.URL
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// text reads the text of the first element matching a CSS selector.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// location is the address of the page.
func (b *tab) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// axeViolation is a serious or critical finding of axe-core.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// check looks at the page as a person would: axe-core finds no serious or
// critical WCAG 2.1 A/AA violation, and nothing scrolls sideways. It saves
// a screenshot as NAME.png in ICS_TEST_SCREENSHOTS, if set. With
// JavaScript off there is no axe: the test's other runs cover the pages.
func (b *tab) check(name string) {
	b.t.Helper()
	b.screenshot(name)
	b.keepHTML(name)
	if b.opt.noScript {
		return
	}
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		b.t.Fatal(err)
	}
	if wide {
		b.t.Errorf("%s scrolls sideways at %d px", name, b.opt.width)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
		b.t.Fatalf("load axe: %v", err)
	}
	violations, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe: %v", err)
	}
	for _, v := range violations {
		b.t.Errorf("%s at %d px: %s (%s): %s %v", name, b.opt.width, v.ID, v.Impact, v.Help, v.Nodes)
	}
}

// keepHTML keeps the HTML the server sent for the page, for validateHTML.
func (b *tab) keepHTML(name string) {
	b.t.Helper()
	b.mu.Lock()
	doc := b.document
	b.mu.Unlock()
	var html []byte
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, network.GetResponseBody, network.GetResponseBodyParams{RequestID: doc})
		html = res.Body
		return err
	}))
	b.mu.Lock()
	b.pages = append(b.pages, checkedPage{name: fmt.Sprintf("%s-%d", name, b.opt.width), html: html})
	b.mu.Unlock()
}

// htmlValidate is html-validate (npm), which .ci/run installs with
// npm ci --prefix tools/htmlvalidate, and its configuration: the
// standard and a11y presets.
const (
	htmlValidate       = "../tools/htmlvalidate/node_modules/.bin/html-validate"
	htmlValidateConfig = "../tools/htmlvalidate/htmlvalidate.json"
)

// validateHTML runs html-validate, an HTML checker independent of the
// browser, over the pages as served, once per tab, and fails the test for
// each error it finds. Without html-validate installed the pages are not
// checked, unless ICS_TEST_REQUIRE_BROWSER asks for every browser check.
func validateHTML(t *testing.T, pages []checkedPage) {
	t.Helper()
	if len(pages) == 0 {
		return
	}
	if _, err := os.Stat(htmlValidate); errors.Is(err, os.ErrNotExist) {
		if os.Getenv("ICS_TEST_REQUIRE_BROWSER") != "" {
			t.Error("html-validate is not installed (npm ci --prefix tools/htmlvalidate), and ICS_TEST_REQUIRE_BROWSER requires it")
		}
		return
	}
	dir := t.TempDir()
	args := []string{"--formatter", "json", "--config", htmlValidateConfig}
	seen := map[string]bool{}
	for _, p := range pages {
		if seen[p.name] {
			continue
		}
		seen[p.name] = true
		file := filepath.Join(dir, p.name+".html")
		if err := os.WriteFile(file, p.html, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, file)
	}
	out, err := exec.Command(htmlValidate, args...).Output()
	var exit *exec.ExitError
	switch {
	case err == nil && len(bytes.TrimSpace(out)) == 0:
		return // every page valid: the JSON formatter says nothing
	case err != nil && !errors.As(err, &exit):
		t.Fatalf("html-validate: %v", err)
	case err != nil && len(out) == 0:
		t.Fatalf("html-validate: %v\n%s", err, exit.Stderr)
	}
	var results []struct {
		FilePath string
		Messages []struct {
			RuleID   string
			Message  string
			Line     int
			Column   int
			Selector string
		}
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("html-validate: %v\n%s", err, out)
	}
	for _, r := range results {
		for _, m := range r.Messages {
			t.Errorf("html-validate: %s:%d:%d: %s (%s) at %s", strings.TrimSuffix(filepath.Base(r.FilePath), ".html"), m.Line, m.Column, m.Message, m.RuleID, m.Selector)
		}
	}
}

// screenshot saves the page as NAME.png in ICS_TEST_SCREENSHOTS, if set.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("ICS_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, b.opt.width)), shot, 0o644)
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// contains fails unless the text of sel holds want.
func (b *tab) contains(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("%s says %q, want %q in it", sel, got, want)
	}
}
