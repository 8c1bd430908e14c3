package main

// Helpers for the browser tests of accessibility, keyboard use, use without
// JavaScript and on a poor connection (a11y_test.go and its neighbours):
// one Chromium per test with a tab per person, axe-core, the 320 px check,
// the high-contrast cookie, the program's own commands, and starting the
// program again on the same port.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/foundations/foundations/app"
)

// axeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2, A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeSource reads axe-core's axe.min.js from AXE_CORE_JS, or from where
// .ci/run installs it (npm install --prefix ~/.cache/foundations-axe axe-core@4).
// Missing, it skips the test locally and fails it in CI.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".cache", "foundations-axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("axe-core is not installed (%v); install it with: npm install --prefix \"$HOME/.cache/foundations-axe\" axe-core@4, or set AXE_CORE_JS", err)
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: the accessibility tests may not be skipped in CI", msg)
		}
		t.Skip(msg + " (mandatory in CI)")
	}
	return string(b)
}

// startBrowser starts headless Chromium for one test; tabs are made with newTab.
func startBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 800),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser and owns it: no timeout on it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// tabOptions configure a new tab.
type tabOptions struct {
	noJS   bool   // Emulation.setScriptExecutionDisabled before any page loads
	onLoad string // a script run in every page before its own scripts
}

// newTab opens a tab with its own cookies and storage (a new browser
// context), as a separate person on a separate device would have, 1000 px wide.
func newTab(t *testing.T, browser context.Context, base string, course *app.Course, opt tabOptions) *journey {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	setup := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1000, 800)}
	if opt.noJS {
		setup = append(setup, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		}))
	}
	if opt.onLoad != "" {
		setup = append(setup, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			return addScriptOnNewDocument(ctx, tg, opt.onLoad)
		}))
	}
	if err := chromedp.Do(ctx, setup...); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &journey{t: t, ctx: ctx, base: base, course: course}
}

// open loads a page of the service and returns its HTTP status.
func (j *journey) open(path string) int64 {
	j.t.Helper()
	return j.follow("open "+path, chromedp.Navigate(j.base+path))
}

// openWant loads a page and requires its HTTP status.
func (j *journey) openWant(path string, want int64) {
	j.t.Helper()
	if got := j.open(path); got != want {
		j.t.Fatalf("GET %s: status %d, want %d", path, got, want)
	}
}

// press sends keys to whatever has focus, as a keyboard would.
func (j *journey) press(keys string, opts ...chromedp.KeyOption) {
	j.t.Helper()
	j.do("press "+strconv.Quote(keys), keyPress(keys, opts...))
}

// keyPress is chromedp.KeyEvent sent as a real keyboard's events reach a
// page: rawKeyDown, then char (for printable keys), then keyUp. Chromium
// drops the char when the page used the rawKeyDown (Enter on a link), as it
// does for a person; chromedp's "keyDown" events skip that, so Enter on a
// link to a form field would also submit the form it lands in.
func keyPress(keys string, opts ...chromedp.KeyOption) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range keys {
			for _, k := range kb.Encode(r) {
				for _, o := range opts {
					o(k)
				}
				if k.Type == input.DispatchKeyEventTypeKeyDown {
					k.Type = input.DispatchKeyEventTypeRawKeyDown
				}
				if k.Type == input.DispatchKeyEventTypeChar && k.Modifiers&^int64(chromedp.ModifierShift) != 0 {
					continue
				}
				if err := call(ctx, tg, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// shiftTab moves focus backwards.
func (j *journey) shiftTab() {
	j.t.Helper()
	j.press(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
}

// setContrast sets or removes the high-contrast preference cookie for this tab.
func (j *journey) setContrast(on bool) {
	j.t.Helper()
	j.do("set the contrast cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if on {
			return call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: "foundations_contrast", Value: "high", URL: j.base + "/"})
		}
		return call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: "foundations_contrast", URL: j.base + "/"})
	}))
}

