package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

var testContacts = app.LocalContacts{
	FrontDoorName: "Test Front Door", FrontDoorPhone: "01632 960123", FrontDoorURL: "https://example.org/front-door",
	OutOfHoursPhone: "01632 960124", EscalationPolicyURL: "https://example.org/escalation",
	NeglectToolkitURL: "https://example.org/toolkit", TrainingContact: "learning@example.org",
}

func withContacts(lc app.LocalContacts) func(*web.Config) {
	return func(c *web.Config) { c.Contacts = lc }
}

// signInAs makes a user with roles and a session for them.
func (s *testServer) signInAs(t *testing.T, name, email string, roles ...string) *client {
	t.Helper()
	ctx := context.Background()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := &app.User{Name: name, Email: email, EmailNorm: email, PasswordHash: app.HashPassword(strongPassword),
		OrganisationID: orgs[0].ID, JobRole: "Tester", CreatedAt: s.clock.Now(), Roles: append([]string{app.RoleLearner}, roles...)}
	if err := s.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	token, err := s.accounts.StartSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := s.newClient(t)
	c.cookies["foundations_session"] = token
	return c
}

func TestReferencesPageListsEverySourceWithItsLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, withContacts(testContacts))
		res := srv.newClient(t).get("/references")
		res.wantStatus(t, fiber.StatusOK)
		doc := res.html(t)
		for _, r := range srv.course.References {
			entry := findFirst(doc, element("div", "id", "ref-"+r.ID))
			if entry == nil {
				t.Fatalf("no entry with id ref-%s", r.ID)
			}
			if link := findFirst(entry, element("a", "href", r.URL)); link == nil || textOf(link) != r.Title {
				t.Errorf("reference %s does not link its title to %s", r.ID, r.URL)
			}
			if !strings.Contains(textOf(entry), r.Date) || !strings.Contains(textOf(entry), r.Publisher) {
				t.Errorf("reference %s does not show its date and publisher: %q", r.ID, textOf(entry))
			}
		}
		text := textOf(doc)
		for _, want := range []string{"Further reading", "The test team", "1 January 2099"} {
			if !strings.Contains(text, want) {
				t.Errorf("the references page does not show %q", want)
			}
		}
		// A citation in a module links to its entry on this page.
		c := srv.signUp(t, "Rhea References", "rhea@example.org")
		module := c.get("/modules/" + module1).html(t)
		if findFirst(module, element("a", "href", "/references#ref-sky-survey")) == nil {
			t.Error("the module's citation does not link to the references page")
		}
	})
}

func TestGlossaryAndContactsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, withContacts(testContacts))
		anon := srv.newClient(t)
		g := anon.get("/glossary")
		g.wantStatus(t, fiber.StatusOK)
		if row := findFirst(g.html(t), element("div", "id", "fruit")); row == nil || !strings.Contains(textOf(row), "holds its seeds") {
			t.Error("the glossary does not define its term")
		}
		res := anon.get("/contacts")
		res.wantStatus(t, fiber.StatusOK)
		text := textOf(res.html(t))
		for _, want := range []string{"Test Front Door", "01632 960123", "01632 960124", "999", "0808 800 5000", "learning@example.org"} {
			if !strings.Contains(text, want) {
				t.Errorf("the contacts page does not show %q", want)
			}
		}
		for _, href := range []string{"https://example.org/front-door", "https://example.org/escalation", "https://example.org/toolkit"} {
			if findFirst(res.html(t), element("a", "href", href)) == nil {
				t.Errorf("the contacts page does not link to %s", href)
			}
		}
		if strings.Contains(text, "24-hour") || strings.Contains(text, "24 hour") {
			t.Error("the contacts page gives the NSPCC phone line hours")
		}
	})
}

func TestEveryModuleLinksToContactsAndItsSummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, withContacts(testContacts))
		c := srv.signUp(t, "Sam Summary", "sam@example.org")
		c.passAllModules() // so that every module opens
		for _, m := range srv.course.Modules {
			doc := c.get("/modules/" + m.ID).html(t)
			for _, href := range []string{"/contacts", "/modules/" + m.ID + "/summary"} {
				if findFirst(doc, element("a", "href", href)) == nil {
					t.Errorf("module %s does not link to %s", m.ID, href)
				}
			}
			res := c.get("/modules/" + m.ID + "/summary")
			res.wantStatus(t, fiber.StatusOK)
			text := textOf(res.html(t))
			for _, want := range append(append([]string{m.Title, "Test Front Door", "01632 960123"}, m.Summary...), m.Outcomes...) {
				if !strings.Contains(text, want) {
					t.Errorf("the summary of %s does not show %q", m.ID, want)
				}
			}
			if main := findFirst(res.html(t), element("main")); main == nil || findFirst(main, element("form")) != nil {
				t.Errorf("the summary of %s has a form: it should be a plain printable page", m.ID)
			}
		}
		c.get("/modules/no-such-module/summary").wantStatus(t, fiber.StatusNotFound)
	})
}

// While local contacts are the example defaults, administrators are told
// on the course page; learners never see the warning.
func TestAdministratorsAreWarnedWhileContactsAreUnset(t *testing.T) {
	unset := testContacts
	unset.Unset = []string{"FRONT_DOOR_NAME", "FRONT_DOOR_PHONE"}
	tests := []struct {
		name     string
		contacts app.LocalContacts
		roles    []string
		warned   bool
	}{
		{"an administrator, contacts unset", unset, []string{app.RoleAdmin}, true},
		{"a learner, contacts unset", unset, nil, false},
		{"a coordinator, contacts unset", unset, []string{app.RoleCoordinator}, false},
		{"an administrator, contacts set", testContacts, []string{app.RoleAdmin}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				srv := newTestServer(t, st, withContacts(tt.contacts))
				c := srv.signInAs(t, "Ada Person", "ada@example.org", tt.roles...)
				res := c.get("/course")
				res.wantStatus(t, fiber.StatusOK)
				banner := findFirst(res.html(t), element("div", "aria-labelledby", "contacts-unset-title"))
				if (banner != nil) != tt.warned {
					t.Fatalf("warning shown: %v, want %v", banner != nil, tt.warned)
				}
				if tt.warned && !strings.Contains(textOf(banner), "FRONT_DOOR_PHONE") {
					t.Errorf("the warning does not name the settings to make: %q", textOf(banner))
				}
			})
		})
	}
}

func TestStartPageShowsContentNoteReviewDateAndOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, withContacts(testContacts))
		res := srv.newClient(t).get("/")
		res.wantStatus(t, fiber.StatusOK)
		doc := res.html(t)
		if note := findFirst(doc, element("div", "id", "content-note")); note == nil || !strings.Contains(textOf(note), "Take a break") {
			t.Error("the start page has no content note")
		}
		text := textOf(doc)
		for _, want := range []string{"The test team", "1 January 2099"} {
			if !strings.Contains(text, want) {
				t.Errorf("the start page does not show %q", want)
			}
		}
		for _, href := range []string{"/references", "/glossary", "/contacts"} {
			if findFirst(doc, element("a", "href", href)) == nil {
				t.Errorf("the start page does not link to %s", href)
			}
		}
	})
}
