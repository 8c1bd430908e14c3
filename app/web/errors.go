package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// statusOf is the one mapping from app error codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case app.EINVALID:
		return fiber.StatusUnprocessableEntity
	case app.ENOTFOUND:
		return fiber.StatusNotFound
	case app.EFORBIDDEN:
		return fiber.StatusForbidden
	case app.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case app.ECONFLICT:
		return fiber.StatusConflict
	case app.ETOOMANY:
		return fiber.StatusTooManyRequests
	case app.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	default:
		return fiber.StatusInternalServerError
	}
}

// codeOfStatus names Fiber's own errors (404, 413, 429 …) in app's codes
// for JSON answers.
func codeOfStatus(status int) string {
	switch {
	case status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed:
		return app.ENOTFOUND
	case status == fiber.StatusTooManyRequests:
		return app.ETOOMANY
	case status == fiber.StatusServiceUnavailable:
		return app.EUNAVAILABLE
	case status >= 500:
		return app.EINTERNAL
	default:
		return app.EINVALID
	}
}

type errorPage struct {
	basePage
	Status  int
	Heading string
	Message string
}

// handleError turns any error a handler returns into a page (or JSON for
// scripts). Only internal errors are logged, with the route for context
// and never with form values.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	// Errors fasthttp answers itself (413, 431) come here without passing
	// the middleware: every response carries the security headers.
	s.setSecurityHeaders(c)
	status, heading, msg := fiber.StatusInternalServerError, "Sorry, there is a problem with the service", app.ErrorMessage(err)
	code := app.ErrorCode(err)
	var retryAfter time.Duration
	var ae *app.Error
	if errors.As(err, &ae) {
		retryAfter = ae.RetryAfter
	}
	var fe *fiber.Error
	if code == app.EINTERNAL && !errors.As(err, &fe) && s.databaseDown(c) {
		// An outage is not a bug: 503 with Retry-After so load balancers
		// and clients try again.
		s.log.Error("database unreachable", "method", c.Method(), "route", c.Route().Path, "err", err)
		err = &app.Error{Code: app.EUNAVAILABLE, Message: "Sorry, the service is unavailable at the moment. Your saved work is safe. Try again in a few minutes."}
		code, msg, retryAfter = app.EUNAVAILABLE, app.ErrorMessage(err), 30*time.Second
	}
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		code = codeOfStatus(fe.Code)
		switch fe.Code {
		case fiber.StatusNotFound:
			heading, msg = "Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
		case fiber.StatusRequestEntityTooLarge:
			heading, msg = "That was too much to send", "What you sent is larger than this service accepts. Shorten it and try again."
		case fiber.StatusTooManyRequests:
			heading, msg = "Too many attempts", "You have tried this too many times in a short time. Wait a minute and try again."
		case fiber.StatusMethodNotAllowed:
			heading, msg = "Page not found", "This page cannot be used in that way."
		default:
			if fe.Code >= 500 {
				s.log.Error("request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
				msg = app.ErrorMessage(errors.New(""))
			} else {
				heading, msg = "There is a problem with your request", "The request could not be understood. Go back and try again."
			}
		}
	default:
		status = statusOf(code)
		switch code {
		case app.EINTERNAL:
			s.log.Error("request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
		case app.ENOTFOUND:
			heading = "Page not found"
		case app.EFORBIDDEN:
			heading = "You cannot do that"
		case app.EUNAUTHORIZED:
			heading = "You are signed out"
		case app.ECONFLICT:
			heading = "That has already been done"
		case app.ETOOMANY:
			heading = "Too many attempts"
			s.log.Info("throttled", "limit", ae.Limit, "route", c.Route().Path)
		case app.EUNAVAILABLE:
			heading = "Sorry, the service is unavailable"
		default:
			heading = "There is a problem"
		}
	}
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	if wantsJSON(c) {
		return c.Status(status).JSON(fiber.Map{"error": code, "message": msg})
	}
	p := &errorPage{basePage: basePage{Title: heading}, Status: status, Heading: heading, Message: msg}
	if rerr := s.render(c, status, "error", p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		return c.Status(status).SendString(heading + ". " + msg)
	}
	return nil
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// databaseDown reports, after an unexpected error, whether the database
// has stopped answering (a quick ping), so the error is an outage.
func (s *Server) databaseDown(c *fiber.Ctx) bool {
	if s.cfg.Store == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return s.cfg.Store.Ping(ctx) != nil
}
