package web

import (
	"strconv"

	"github.com/foundations/foundations/app"
	"github.com/gofiber/fiber/v2"
)

// numericQuery are the numeric query parameters and the largest each may
// be. A number beyond it (page=9223372036854775808) is refused instead of
// overflowing into a negative OFFSET; a value that is not a number at all
// is left to the handler, which ignores a malformed filter.
var numericQuery = map[string]int64{
	"page":         1_000_000,
	"organisation": 1 << 53,
}

// checkInput refuses, with 400 and before any handler reads it, a request
// whose path, query or form values are not valid UTF-8 or hold NUL or
// other control characters (app.TextProblem), or whose numeric query
// parameters are not bounded whole numbers. Nothing malformed reaches the
// database, so such a request changes nothing and logs no error.
func (s *Server) checkInput(c *fiber.Ctx) error {
	bad := false
	check := func(v []byte) {
		if !bad && app.TextProblem(string(v)) != "" {
			bad = true
		}
	}
	check(c.Request().URI().Path())
	args := c.Request().URI().QueryArgs()
	args.VisitAll(func(k, v []byte) {
		check(k)
		check(v)
		if limit, ok := numericQuery[string(k)]; ok && !bad {
			bad = outOfRange(string(v), limit)
		}
	})
	if c.Method() == fiber.MethodPost {
		c.Request().PostArgs().VisitAll(func(k, v []byte) { check(k); check(v) })
	}
	if bad {
		return fiber.NewError(fiber.StatusBadRequest, "malformed input")
	}
	return c.Next()
}

// outOfRange reports whether v is written as a whole number but is larger
// than limit (or too large for 64 bits either way).
func outOfRange(v string, limit int64) bool {
	digits := v
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err != nil || n > limit
}
