package web

import (
	"errors"
	"net/url"

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
	status, heading, msg := fiber.StatusInternalServerError, "Sorry, there is a problem with the service", app.ErrorMessage(err)
	code := app.ErrorCode(err)
	var fe *fiber.Error
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
		default:
			heading = "There is a problem"
		}
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
