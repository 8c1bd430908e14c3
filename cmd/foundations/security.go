package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

// loadSecurity reads the rate limits, the bound on password hashing and
// the database pool settings.
func (c *config) loadSecurity() error {
	def := app.DefaultLimits(nil, nil)
	for _, v := range []struct {
		name string
		dst  *int
		def  int
		min  int
	}{
		{"SIGN_IN_LIMIT", &c.SignInLimit, def.SignInPerAddressAndEmail, 1},
		{"SIGN_IN_ADDRESS_LIMIT", &c.SignInAddressLimit, def.SignInPerAddress, 1},
		{"VERIFY_LIMIT", &c.VerifyLimit, def.VerifyPerAddress, 1},
		{"PASSWORD_HASH_CONCURRENCY", &c.HashConcurrency, app.HashConcurrencyFor(runtime.NumCPU(), memoryLimit()), 1},
		{"DB_MAX_CONNS", &c.DBMaxConns, 20, 2},
	} {
		n, err := strconv.Atoi(env(v.name, strconv.Itoa(v.def)))
		if err != nil || n < v.min {
			return fmt.Errorf("%s must be a whole number, at least %d", v.name, v.min)
		}
		*v.dst = n
	}
	switch strings.ToLower(env("DB_PREPARED_STATEMENTS", "true")) {
	case "true", "on", "1", "yes":
		c.DBPrepare = true
	case "false", "off", "0", "no":
		c.DBPrepare = false
	default:
		return fmt.Errorf("DB_PREPARED_STATEMENTS must be true or false")
	}
	return nil
}

// limits are the configured rate limits over the store's shared counters.
func (c *config) limits(t app.Throttle, now func() time.Time) *app.Limits {
	l := app.DefaultLimits(t, now)
	l.SignInPerAddressAndEmail, l.SignInPerAddress, l.VerifyPerAddress = c.SignInLimit, c.SignInAddressLimit, c.VerifyLimit
	l.RegisterPerAddress = 3 * c.SignInLimit
	return l
}

// memoryLimit is the memory this process may use, when known: the cgroup
// limit of its container, or 0.
func memoryLimit() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0 // "max": no limit
	}
	return n
}
