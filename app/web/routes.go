package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// routes registers every URL the service answers. Each route's access rule
// is visible here: public, signed in (s.requireUser), or rate limited.
func (s *Server) routes(f *fiber.App) {
	f.Get("/healthz", s.handleHealth)
	f.Get("/readyz", s.handleReady)
	f.Get("/static/*", s.assets.handle)

	f.Use(s.loadUser, s.checkCSRF)

	verifyLimit := s.limiter(s.cfg.VerifyLimit)
	signInLimit := s.limiter(s.cfg.SignInLimit)

	// Public pages.
	f.Get("/", s.handleStart)
	f.Get("/register", s.handleRegisterForm)
	f.Post("/register", signInLimit, s.handleRegister)
	f.Get("/sign-in", s.handleSignInForm)
	f.Post("/sign-in", signInLimit, s.handleSignIn)
	f.Post("/sign-out", s.handleSignOut)
	f.Post("/preferences/contrast", s.handleContrast)
	f.Get("/verify", verifyLimit, s.handleVerifyForm)
	f.Get("/verify/:code", verifyLimit, s.handleVerify)
	f.Get("/accessibility", s.handleAccessibility)

	// The learner's journey: signed in.
	l := f.Group("", s.requireUser)
	l.Post("/session/keepalive", s.handleKeepalive)
	l.Get("/course", s.handleCourse)
	l.Get("/modules/:module", s.handleModule)
	l.Post("/modules/:module", s.handleModulePost)
	l.Post("/modules/:module/save", s.handleAutosave)
	l.Get("/modules/:module/result", s.handleResult)
	l.Get("/evaluation", s.handleEvaluationForm)
	l.Post("/evaluation", s.handleEvaluation)
	l.Get("/certificate", s.handleCertificate)
	l.Get("/certificate.pdf", s.handleCertificatePDF)
}

func (s *Server) limiter(perMinute int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        perMinute,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			return fiber.NewError(fiber.StatusTooManyRequests)
		},
	})
}
