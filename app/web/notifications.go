package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// prefStore is the store behind the mail service, for preferences and
// unsubscribe links.
type prefStore interface {
	app.TokenStore
	app.PreferenceStore
}

func (s *Server) prefs() (prefStore, error) {
	ps, ok := s.cfg.Mail.Store.(prefStore)
	if !ok {
		return nil, app.Errorf(app.EINTERNAL, "no preference store")
	}
	return ps, nil
}

type unsubscribePage struct {
	basePage
	Token string
	Topic app.Topic
	Done  bool
}

// handleUnsubscribeForm shows what a link unsubscribes from, with a button.
func (s *Server) handleUnsubscribeForm(c *fiber.Ctx) error {
	ps, err := s.prefs()
	if err != nil {
		return err
	}
	token := c.Query("token")
	topic, err := s.cfg.Mail.UnsubscribeTopic(c.UserContext(), ps, token)
	if app.IsTokenProblem(err) {
		return s.renderLinkProblem(c, err, app.TokenUnsubscribe)
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "unsubscribe", &unsubscribePage{basePage: basePage{Title: "Unsubscribe"}, Token: token, Topic: topic})
}

// handleUnsubscribe is the one-click unsubscribe (RFC 8058): mail
// providers POST "List-Unsubscribe=One-Click" to the link with no cookies,
// so it is registered before the CSRF check; the unguessable token in the
// link is the authority, and unsubscribing twice changes nothing.
func (s *Server) handleUnsubscribe(c *fiber.Ctx) error {
	ps, err := s.prefs()
	if err != nil {
		return err
	}
	token := c.Query("token")
	if token == "" {
		token = c.FormValue("token")
	}
	topic, err := s.cfg.Mail.Unsubscribe(c.UserContext(), ps, token)
	if app.IsTokenProblem(err) {
		return s.renderLinkProblem(c, err, app.TokenUnsubscribe)
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "unsubscribe", &unsubscribePage{basePage: basePage{Title: "You have unsubscribed"}, Topic: topic, Done: true})
}

type preferencesPage struct {
	basePage
	Topics []topicChoice
	Saved  bool
}

type topicChoice struct {
	Topic app.Topic
	Label string
	Hint  string
	On    bool
}

func (s *Server) handlePreferencesForm(c *fiber.Ctx) error {
	ps, err := s.prefs()
	if err != nil {
		return err
	}
	u := currentUser(c)
	prefs, err := ps.EmailPreferences(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	p := &preferencesPage{basePage: basePage{Title: "Emails you get", NavProfile: true, BackLink: "/profile"}, Saved: c.Query("saved") == "1"}
	for _, t := range app.Topics {
		if t.Topic == app.TopicDigest && !app.MayManage(u) {
			continue
		}
		p.Topics = append(p.Topics, topicChoice{Topic: t.Topic, Label: t.Label, Hint: t.Hint, On: app.Wants(prefs, t.Topic)})
	}
	return s.render(c, fiber.StatusOK, "preferences", p)
}

func (s *Server) handlePreferences(c *fiber.Ctx) error {
	ps, err := s.prefs()
	if err != nil {
		return err
	}
	var on []app.Topic
	for _, v := range c.Request().PostArgs().PeekMulti("topic") {
		on = append(on, app.Topic(v))
	}
	if err := s.cfg.Mail.SetPreferences(c.UserContext(), ps, currentUser(c), on); err != nil {
		return err
	}
	return c.Redirect("/profile/emails?saved=1", fiber.StatusSeeOther)
}