// axeViolation is one failed axe rule, with up to five of its elements.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAxe runs axe-core on the page as it is now and fails the test for
// every violation of WCAG 2.2 A and AA.
func (j *journey) checkAxe(name, source string) {
	j.t.Helper()
	if !eval[bool](j, "look for axe-core", `typeof window.axe === 'object'`) {
		j.do("inject axe-core", chromedp.Evaluate[chromedp.Void](source+"\n;undefined"))
	}
	tags, _ := json.Marshal(axeTags)
	vs := eval[[]axeViolation](j, "run axe-core on "+name, `(async () => {
		const r = await axe.run(document, {runOnly: {type: 'tag', values: `+string(tags)+`}, resultTypes: ['violations']});
		return r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))}));
	})()`)
	for _, v := range vs {
		j.t.Errorf("%s (%s): axe %s (%s): %s\n    %s", name, j.path(), v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}

// checkNarrow shows the page 320 CSS pixels wide (WCAG 1.4.10 Reflow) and
// fails the test if anything makes the page scroll sideways. Tables may
// scroll inside their .app-table-wrapper. The viewport is 1000 px again after.
func (j *journey) checkNarrow(name string) {
	j.t.Helper()
	j.do("narrow the viewport", chromedp.EmulateViewport(320, 800))
	got := eval[struct {
		Width int      `json:"width"`
		Wide  []string `json:"wide"`
	}](j, "measure "+name+" at 320px", `new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
		const width = document.documentElement.scrollWidth, wide = [];
		if (width > 320) for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			const free = !el.closest('.app-table-wrapper') || ['absolute', 'fixed'].includes(getComputedStyle(el).position);
			if (r.right > 320.5 && r.width > 0 && free && !el.parentElement.closest('[data-wide]')) {
				el.setAttribute('data-wide', '');
				wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' ends at ' + Math.round(r.right) + 'px');
			}
		}
		document.querySelectorAll('[data-wide]').forEach(el => el.removeAttribute('data-wide'));
		done({width, wide: wide.slice(0, 8)});
	})))`)
	j.do("widen the viewport", chromedp.EmulateViewport(1000, 800))
	if got.Width > 320 {
		j.t.Errorf("%s (%s): at 320px wide the page is %dpx wide and scrolls sideways; too wide: %s", name, j.path(), got.Width, strings.Join(got.Wide, "; "))
	}
}

// call sends one DevTools command whose result is not needed.
func call[P, R any](ctx context.Context, tg *chromedp.Target, c cdp.Command[P, R], p P) error {
	_, err := cdp.Call(ctx, tg, c, p)
	return err
}

// addScriptOnNewDocument runs source in every page the tab loads, before the page's own scripts.
func addScriptOnNewDocument(ctx context.Context, tg *chromedp.Target, source string) error {
	return call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: source})
}

// runCommand runs one of the program's commands (users add, demo) with the
// server's environment, feeding stdin, and returns what it printed.
func runCommand(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(foundationsBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn", "SECRET_KEY=" + strings.Repeat("5e", 32)}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("foundations %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startServerOn starts the program on a given port (to come back where a
// stopped server was); otherwise it is startServer.
func startServerOn(t testing.TB, port string, env []string) *server {
	t.Helper()
	s := &server{url: "http://127.0.0.1:" + port, logs: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(foundationsBinary(t))
	s.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"PORT=" + port, "BASE_URL=" + s.url,
		"SECRET_KEY=" + strings.Repeat("5e", 32), "LOG_LEVEL=info",
	}, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start foundations: %v", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("foundations log (%s):\n%s", s.url, s.logs.String())
		}
	})
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.done:
			t.Fatalf("foundations exited before it was ready (%v):\n%s", s.err, s.logs.String())
		default:
		}
		if resp, err := c.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("foundations was not ready on port %s after 30s:\n%s", port, s.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// port is the port a server listens on.
func (s *server) port() string { return s.url[strings.LastIndex(s.url, ":")+1:] }
