package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"
)

// TestModuleBar: the module page carries, rendered on the server (so
// without JavaScript too), the learner's progress through the module, a
// link to the first unanswered question, "Continue where you left off" for
// a returning learner, the save status, and after "Save answers" the
// confirmation both in that status and where the learner lands (#save).
func TestModuleBar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		c := srv.signUp(t, "Bea Bar", "bea.bar@example.org")
		path := "/modules/" + module1
		m := srv.course.Module(module1)
		qs := m.Questions()
		bar := func(res *response) (*html.Node, string) {
			res.wantStatus(t, fiber.StatusOK)
			b := findFirst(res.html(t), element("div", "id", "module-bar"))
			if b == nil {
				t.Fatal("no module bar")
			}
			return b, strings.Join(strings.Fields(textOf(b)), " ")
		}
		b, text := bar(c.get(path))
		if !strings.HasPrefix(text, "0 of "+strconv.Itoa(len(qs))+" questions answered") {
			t.Errorf("a new learner's bar says %q", text)
		}
		if next := findFirst(b, element("a", "id", "next-unanswered")); next == nil || attr(next, "href") != "#q-"+qs[0].ID || textOf(next) != "Skip to the next unanswered question" {
			t.Errorf("the skip link does not lead to the first question")
		}
		if status := findFirst(b, element("p", "id", "save-status")); status == nil || attr(status, "role") != "status" || textOf(status) != "" {
			t.Errorf("the bar has no empty save status live region")
		}
		if findFirst(c.get(path).html(t), element("a", "data-resume", "")) != nil {
			t.Error("a new learner is offered to continue where they left off")
		}

		c.post(path, url.Values{"action": {"save"}, "q." + qs[0].ID: {qs[0].Options[0].ID}}).wantRedirect(t, path+"?saved=1#save")
		res := c.get(path + "?saved=1")
		b, text = bar(res)
		if !strings.HasPrefix(text, "1 of "+strconv.Itoa(len(qs))+" questions answered") || !strings.Contains(text, "Your answers have been saved.") {
			t.Errorf("after saving, the bar says %q", text)
		}
		if next := findFirst(b, element("a", "id", "next-unanswered")); next == nil || attr(next, "href") != "#q-"+qs[1].ID {
			t.Errorf("the skip link does not lead to the second question")
		}
		save := findFirst(res.html(t), element("div", "id", "save"))
		if save == nil || !strings.Contains(textOf(save), "Your answers have been saved.") {
			t.Error("where Save answers lands (#save) does not say the answers were saved")
		}
		resume := findFirst(c.get(path).html(t), element("a", "data-resume", ""))
		if resume == nil || attr(resume, "href") != "#q-"+qs[1].ID || !strings.Contains(textOf(resume), "Continue where you left off: question 2") {
			t.Errorf("a returning learner is not offered to continue at question 2")
		}
		if key := attr(findFirst(res.html(t), element("body")), "data-learner"); len(key) != 20 || key == itoa(srv.userID(t, "bea.bar@example.org")) {
			t.Errorf("the page does not give the script an opaque learner key: %q", key)
		}
		other := srv.signUp(t, "Cy Other", "cy.other@example.org")
		if k1, k2 := attr(findFirst(c.get("/course").html(t), element("body")), "data-learner"), attr(findFirst(other.get("/course").html(t), element("body")), "data-learner"); k1 == k2 {
			t.Errorf("two learners have the same key %q", k1)
		}
		out := c.post("/sign-out", url.Values{})
		out.wantStatus(t, fiber.StatusOK)
		if b := findFirst(out.html(t), element("body")); !hasAttr(b, "data-signed-out") || attr(b, "data-learner") != "" {
			t.Error("the signed-out page does not tell the script to forget what it kept")
		}
	})
}

// An autosave answers the page's script with JSON naming the question
// saved and when.
func TestAutosaveAnswersJSON(t *testing.T) {
	srv := newTestServer(t, storetest.SQLite(t))
	learner := srv.signUp(t, "Jo Json", "jo.json@example.org")
	learner.get("/modules/"+module1).wantStatus(t, fiber.StatusOK)
	before := time.Now().UTC().Truncate(time.Second)
	res := learner.fetch("/modules/"+module1+"/save", url.Values{"question": {"m1-colour"}, "answer": {"b"}})
	res.wantStatus(t, fiber.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != fiber.MIMEApplicationJSON {
		t.Errorf("Content-Type %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatalf("%s: %v", res.body, err)
	}
	at, err := time.Parse(time.RFC3339, fmt.Sprint(got["saved_at"]))
	if len(got) != 3 || got["question"] != "m1-colour" || got["saved"] != true || err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("autosave answered %s", res.body)
	}
}
