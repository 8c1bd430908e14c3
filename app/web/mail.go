package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

type deliveriesPage struct {
	basePage
	Emails      []app.Email
	MailEnabled bool
}

// handleDeliveries shows administrators what was sent, without bodies.
func (s *Server) handleDeliveries(c *fiber.Ctx) error {
	emails, err := s.cfg.Mail.Deliveries(c.UserContext(), currentUser(c))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "deliveries", &deliveriesPage{basePage: basePage{Title: "Email delivery", NavReports: true}, Emails: emails, MailEnabled: s.cfg.Mail.Enabled()})
}

// mailDefaults fills in the email services a configuration left out (as
// tests built before email do): no mail server, and recovery and
// verification over the accounts' store.
func (cfg *Config) mailDefaults() {
	as, ok := cfg.Accounts.Store.(app.AccountStore)
	if !ok {
		return
	}
	if cfg.Mail == nil {
		cfg.Mail = &app.Mail{Store: as, HelpContact: cfg.HelpContact, Partnership: cfg.Partnership, BaseURL: cfg.BaseURL, Now: cfg.Accounts.Now}
	}
	if cfg.Recovery == nil {
		cfg.Recovery = &app.Recovery{Store: as, Accounts: cfg.Accounts, Mail: cfg.Mail, Now: cfg.Accounts.Now}
	}
	if is, ok := cfg.Accounts.Store.(app.InvitationStore); ok && cfg.Invitations == nil {
		cfg.Invitations = &app.Invitations{Store: is, Mail: cfg.Mail, Now: cfg.Accounts.Now}
	}
	if cfg.EmailVerification == nil {
		cfg.EmailVerification = &app.EmailVerification{Store: as, Accounts: cfg.Accounts, Mail: cfg.Mail, Now: cfg.Accounts.Now}
	}
}
