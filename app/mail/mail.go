// Package mail sends the app's email over SMTP with go-mail. It is the only
// package that imports go-mail.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	gomail "github.com/wneessen/go-mail"
)

// Sender implements app.MailSender for one SMTP server.
type Sender struct {
	host    string
	opts    []gomail.Option
	from    string
	timeout time.Duration
}

var _ app.MailSender = (*Sender)(nil)

// Config configures a Sender.
type Config struct {
	// URL is SMTP_URL: smtp://user:pass@host:port (STARTTLS required),
	// smtps://… (TLS from the first byte), smtp://…?tls=off (no TLS: a
	// local catcher only).
	URL     string
	From    string // MAIL_FROM: "Name <address>" or an address
	Timeout time.Duration
	// TLSConfig, when set, replaces the default (tests trust their own CA).
	TLSConfig *tls.Config
}

// New checks the configuration and returns a Sender. It does not connect.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP_URL must look like smtp://user:password@host:587")
	}
	if cfg.From == "" {
		return nil, fmt.Errorf("MAIL_FROM must be set when SMTP_URL is, like \"Training <training@example.org>\"")
	}
	if err := gomail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("MAIL_FROM is not an email address: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	s := &Sender{host: u.Hostname(), from: cfg.From, timeout: cfg.Timeout}
	s.opts = append(s.opts, gomail.WithTimeout(cfg.Timeout), gomail.WithoutNoop())
	tlsOff := u.Query().Get("tls") == "off"
	switch u.Scheme {
	case "smtps":
		if tlsOff {
			return nil, fmt.Errorf("SMTP_URL: smtps:// always uses TLS; use smtp://…?tls=off for a server without it")
		}
		s.opts = append(s.opts, gomail.WithSSL(), gomail.WithPort(portOr(u, 465)))
	case "smtp":
		s.opts = append(s.opts, gomail.WithPort(portOr(u, 587)))
		if tlsOff {
			s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.NoTLS))
		} else {
			s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		}
	default:
		return nil, fmt.Errorf("SMTP_URL must start with smtp:// or smtps://")
	}
	if cfg.TLSConfig != nil {
		s.opts = append(s.opts, gomail.WithTLSConfig(cfg.TLSConfig))
	} else if !tlsOff {
		s.opts = append(s.opts, gomail.WithTLSConfig(&tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}))
	}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	return s, nil
}

func portOr(u *url.URL, def int) int {
	if p, err := strconv.Atoi(u.Port()); err == nil && p > 0 {
		return p
	}
	return def
}

// Send implements app.MailSender: one connection per message, bounded by
// the timeout. The error never contains the recipient's address.
func (s *Sender) Send(ctx context.Context, m app.Message) error {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return permanent{fmt.Errorf("recipient address is not valid")}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	if m.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err, m.To)
	}
	return nil
}

// permanent is a refusal not worth retrying.
type permanent struct{ error }

func (permanent) Permanent() bool { return true }
func (p permanent) Unwrap() error { return p.error }

// classify turns go-mail's error into one without the recipient's address
// that says whether to retry: a 5xx reply is permanent; a 4xx reply, a
// timeout or a refused connection is not.
func classify(err error, recipient string) error {
	text := strings.ReplaceAll(err.Error(), recipient, "<recipient>")
	if i := strings.Index(text, ", affected recipient(s)"); i >= 0 {
		text = text[:i]
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && !se.IsTemp() {
			return permanent{errors.New(text)}
		}
		return errors.New(text)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out: %s", text)
	}
	return errors.New(text)
}
