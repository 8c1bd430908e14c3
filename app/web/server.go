// Package web serves Foundations over HTTP with Fiber: the learner's pages,
// the verification pages and the health checks. Handlers are thin: they
// parse the request, call the app services and render a page.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// Config is everything the web layer needs, built in cmd/foundations.
type Config struct {
	Learning   *app.Learning
	Accounts   *app.Accounts
	Oversight  *app.Oversight
	Breakdown  *app.Breakdown // the dashboard's learners by status
	AuditTrail *app.AuditTrail
	// StaffDecisions: managers declining people who named them, and what a
	// learner sees of their line manager.
	StaffDecisions *app.StaffDecisions
	Accessibility  app.AccessibilityStatement // the statement's facts: configuration and the suite's results
	// Metrics, when set, counts requests and outcomes; MetricsToken, when
	// set, serves them at /metrics to requests bearing it.
	Metrics      *Metrics
	MetricsToken string
	Store        app.Store // for /readyz
	Certificates app.CertificateRenderer
	Badges       app.Badges // Open Badges 3.0 credentials (app/badge)
	Logger       *slog.Logger
	// Mail, Recovery and EmailVerification: email, password recovery and
	// verified addresses (recovery.go, verification.go, mail.go).
	Mail              *app.Mail
	Recovery          *app.Recovery
	EmailVerification *app.EmailVerification
	Privacy           *app.Privacy // the privacy notice, data downloads and erasure (privacy.go)
	Invitations       *app.Invitations
	// OIDC signs people in through their organisation's OpenID provider
	// (oidc.go); nil: no providers are configured.
	OIDC *app.OIDCSignIn
	LTI  *app.LTI // LTI 1.3 tool (lti.go); nil serves none of it

	BaseURL     string // public URL, no trailing slash; https:// makes cookies Secure
	SecretKey   string // keys CSRF tokens
	Partnership string
	Contacts    app.LocalContacts // local services, for the contacts page and the administrator's warning
	// KnowledgeChecks stores the optional knowledge check; nil turns it off.
	KnowledgeChecks app.KnowledgeChecks
	HelpContact     string
	QuickExitURL    string
	TrustedProxies  []string
	// Limits are the rate limits of the public forms (required); the same
	// *app.Limits as Accounts.Limits.
	Limits *app.Limits
}

// Server holds the parsed templates, assets and configuration.
type Server struct {
	cfg     Config
	log     *slog.Logger
	pages   *pages
	assets  *assets
	secure  bool
	modules map[string]*prerendered // each module's body, rendered once
	layouts layoutCache             // the layout around it, once per shape of page
}

// New builds the Fiber app with every route. Tests use it through
// app.Test; cmd/foundations listens with it.
func New(cfg Config) (*fiber.App, error) {
	if cfg.Limits == nil {
		return nil, fmt.Errorf("web.New: Limits is required")
	}
	cfg.mailDefaults()
	cfg.privacyDefaults()
	if a := &cfg.Accessibility; a.Service == "" { // the statement's facts, where not configured
		a.Service, a.Partnership, a.Contact, a.ResponseDays = "Neglect Foundations", cfg.Partnership, cfg.HelpContact, max(a.ResponseDays, 5)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, secure: strings.HasPrefix(cfg.BaseURL, "https://")}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.assets); err != nil {
		return nil, err
	}
	if cfg.Learning != nil {
		if s.modules, err = s.prerenderModules(); err != nil {
			return nil, err
		}
	}
	fc := fiber.Config{
		Immutable:             true,
		ErrorHandler:          s.handleError,
		BodyLimit:             256 * 1024,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		AppName:               "Foundations",
	}
	if len(cfg.TrustedProxies) > 0 {
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = cfg.TrustedProxies
		fc.ProxyHeader = fiber.HeaderXForwardedFor
	}
	f := fiber.New(fc)
	f.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic", "method", c.Method(), "route", c.Route().Path, "panic", e)
	}}))
	// Pages are gzipped at the fastest level: a page of 20-40 KB shrinks
	// about fourfold either way, and level 6 cost several times the CPU
	// (a learner's journey spent about 7 ms of it on compression). Module
	// pages are gzipped by themselves, from runs deflated once at the best
	// level (modulegzip.go). Exports are streamed, never buffered to
	// compress; a PDF is compressed already.
	f.Use(s.logRequests, s.securityHeaders, compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: func(c *fiber.Ctx) bool {
		p := c.Path()
		return strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".pdf")
	}}))
	s.routes(f)
	return f, nil
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.observe(c, status, time.Since(start))
	}
	// The route pattern, never the raw path or query: they can hold codes and names.
	s.log.Debug("request", "method", c.Method(), "route", c.Route().Path, "status", status, "ms", time.Since(start).Milliseconds())
	return nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

func (s *Server) handleReady(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Error("readiness: database unreachable", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	return c.SendString("ready")
}
