package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/oidc"
	"github.com/foundations/foundations/templates"
)

// config is everything the process reads from its environment, once, in
// main. Each field names its variable and default in the README.
type config struct {
	Port           string
	DatabaseURL    string // postgres://… ; empty means the embedded SQLite at DataDir/foundations.db
	DataDir        string
	BaseURL        string // public URL, for verification links
	SecretKey      string
	Course         string // folder under courses/
	ValidityMonths int    // certificate validity; 0 = the course's own
	IdleTimeout    time.Duration
	MaxSessionAge  time.Duration
	Organisations  []string // replaces the starter list when set
	QuickExitURL   string
	TrustedProxies []string
	Placeholders   map[string]string // course text placeholders, incl. partnership_name
	Unset          []string          // placeholder environment variables left at their example defaults
	HelpContact    string
	LogLevel       slog.Level
	SMTPURL        string // smtp://user:pass@host:port, smtps://…, ?tls=off; empty: no email
	MailFrom       string
	// ReminderInterval is how often the leader looks for reminders due.
	ReminderInterval time.Duration
	Privacy          app.PrivacyNotice // PRIVACY_CONTROLLER, PRIVACY_CONTACT, ERASE_AFTER_MONTHS
	Certificate      certificateConfig

	// Security and running several instances (see security.go).
	SignInLimit        int // sign-in attempts a minute per address and email
	SignInAddressLimit int // sign-in attempts a minute per address, any email
	VerifyLimit        int // certificate look-ups a minute per address
	HashConcurrency    int // password hashes at once
	DBMaxConns         int // PostgreSQL connections per instance
	DBPrepare          bool

	Accessibility app.AccessibilityStatement // ACCESSIBILITY_* and the embedded suite results
	MetricsPort   string                     // METRICS_PORT: serve /metrics on this port (bind it privately)
	MetricsToken  string                     // METRICS_TOKEN: serve /metrics on PORT to requests bearing it
	OIDCProviders []oidc.Provider            // OIDC_PROVIDERS or OIDC_PROVIDERS_FILE (oidc.go)
}

// certificateConfig is the configurable part of the certificate's design.
type certificateConfig struct {
	Logo          []byte // CERTIFICATE_LOGO: path to a PNG or JPEG
	SignatoryName string // CERTIFICATE_SIGNATORY_NAME
	SignatoryRole string // CERTIFICATE_SIGNATORY_ROLE
	Signature     []byte // CERTIFICATE_SIGNATURE: path to a PNG or JPEG
}

