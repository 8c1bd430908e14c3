package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/foundations/foundations/app/mail/mailtest"
)

// TestMailJourney walks, in Chromium, the journeys that go through
// someone's inbox, with every email read from a real SMTP server the
// program sends to over TCP: register → confirm the address from the
// email; forgot password → read the email → follow the link → new
// password → signed in. Each page on the way passes axe-core and the
// 320px check.
func TestMailJourney(t *testing.T) {
	t.Parallel()
	chromium := requireTool(t, "chromium", "/usr/bin/chromium")
	axe := axeSource(t)
	course := loadTestCourse(t)
	smtp := mailtest.Start(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir(), "SMTP_URL=" + smtp.URL(), "MAIL_FROM=Training <training@example.org>"})
	browser := startBrowser(t, chromium)
	a := &a11yRun{t: t, axe: axe}
	j := newTab(t, browser, srv.url, course, tabOptions{})
	email := "nia.inbox@example.org"

	// Register: the answer is "check your email", whoever owns the
	// address (the second time round, for the contrast check, the address
	// has an account: the page must not differ).
	register := func() {
		j.openWant("/register", 200)
		org := eval[string](j, "find an organisation", `[...document.querySelectorAll('#field-organisation option')].find(o => o.value !== '').value`)
		j.do("fill in the registration form",
			chromedp.SendKeys(chromedp.CSS("#field-name"), "Nia Inbox"),
			chromedp.SendKeys(chromedp.CSS("#field-email"), email),
			chromedp.SendKeys(chromedp.CSS("#field-password"), demoPassword),
			chromedp.SetValue(chromedp.CSS("#field-organisation"), org),
			chromedp.SendKeys(chromedp.CSS("#field-job_role"), "School nurse"),
			chromedp.SendKeys(chromedp.CSS("#field-manager_email"), "mae.manager@example.org"),
		)
		if got := j.follow("create the account", chromedp.Click(chromedp.CSS(`form[action="/register"] button`))); got != 200 {
			t.Fatalf("registering: status %d", got)
		}
		if h := j.text("h1"); h != "Check your email" {
			t.Errorf("after registering: heading %q", h)
		}
	}
	a.state(j, "registered, check your email", register)
	smtp.Wait(t, email, "You already have an account", 30*time.Second)

	// Confirm from the email.
	verify := smtp.Wait(t, email, "Confirm your email address", 30*time.Second)
	link := verify.Link("/verify-email?token=")
	if !strings.HasPrefix(link, srv.url) {
		t.Fatalf("verification link %q is not on the server's BASE_URL", link)
	}
	if got := j.follow("follow the link in the email", chromedp.Navigate(link)); got != 200 {
		t.Fatalf("verification link: status %d", got)
	}
	a.state(j, "confirm your email address", func() { j.follow("open the link again", chromedp.Navigate(link)) })
	j.follow("confirm the address", chromedp.Click(chromedp.CSS(`form[action="/verify-email"] button`)))
	if h := j.text("h1"); h != "Email address confirmed" {
		t.Errorf("after confirming: heading %q", h)
	}
	a.state(j, "link already used", func() {
		if got := j.follow("follow the used link", chromedp.Navigate(link)); got != 410 {
			t.Errorf("a used verification link: status %d, want 410", got)
		}
	})
	invitation := smtp.Wait(t, "mae.manager@example.org", "Someone named you as their line manager", 30*time.Second)
	a.state(j, "a line manager's invitation", func() { j.follow("follow the invitation", chromedp.Navigate(invitation.Link("/manager-invitation"))) })
	signInTab(j, email)
	j.expectPath("signed in", "/course")
	if n := eval[int](j, "look for the confirm task", `document.querySelectorAll('#verify-task').length`); n != 0 {
		t.Error("the task list still asks a verified learner to confirm their address")
	}
	j.follow("sign out", chromedp.Click(chromedp.CSS(`form[action="/sign-out"] button`)))

	// Forgot password → email → link → new password → signed in.
	j.openWant("/sign-in", 200)
	j.follow("choose Forgotten your password?", chromedp.Click(chromedp.CSS(`a[href="/forgot-password"]`)))
	a.state(j, "forgotten password", func() { j.openWant("/forgot-password", 200) })
	j.do("type the email", chromedp.SendKeys(chromedp.CSS("#field-email"), email))
	j.follow("ask for a link", chromedp.Click(chromedp.CSS(`form[action="/forgot-password"] button`)))
	if h := j.text("h1"); h != "Check your email" {
		t.Errorf("after asking for a reset: heading %q", h)
	}
	reset := smtp.Wait(t, email, "Reset your password", 30*time.Second)
	resetLink := reset.Link("/reset-password?token=")
	if got := j.follow("follow the reset link", chromedp.Navigate(resetLink)); got != 200 {
		t.Fatalf("reset link: status %d", got)
	}
	a.state(j, "choose a new password", func() { j.follow("open the reset link again", chromedp.Navigate(resetLink)) })
	a.state(j, "choose a new password with errors", func() {
		j.follow("open the reset link again", chromedp.Navigate(resetLink))
		j.do("type a short password", chromedp.SendKeys(chromedp.CSS("#field-password"), "short"))
		if got := j.follow("save a short password", chromedp.Click(chromedp.CSS(`form[action="/reset-password"] button`))); got != 422 {
			t.Errorf("a short new password: status %d, want 422", got)
		}
	})
	newPassword := "lantern orchard cobalt 19"
	j.follow("open the reset link again", chromedp.Navigate(resetLink))
	j.do("type the new password", chromedp.SendKeys(chromedp.CSS("#field-password"), newPassword))
	j.follow("save the new password", chromedp.Click(chromedp.CSS(`form[action="/reset-password"] button`)))
	j.expectPath("after the reset", "/course?password=reset")
	a.page(j, "task list after a reset", "/course?password=reset", 200)
	smtp.Wait(t, email, "Your password was changed", 30*time.Second)

	// The other pages of one's account.
	a.page(j, "change your password", "/profile/password", 200)
	a.page(j, "change your email address", "/profile/email", 200)
	a.page(j, "your details with account links", "/profile", 200)
	t.Logf("checked %d pages of the mail journeys with axe-core", a.pages)
	srv.stop(t)
}
