package web_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's chromium package) for the
// test. Without it the test is skipped, unless ICS_TEST_REQUIRE_BROWSER is
// set, as CI sets it.
func browser(t *testing.T) context.Context {
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
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// screenshot saves the page as NAME.png in ICS_TEST_SCREENSHOTS, if set,
// for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ICS_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// text reads the text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestManageInBrowser follows the email's link in a real browser, moves
// the appointment and cancels it.
func TestManageInBrowser(t *testing.T) {
	ctx := browser(t)
	a := newApp(t, "sqlite", thursday)
	ref, token := a.book(bookingBody("aarhus", permit, "2026-11-30T09:00:00+01:00"))
	link := a.srv.URL + "/bookings/" + ref + "?token=" + url.QueryEscape(token)

	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "manage")
	if when := text(t, ctx, "#when"); !strings.Contains(when, "Monday 30 November 2026, 09:00–09:45") {
		t.Errorf("when %q", when)
	}

	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="start"][value="2026-11-30T10:00:00+01:00"]`)),
		chromedp.Click(chromedp.CSS("#move")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if notice, when := text(t, ctx, ".notice"), text(t, ctx, "#when"); !strings.Contains(notice, "moved") || !strings.Contains(when, "10:00–10:45") {
		t.Errorf("after moving: notice %q, when %q", notice, when)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#cancel")),
		chromedp.WaitVisible(chromedp.CSS("#cancelled")), // only on the page after cancelling
	)
	if err != nil {
		t.Fatal(err)
	}
	if status := text(t, ctx, "#status"); status != "Cancelled" {
		t.Errorf("status %q", status)
	}
	screenshot(t, ctx, "manage-cancelled")
	if n := a.activeBookings(); n != 0 {
		t.Errorf("%d active bookings after cancelling in the browser", n)
	}
}