// placeholderVars maps course placeholders to their environment variables
// and defaults. A partnership changes these, not the course. The defaults
// are obviously placeholders (example names, Ofcom's drama-only 01632 960
// numbers, example.org) so no learner mistakes them for a real service,
// and the course page warns administrators while any is still in use.
var placeholderVars = []struct{ name, env, def string }{
	{"partnership_name", "PARTNERSHIP_NAME", "Example Safeguarding Children Partnership"},
	{"partnership_short_name", "PARTNERSHIP_SHORT_NAME", "ESCP"},
	{"front_door_name", "FRONT_DOOR_NAME", "Example Children's Front Door"},
	{"front_door_phone", "FRONT_DOOR_PHONE", "01632 960000"},
	{"front_door_url", "FRONT_DOOR_URL", "https://example.org/worried-about-a-child"},
	{"out_of_hours_phone", "OUT_OF_HOURS_PHONE", "01632 960001"},
	{"escalation_policy_url", "ESCALATION_POLICY_URL", "https://example.org/escalation-policy"},
	{"neglect_toolkit_url", "NEGLECT_TOOLKIT_URL", "https://example.org/neglect-toolkit"},
	{"training_contact", "TRAINING_CONTACT", "training@example.org"},
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func loadConfig(log *slog.Logger) (*config, error) {
	c := &config{
		Port:         env("PORT", "3000"),
		DatabaseURL:  env("DATABASE_URL", ""),
		DataDir:      env("DATA_DIR", "./data"),
		Course:       env("COURSE", "neglect-foundations"),
		QuickExitURL: env("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather"),
		HelpContact:  env("HELP_CONTACT", "training@example.org"),
		Placeholders: map[string]string{},
	}
	c.BaseURL = strings.TrimRight(env("BASE_URL", "http://localhost:"+c.Port), "/")
	for _, p := range placeholderVars {
		c.Placeholders[p.name] = env(p.env, p.def)
		if c.Placeholders[p.name] == p.def {
			c.Unset = append(c.Unset, p.env)
		}
	}
	var err error
	if c.ValidityMonths, err = strconv.Atoi(env("CERTIFICATE_VALIDITY_MONTHS", "0")); err != nil || c.ValidityMonths < 0 {
		return nil, fmt.Errorf("CERTIFICATE_VALIDITY_MONTHS must be a whole number of months")
	}
	if c.IdleTimeout, err = time.ParseDuration(env("SESSION_IDLE_TIMEOUT", "30m")); err != nil || c.IdleTimeout < 3*time.Minute {
		return nil, fmt.Errorf("SESSION_IDLE_TIMEOUT must be a duration of at least 3m, like 30m")
	}
	if c.MaxSessionAge, err = time.ParseDuration(env("SESSION_MAX_AGE", "12h")); err != nil || c.MaxSessionAge < c.IdleTimeout {
		return nil, fmt.Errorf("SESSION_MAX_AGE must be a duration at least as long as SESSION_IDLE_TIMEOUT, like 12h")
	}
	if v := env("ORGANISATIONS", ""); v != "" {
		for _, o := range strings.Split(v, ";") {
			if o = strings.TrimSpace(o); o != "" {
				c.Organisations = append(c.Organisations, o)
			}
		}
	}
	if v := env("TRUSTED_PROXIES", ""); v != "" {
		c.TrustedProxies = strings.Split(v, ",")
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error")
	}
	c.SecretKey = env("SECRET_KEY", "")
	c.SMTPURL, c.MailFrom = env("SMTP_URL", ""), env("MAIL_FROM", "")
	if c.ReminderInterval, err = time.ParseDuration(env("REMINDER_INTERVAL", "1h")); err != nil || c.ReminderInterval < time.Second {
		return nil, fmt.Errorf("REMINDER_INTERVAL must be a duration of at least 1s, like 1h")
	}
	c.Privacy = app.PrivacyNotice{Controller: env("PRIVACY_CONTROLLER", c.Placeholders["partnership_name"]), Contact: env("PRIVACY_CONTACT", c.HelpContact)}
	if c.Privacy.RetentionMonths, err = strconv.Atoi(env("ERASE_AFTER_MONTHS", "72")); err != nil || c.Privacy.RetentionMonths < 2 {
		return nil, fmt.Errorf("ERASE_AFTER_MONTHS must be a whole number of months, 2 or more (72 is 6 years)")
	}
	c.Certificate.SignatoryName = env("CERTIFICATE_SIGNATORY_NAME", "")
	c.Certificate.SignatoryRole = env("CERTIFICATE_SIGNATORY_ROLE", "")
	for _, f := range []struct {
		env string
		dst *[]byte
	}{{"CERTIFICATE_LOGO", &c.Certificate.Logo}, {"CERTIFICATE_SIGNATURE", &c.Certificate.Signature}} {
		if path := env(f.env, ""); path != "" {
			if *f.dst, err = os.ReadFile(path); err != nil { // #nosec G304 -- the operator names the file in their own configuration
				return nil, fmt.Errorf("%s: %w", f.env, err)
			}
		}
	}
	if err := c.loadSecurity(); err != nil {
		return nil, err
	}
	c.MetricsPort, c.MetricsToken = env("METRICS_PORT", ""), env("METRICS_TOKEN", "")
	if c.MetricsToken != "" && len(c.MetricsToken) < 24 {
		return nil, fmt.Errorf("METRICS_TOKEN must be at least 24 characters")
	}
	if c.MetricsPort != "" && c.MetricsPort == c.Port {
		return nil, fmt.Errorf("METRICS_PORT must differ from PORT (use METRICS_TOKEN to serve metrics on PORT)")
	}
	if err := c.loadAccessibility(); err != nil {
		return nil, err
	}
	if err := c.loadOIDC(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadAccessibility fills the accessibility statement's facts: who to
// contact (ACCESSIBILITY_CONTACT, else HELP_CONTACT; ACCESSIBILITY_PHONE),
// how soon they reply (ACCESSIBILITY_RESPONSE_DAYS), problems known
// beyond the service's own (ACCESSIBILITY_KNOWN_ISSUES, separated by ";"),
// when the statement was prepared (ACCESSIBILITY_STATEMENT_DATE), and the
// suite's last results, embedded in the binary.
func (c *config) loadAccessibility() error {
	results, err := app.ParseAccessibilityResults(templates.AccessibilityResults)
	if err != nil {
		return err
	}
	a := app.AccessibilityStatement{Service: "Neglect Foundations", Partnership: c.Placeholders["partnership_name"],
		Contact: env("ACCESSIBILITY_CONTACT", c.HelpContact), Phone: env("ACCESSIBILITY_PHONE", ""), Results: results,
		PreparedOn: env("ACCESSIBILITY_STATEMENT_DATE", "")}
	if a.ResponseDays, err = strconv.Atoi(env("ACCESSIBILITY_RESPONSE_DAYS", "5")); err != nil || a.ResponseDays < 1 {
		return fmt.Errorf("ACCESSIBILITY_RESPONSE_DAYS must be a whole number of working days")
	}
	if a.PreparedOn != "" {
		if _, err := time.Parse("2006-01-02", a.PreparedOn); err != nil {
			return fmt.Errorf("ACCESSIBILITY_STATEMENT_DATE must be a date like 2026-12-01")
		}
	}
	for _, issue := range strings.Split(env("ACCESSIBILITY_KNOWN_ISSUES", ""), ";") {
		if issue = strings.TrimSpace(issue); issue != "" {
			a.KnownIssues = append(a.KnownIssues, issue)
		}
	}
	c.Accessibility = a
	return nil
}

// ensureSecret generates SECRET_KEY on first start and keeps it in the data
// folder, so sessions and CSRF tokens survive restarts. Production sets
// SECRET_KEY (shared by every instance).
func (c *config) ensureSecret(log *slog.Logger) error {
	if c.SecretKey != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	// #nosec G304 -- a fixed file name in the operator's own DATA_DIR
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.SecretKey = strings.TrimSpace(string(b))
		log.Warn("SECRET_KEY is not set; using the key kept in the data folder. Set SECRET_KEY when running more than one instance.", "file", path)
		return nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	c.SecretKey = hex.EncodeToString(b)
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	if err := os.WriteFile(path, []byte(c.SecretKey+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep generated secret key: %w", err)
	}
	log.Warn("SECRET_KEY is not set; generated one and kept it in the data folder. Set SECRET_KEY in production.", "file", path)
	return nil
}
