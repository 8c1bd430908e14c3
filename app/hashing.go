package app

import (
	"context"
	"time"
)

// PasswordHashing bounds how many argon2id hashes run at once. Each takes
// 19 MiB and a core for tens of milliseconds, so unbounded sign-ins are a
// memory and CPU denial of service. Beyond the bound a request waits up to
// Wait for a turn, then gets EUNAVAILABLE (503 with Retry-After) instead
// of queueing without end. A nil *PasswordHashing does not bound anything.
type PasswordHashing struct {
	slots chan struct{}
	wait  time.Duration
}

// NewPasswordHashing allows concurrent hashes at once (at least one), each
// further one waiting up to wait for a turn.
func NewPasswordHashing(concurrent int, wait time.Duration) *PasswordHashing {
	return &PasswordHashing{slots: make(chan struct{}, max(1, concurrent)), wait: wait}
}

// HashMemoryBytes is what one hash holds while it runs.
const HashMemoryBytes = argonMemory * 1024

// HashConcurrencyFor is the default bound: one hash per core, and no more
// than a quarter of memoryLimit (when known, > 0) spent on hashing.
func HashConcurrencyFor(cores int, memoryLimit int64) int {
	n := max(1, cores)
	if memoryLimit > 0 {
		n = min(n, int(memoryLimit/4/HashMemoryBytes))
	}
	return max(1, n)
}

func busy() error {
	return &Error{Code: EUNAVAILABLE, Message: "The service is busy. Wait a few seconds and try again.", RetryAfter: 5 * time.Second}
}

func (h *PasswordHashing) acquire(ctx context.Context) (release func(), err error) {
	if h == nil {
		return func() {}, nil
	}
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	case <-t.C:
		return nil, busy()
	case <-ctx.Done():
		return nil, busy()
	}
}

// Hash hashes a password within the bound.
func (h *PasswordHashing) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password), nil
}

// Check checks a password against a hash within the bound.
func (h *PasswordHashing) Check(ctx context.Context, hash, password string) (bool, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return CheckPassword(hash, password), nil
}
