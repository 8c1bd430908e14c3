// Package app holds the domain of Foundations: courses, learners, answers,
// attempts, evaluations and certificates, and the rules that connect them
// (scoring, the pass mark, the order of modules, when a certificate may be
// issued, who may see whom). It imports neither Fiber nor GORM: the
// subpackages speak to those in app's types.
package app

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to exactly one HTTP status in app/web.
const (
	EINVALID      = "invalid"      // the user sent something we cannot accept (422/400)
	ENOTFOUND     = "not_found"    // no such thing, or not yours to see (404)
	EFORBIDDEN    = "forbidden"    // signed in but not allowed (403)
	EUNAUTHORIZED = "unauthorized" // not signed in (401, or a redirect to sign in)
	ECONFLICT     = "conflict"     // the request clashes with the current state (409)
	ETOOMANY      = "too_many"     // rate limited (429, with Retry-After)
	EUNAVAILABLE  = "unavailable"  // busy or the database is unreachable: try again soon (503, with Retry-After)
	EINTERNAL     = "internal"     // our fault (500)
)

// Error is the one error type the domain returns for things a user can
// cause. Message is safe to show to the user; Fields names the form fields
// at fault, in order, with a message each, for an error summary.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter, for ETOOMANY and EUNAVAILABLE, is how long to wait.
	RetryAfter time.Duration
	// Limit names the rate limit that answered ETOOMANY, for the log.
	Limit string
}

// FieldError is one problem with one form field.
type FieldError struct {
	Field   string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err, or a calm generic one
// for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Sorry, something went wrong on our side. Please try again in a few minutes."
}

// ErrorFields returns the field errors of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Invalid builds an EINVALID error from field errors; nil if there are none.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: fields[0].Message, Fields: fields}
}
