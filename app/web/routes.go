package web

import (
	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// routes registers every URL the service answers. Each route's access rule
// is visible here: public, signed in (s.requireUser), or rate limited.
func (s *Server) routes(f *fiber.App) {
	f.Get("/healthz", s.handleHealth)
	f.Get("/readyz", s.handleReady)
	f.Get("/metrics", s.handleMetrics) // only with METRICS_TOKEN, and only to requests bearing it
	f.Get("/static/*", s.assets.handle)
	f.Get("/favicon.ico", s.assets.handleFavicon)

	// One-click unsubscribe (RFC 8058) comes from mail providers without
	// cookies or a form token: before the CSRF check, authorised by its token.
	f.Post("/unsubscribe", s.checkInput, s.limitVerify, s.handleUnsubscribe)

	// LTI 1.3 launches arrive as cross-site requests from a learning
	// platform, without this site's form token: before the CSRF check,
	// authorised by the platform's signed id_token and a single-use state
	// bound to the browser (lti.go). Logins are rate limited per address.
	f.Get("/lti/login", s.checkInput, s.limitVerify, s.handleLTILogin)
	f.Post("/lti/login", s.checkInput, s.limitVerify, s.handleLTILogin)
	f.Post("/lti/launch", s.checkInput, s.handleLTILaunch)

	// Autosave checks the session in the same statement as the save
	// (app.Learning.SaveAnswerInSession), so it comes before loadUser; its
	// form token is the session's, as for any signed-in form.
	f.Post("/modules/:module/save", s.checkInput, s.sessionCSRFSeed, s.checkCSRF, s.handleAutosave)

	f.Use(s.checkInput, s.loadUser, s.checkCSRF, s.askForPrintableName)

	// Rate limits (app.Limits, counted in the database): sign-in per
	// address and email, per address whatever the email, and per account
	// with a growing delay (in app.Accounts); registration and certificate
	// look-ups per address.
	signInLimit, registerLimit, verifyLimit := s.limitSignIn, s.limitRegister, s.limitVerify

	// Public pages.
	f.Get("/", s.handleStart)
	f.Get("/register", s.handleRegisterForm)
	f.Post("/register", registerLimit, s.handleRegister)
	f.Get("/sign-in", s.handleSignInForm)
	f.Post("/sign-in", signInLimit, s.handleSignIn)
	f.Post("/sign-in/oidc/:provider", s.limitOIDCStart, s.handleOIDCStart)
	f.Get("/sign-in/oidc/:provider/callback", s.limitOIDCCallback, s.handleOIDCCallback)
	f.Get("/sign-in/link", s.handleLinkForm)
	f.Post("/sign-in/link", signInLimit, s.handleLink)
	f.Get("/sign-in/setup", s.handleSetupForm)
	f.Post("/sign-in/setup", registerLimit, s.handleSetup)
	f.Post("/sign-out", s.handleSignOut)
	f.Post("/preferences/contrast", s.handleContrast)
	f.Get("/verify", verifyLimit, s.handleVerifyForm)
	f.Get("/verify/:code", verifyLimit, s.handleVerify)
	f.Get("/accessibility", s.handleAccessibility)
	f.Get("/.well-known/jwks.json", s.handleKeySet)
	f.Get("/badges/issuer", s.handleBadgeIssuer)
	f.Get("/badges/achievements/:course", s.handleBadgeAchievement)
	f.Get("/badges/status/:code", verifyLimit, s.handleBadgeStatus)
	f.Get("/references", s.handleReferences)
	f.Get("/glossary", s.handleGlossary)
	f.Get("/contacts", s.handleContacts)
	f.Get("/forgot-password", s.handleForgotPasswordForm)
	f.Post("/forgot-password", registerLimit, s.handleForgotPassword)
	f.Get("/reset-password", verifyLimit, s.handleResetPasswordForm)
	f.Post("/reset-password", verifyLimit, s.handleResetPassword)
	f.Get("/verify-email", verifyLimit, s.handleVerifyEmailForm)
	f.Post("/verify-email", verifyLimit, s.handleVerifyEmail)
	f.Get("/unsubscribe", verifyLimit, s.handleUnsubscribeForm)
	f.Get("/privacy", s.handlePrivacy)
	f.Get("/manager-invitation", verifyLimit, s.handleInvitation)

	// The learner's journey: signed in. (Not a Group: a Group with an
	// empty prefix would also guard URLs that match no route.)
	signedIn := s.requireUser
	f.Post("/session/keepalive", signedIn, s.handleKeepalive)
	f.Get("/course", signedIn, s.handleCourse)
	f.Post("/course/refresher", signedIn, s.handleRefresherStart)
	f.Get("/modules/:module", signedIn, s.handleModule)
	f.Post("/modules/:module", signedIn, s.handleModulePost)
	f.Get("/modules/:module/result", signedIn, s.handleResult)
	f.Get("/modules/:module/summary", signedIn, s.handleModuleSummary)
	f.Get("/knowledge-check/:phase", signedIn, s.handleKnowledgeCheckForm)
	f.Post("/knowledge-check/:phase", signedIn, s.handleKnowledgeCheck)
	f.Get("/evaluation", signedIn, s.handleEvaluationForm)
	f.Post("/evaluation", signedIn, s.handleEvaluation)
	f.Get("/certificate", signedIn, s.handleCertificate)
	f.Get("/certificate.pdf", signedIn, s.handleCertificatePDF)
	f.Get("/certificate/badge.jwt", signedIn, s.handleBadge)
	f.Get("/profile", signedIn, s.handleProfileForm)
	f.Get("/confirm-name", signedIn, s.handleConfirmNameForm)
	f.Post("/confirm-name", signedIn, s.handleConfirmName)
	f.Post("/profile", signedIn, s.handleProfile)
	f.Get("/profile/password", signedIn, s.handleChangePasswordForm)
	f.Post("/profile/password", signedIn, s.handleChangePassword)
	f.Get("/profile/email", signedIn, s.handleChangeEmailForm)
	f.Post("/profile/email", signedIn, s.handleChangeEmail)
	f.Get("/profile/emails", signedIn, s.handlePreferencesForm)
	f.Post("/profile/emails", signedIn, s.handlePreferences)
	f.Post("/manager-invitation", signedIn, s.handleInvitationAccept)
	f.Get("/profile/data.json", signedIn, s.handleDataJSON)
	f.Get("/profile/data.csv", signedIn, s.handleDataCSV)
	f.Post("/verify-email/resend", signedIn, registerLimit, s.handleResendVerification)

	// Managers: their own staff only (scope checked in app.Oversight).
	manager := s.requireRole(app.MayManage)
	f.Get("/staff", signedIn, manager, s.handleStaff)
	f.Get("/staff/:id", signedIn, manager, s.handleStaffMember)
	f.Post("/staff/:id/accept", signedIn, manager, s.handleStaffAccept)
	f.Post("/staff/:id/confirm", signedIn, manager, s.handleStaffConfirm)
	f.Post("/staff/:id/decline", signedIn, manager, s.handleStaffDecline)

	// Coordinators and administrators.
	coord := s.requireRole(app.MayCoordinate)
	roles, assignManager, revoke, reissue := s.routesForLearnerActions()
	f.Get("/reports", signedIn, coord, s.handleDashboard)
	f.Get("/reports/learners", signedIn, coord, s.handleLearners)
	f.Get("/reports/learners.csv", signedIn, coord, s.handleExportCSV)
	f.Get("/reports/learners.xlsx", signedIn, coord, s.handleExportXLSX)
	f.Get("/reports/learners/:id", signedIn, coord, s.handleLearner)
	f.Post("/reports/learners/:id/roles", signedIn, coord, roles)
	f.Post("/reports/learners/:id/manager", signedIn, coord, assignManager)
	f.Post("/reports/learners/:id/revoke", signedIn, coord, revoke)
	f.Post("/reports/learners/:id/reissue", signedIn, coord, reissue)
	f.Post("/reports/learners/:id/email", signedIn, coord, s.correctEmail())
	f.Post("/reports/learners/:id/reset-link", signedIn, coord, s.handleAssistedReset)
	f.Get("/reports/questions", signedIn, coord, s.handleQuestions)
	f.Get("/reports/organisations", signedIn, coord, s.handleOrganisations)
	f.Post("/reports/organisations", signedIn, coord, s.handleOrganisationAdd)
	f.Post("/reports/organisations/:id/rename", signedIn, coord, s.handleOrganisationRename)
	f.Post("/reports/organisations/:id/merge", signedIn, coord, s.handleOrganisationMerge)
	f.Get("/reports/audit", signedIn, coord, s.handleAudit)

	// Administrators.
	admin := s.requireRole(func(u *app.User) bool { return u.Has(app.RoleAdmin) })
	f.Get("/admin/email", signedIn, admin, s.handleDeliveries)
	f.Get("/admin/sign-in", signedIn, admin, s.handleOIDCSettings)
	f.Get("/admin/lti", signedIn, admin, s.handleLTIPlatforms)
	f.Get("/admin/lti/new", signedIn, admin, s.handleLTIPlatformForm)
	f.Post("/admin/lti", signedIn, admin, s.handleLTIPlatformSave)
	f.Post("/admin/lti/key", signedIn, admin, s.handleLTIKeyRotate)
	f.Get("/admin/lti/:id", signedIn, admin, s.handleLTIPlatformForm)
	f.Post("/admin/lti/:id", signedIn, admin, s.handleLTIPlatformSave)
	f.Post("/reports/learners/:id/erase", signedIn, admin, s.erase())
}
