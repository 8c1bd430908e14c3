package app

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Throttle keeps the counters behind rate limits. They live in the
// database, so every instance shares them and a restart does not reset
// them. Keys are opaque to the store; Limits passes only hashes of them, so
// no address or email is kept. Only Limits calls it.
type Throttle interface {
	// HitThrottle adds one to key's count in the fixed window of the given
	// length that holds now, and returns the count including this hit.
	HitThrottle(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
	// ClaimBackoff decides, under a lock on key's row, whether one more
	// attempt may be made now. A record not touched for forgetAfter starts
	// again from no failures. If the record's next allowed time is still to
	// come it returns how long to wait and changes nothing; otherwise it
	// counts this attempt as a failure in advance (failures+1), sets the next
	// allowed time to now + delay(failures) and returns 0.
	ClaimBackoff(ctx context.Context, key string, now time.Time, forgetAfter time.Duration, delay func(failures int) time.Duration) (time.Duration, error)
	// ForgetBackoff removes key's record (after a successful attempt).
	ForgetBackoff(ctx context.Context, key string) error
	// SweepThrottle deletes counters whose windows have ended and backoff
	// records untouched since before olderThan.
	SweepThrottle(ctx context.Context, now, olderThan time.Time) (int64, error)
}

// Limits are the rate limits of the public forms, in app so that every
// instance applies the same rule to the same shared counters. Whole
// hospitals and schools share one address, so the per-address limits are
// generous; the per-account backoff is what stops guessing one password.
type Limits struct {
	Throttle Throttle
	Now      func() time.Time

	SignInPerAddressAndEmail int // sign-in attempts a minute from one address for one email
	SignInPerAddress         int // sign-in attempts a minute from one address, whatever the email
	RegisterPerAddress       int // registrations attempted a minute from one address
	VerifyPerAddress         int // certificate look-ups a minute from one address
}

// DefaultLimits are the limits a deployment gets unless it sets its own.
func DefaultLimits(t Throttle, now func() time.Time) *Limits {
	return &Limits{Throttle: t, Now: now, SignInPerAddressAndEmail: 10, SignInPerAddress: 60, RegisterPerAddress: 30, VerifyPerAddress: 30}
}

// Backoff for one account: the first FreeFailures failed sign-ins in a row
// cost nothing; each one after doubles the wait before the next attempt,
// from one second up to MaxBackoff. It is a delay, never a lockout: an
// attacker can make the owner wait at most MaxBackoff, and only by
// spending guesses at that rate, which caps guessing one account at about
// 150 a day (NIST SP 800-63B asks for no more than 100 consecutive
// failures; a success starts again from nothing).
const (
	FreeFailures  = 5
	MaxBackoff    = 10 * time.Minute
	forgetFailure = time.Hour
)

// BackoffDelay is how long an account waits before the next sign-in after
// failures failed ones in a row.
func BackoffDelay(failures int) time.Duration {
	if failures < FreeFailures {
		return 0
	}
	n := failures - FreeFailures
	if n > 20 { // the shift below would overflow long after the cap
		return MaxBackoff
	}
	return min(time.Second<<n, MaxBackoff)
}

// tooMany is the ETOOMANY error a limit answers, naming the limit (for the
// log) and saying how long to wait.
func tooMany(limit string, wait time.Duration) error {
	if wait < time.Second {
		wait = time.Second
	}
	what := "a minute"
	if wait < 50*time.Second {
		what = fmt.Sprintf("%d seconds", int((wait+time.Second-1)/time.Second))
	} else if wait > 90*time.Second {
		what = fmt.Sprintf("%d minutes", int((wait+time.Minute-1)/time.Minute))
	}
	return &Error{Code: ETOOMANY, Message: "You have tried this too many times in a short time. Wait " + what + " and try again.",
		RetryAfter: wait, Limit: limit}
}

// limitKey is the stored form of a counter's key: a hash, so the table
// holds no address or email.
func limitKey(parts ...string) string { return HashToken(strings.Join(parts, "\x00")) }

func (l *Limits) hit(ctx context.Context, limit string, max int, parts ...string) error {
	if l == nil || max <= 0 {
		return nil
	}
	now := l.Now()
	n, err := l.Throttle.HitThrottle(ctx, limitKey(append([]string{limit}, parts...)...), time.Minute, now)
	if err != nil {
		return fmt.Errorf("count %s: %w", limit, err)
	}
	if n > max {
		return tooMany(limit, now.Truncate(time.Minute).Add(time.Minute).Sub(now))
	}
	return nil
}

// SignIn counts a sign-in attempt from address for email against the
// per-address-and-email and per-address limits. ETOOMANY when either is
// spent.
func (l *Limits) SignIn(ctx context.Context, address, email string) error {
	if l == nil {
		return nil
	}
	if err := l.hit(ctx, "sign-in per address", l.SignInPerAddress, address); err != nil {
		return err
	}
	return l.hit(ctx, "sign-in per address and email", l.SignInPerAddressAndEmail, address, NormaliseEmail(email))
}

// SignInAtProvider counts the start of a sign-in at an organisation's
// provider from address against the per-address sign-in limit, shared
// with password attempts (there is no email yet to count it by).
func (l *Limits) SignInAtProvider(ctx context.Context, address string) error {
	if l == nil {
		return nil
	}
	return l.hit(ctx, "sign-in per address", l.SignInPerAddress, address)
}

// SignInFromProvider counts a provider's answer arriving from address:
// the same limit as starting one, counted apart so a sign-in costs one of
// each.
func (l *Limits) SignInFromProvider(ctx context.Context, address string) error {
	if l == nil {
		return nil
	}
	return l.hit(ctx, "sign-in return per address", l.SignInPerAddress, address)
}

// Register counts a registration attempt from address.
func (l *Limits) Register(ctx context.Context, address string) error {
	if l == nil {
		return nil
	}
	return l.hit(ctx, "registration per address", l.RegisterPerAddress, address)
}

// Verify counts a certificate look-up from address.
func (l *Limits) Verify(ctx context.Context, address string) error {
	if l == nil {
		return nil
	}
	return l.hit(ctx, "verification per address", l.VerifyPerAddress, address)
}

// claimAccount claims one sign-in attempt for the account with this
// (normalised) email, whether or not such an account exists, so the answer
// reveals nothing. ETOOMANY while the account's backoff runs.
func (l *Limits) claimAccount(ctx context.Context, emailNorm string) error {
	if l == nil {
		return nil
	}
	wait, err := l.Throttle.ClaimBackoff(ctx, limitKey("account", emailNorm), l.Now(), forgetFailure, BackoffDelay)
	if err != nil {
		return fmt.Errorf("claim sign-in attempt: %w", err)
	}
	if wait > 0 {
		return tooMany("sign-in per account", wait)
	}
	return nil
}

// accountSucceeded clears the account's failures after a correct password.
func (l *Limits) accountSucceeded(ctx context.Context, emailNorm string) error {
	if l == nil {
		return nil
	}
	if err := l.Throttle.ForgetBackoff(ctx, limitKey("account", emailNorm)); err != nil {
		return fmt.Errorf("forget sign-in failures: %w", err)
	}
	return nil
}

// Sweep deletes spent counters; run it from one instance now and then.
func (l *Limits) Sweep(ctx context.Context) (int64, error) {
	now := l.Now()
	return l.Throttle.SweepThrottle(ctx, now, now.Add(-24*time.Hour))
}
