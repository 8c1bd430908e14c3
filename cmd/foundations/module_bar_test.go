package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestModuleBarInBrowser: on a long module page the Quick exit button and
// the module bar (progress, save status, "Skip to the next unanswered
// question") stay on screen wherever the learner scrolls, at 1000 and at
// 320 pixels wide, and the bar takes little of the screen; the skip link
// moves focus to the next unanswered question; a learner coming back is
// brought to where they left off; answers kept on the device for another
// learner, or unfiled, are forgotten and never restored; signing out
// forgets them all.
func TestModuleBarInBrowser(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	course := loadTestCourse(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir()})
	browser := startBrowser(t, chromium)
	j := newTab(t, browser, srv.url, course, tabOptions{})
	registerTab(j, "bar@example.org")
	m1 := course.Modules[0]
	qs := m1.Questions()
	j.openWant("/modules/"+m1.ID, 200)
	learner := eval[string](j, "read the learner key", `document.body.dataset.learner`)
	if len(learner) != 20 {
		t.Fatalf("learner key %q", learner)
	}

	type box struct {
		Exit, Bar [2]float64 // top, bottom
		Height    float64
	}
	inView := func(step string, width int) {
		t.Helper()
		j.do("set the width", chromedp.EmulateViewport(int64(width), 800))
		for _, at := range []string{"#q-" + qs[len(qs)/2].ID, "#save"} {
			j.do("scroll to "+at, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView(); undefined`, at)))
			b := eval[box](j, "measure the bars", `(() => {
				const e = document.querySelector('.app-quick-exit').getBoundingClientRect(), b = document.getElementById('module-bar').getBoundingClientRect();
				return {exit: [e.top, e.bottom], bar: [b.top, b.bottom], height: innerHeight};
			})()`)
			if b.Exit[0] < 0 || b.Exit[1] > b.Height || b.Bar[0] < 0 || b.Bar[1] > b.Height {
				t.Errorf("%s, scrolled to %s: Quick exit at %v and the module bar at %v, not both on the %v px high screen", step, at, b.Exit, b.Bar, b.Height)
			}
			if b.Bar[1] > b.Height/4 {
				t.Errorf("%s: Quick exit and the module bar take %v of %v px", step, b.Bar[1], b.Height)
			}
		}
	}
	inView("1000 px wide", 1000)
	inView("320 px wide", 320)
	j.do("back to 1000 px", chromedp.EmulateViewport(1000, 800))

	// Answer the first question; the bar counts it and points past it.
	j.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	j.do("answer question 1", chromedp.Click(chromedp.CSS(optionSelector(qs[0], 0))))
	j.waitFor("the answer is saved", `document.getElementById('save-status').dataset.state === 'saved'`, 10*time.Second)
	if got := j.text("#module-progress"); !strings.HasPrefix(got, fmt.Sprintf("1 of %d questions answered", len(qs))) {
		t.Errorf("after one answer the bar says %q", got)
	}
	j.do("focus the skip link", chromedp.Focus(chromedp.CSS("#next-unanswered")))
	j.press(kb.Enter)
	if got := eval[string](j, "read the focus", `(document.activeElement.closest('.app-question') || {}).id || ''`); got != "q-"+qs[1].ID {
		t.Errorf("Skip to the next unanswered question moved focus to %q, want q-%s", got, qs[1].ID)
	}

	// Work on question 3, leave, come back: there again.
	third := qs[2]
	j.do("focus question 3", chromedp.Focus(chromedp.CSS(optionSelector(third, 0))))
	j.openWant("/course", 200)
	j.openWant("/modules/"+m1.ID, 200)
	if got := eval[float64](j, "where question 3 is", fmt.Sprintf(`document.getElementById(%q).getBoundingClientRect().top`, "q-"+third.ID)); got < 0 || got > 300 {
		t.Errorf("coming back, question 3 is at %v px, want it brought to the top of the screen", got)
	}

	// Another learner's kept answers, and unfiled ones from before keys, are forgotten.
	j.do("plant answers", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
		localStorage.setItem('foundations:pending:someoneelse0000000:%[1]s', JSON.stringify({%[2]q: ['their private reflection']}));
		localStorage.setItem('foundations:pending:%[1]s', JSON.stringify({%[2]q: ['unfiled']})); undefined`, m1.ID, qs[0].ID)))
	j.openWant("/modules/"+m1.ID, 200)
	kept := eval[[]string](j, "list what is kept", `Object.keys(localStorage).filter(k => k.startsWith('foundations:pending:') || k.startsWith('foundations:position:'))`)
	for _, k := range kept {
		if !strings.Contains(k, ":"+learner+":") {
			t.Errorf("another learner's or an unfiled entry %q survived this learner's page", k)
		}
	}
	if got := eval[string](j, "read the form", `document.body.innerHTML.includes('their private reflection') ? 'leaked' : ''`); got != "" {
		t.Error("another learner's answer was put into the form")
	}

	// What was left more than 12 hours ago goes too, whoever opens a page.
	j.do("age an answer", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
		localStorage.setItem('foundations:pending:%[1]s:%[2]s', JSON.stringify({%[3]q: ['left long ago']}));
		localStorage.setItem('foundations:kept-at:%[1]s', String(Date.now() - 13 * 3600 * 1000)); undefined`, learner, m1.ID, qs[0].ID)))
	j.openWant("/course", 200)
	if kept := eval[bool](j, "look for the old answer", fmt.Sprintf(`localStorage.getItem(%s) !== null`, pendingKeyJS(m1.ID))); kept {
		t.Error("answers kept on the device 13 hours ago were not forgotten")
	}

	// Signing out forgets everything kept on the device.
	j.do("keep an answer", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('foundations:pending:%s:%s', '{}'); undefined`, learner, m1.ID)))
	j.follow("sign out", chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))
	if n := eval[int](j, "count what is kept", `Object.keys(localStorage).filter(k => k.startsWith('foundations:pending:') || k.startsWith('foundations:position:') || k.startsWith('foundations:kept-at:')).length`); n != 0 {
		t.Errorf("after signing out, %d entries are still kept on the device", n)
	}
	srv.stop(t)
}

// pendingKeyJS is a JavaScript expression for the key under which the page's
// script keeps a module's unsent answers: filed under the signed-in learner.
func pendingKeyJS(moduleID string) string {
	return fmt.Sprintf(`('foundations:pending:' + document.body.dataset.learner + ':' + %q)`, moduleID)
}
