package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestQuickExit points QUICK_EXIT_URL at a page served by the test and
// leaves a module page by clicking Quick exit and, in another tab, by
// pressing Shift three times. Each time the neutral page replaces the
// module page: the tab's history does not grow, holds no page of the
// service any more, and going back does not show the course. Without
// JavaScript the button is a plain link to the same page.
func TestQuickExit(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	exit := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><html lang=en><title>Weather</title><h1>Sunny spells</h1>")
	}))
	defer exit.Close()
	exitURL := exit.URL + "/weather"
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir(), "QUICK_EXIT_URL=" + exitURL})
	browser := startBrowser(t, chromium)
	j := newTab(t, browser, srv.url, course, tabOptions{})
	registerTab(j, "quick@example.org")
	module := "/modules/" + course.Modules[0].ID

	leave := func(how string, action chromedp.Action[chromedp.Void]) {
		t.Helper()
		// A tab of its own, sharing the signed-in cookies, whose history
		// starts at the module page: the one page a browser lets a site
		// take out of its history is the current one.
		ctx, cancel := chromedp.NewContext(j.ctx)
		defer cancel()
		tab := &journey{t: t, ctx: ctx, base: srv.url, course: course}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 800)); err != nil {
			t.Fatal(err)
		}
		tab.openWant(module, 200)
		before := eval[int](tab, "read the history length", `history.length`)
		tab.follow(how, action)
		if got := tab.path(); got != "/weather" {
			t.Fatalf("%s: on %s, want the quick exit page", how, got)
		}
		if got := runStep(tab, "read the title", chromedp.Title()); got != "Weather" {
			t.Errorf("%s: the page is titled %q, want Weather", how, got)
		}
		if after := eval[int](tab, "read the history length", `history.length`); after != before {
			t.Errorf("%s: history grew from %d to %d entries: the exit should replace the page", how, before, after)
		}
		entries := runStep(tab, "read the history", chromedp.Action[[]string](cdpNavigationHistory))
		for _, u := range entries {
			if strings.HasPrefix(u, srv.url) {
				t.Errorf("%s: a page of the service is still in the tab's history: %q", how, entries)
			}
		}
		if len(entries) > 1 {
			tab.do("go back", chromedp.NavigateBack())
		}
		if loc := runStep(tab, "read the location", chromedp.Location()); strings.HasPrefix(loc, srv.url) {
			t.Errorf("%s: going back shows the service again (%s)", how, loc)
		}
	}
	leave("click Quick exit", chromedp.Click(chromedp.CSS("a[data-quick-exit]")))
	leave("press Shift three times", keyPress(kb.Shift+kb.Shift+kb.Shift))

	// Without JavaScript: a link to the same page, on every page.
	nojs := newTab(t, browser, srv.url, course, tabOptions{noJS: true})
	nojs.openWant("/", 200)
	if href := eval[string](nojs, "read the link", `document.querySelector('a.app-quick-exit').getAttribute('href')`); href != exitURL {
		t.Errorf("without JavaScript the Quick exit link goes to %q, want %q", href, exitURL)
	}
	nojs.follow("click Quick exit without JavaScript", chromedp.Click(chromedp.CSS("a[data-quick-exit]")))
	if got := nojs.path(); got != "/weather" {
		t.Errorf("without JavaScript, Quick exit led to %s", got)
	}
	srv.stop(t)
}

// cdpNavigationHistory lists the URLs in the tab's session history.
func cdpNavigationHistory(ctx context.Context, tg *chromedp.Target) ([]string, error) {
	var urls []string
	h, err := cdp.Call(ctx, tg, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	for _, e := range h.Entries {
		urls = append(urls, e.URL)
	}
	return urls, nil
}
