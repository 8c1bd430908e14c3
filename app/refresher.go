package app

import (
	"context"
	"fmt"
	"time"
)

// The refresher cycle: a certificate is valid for the course's validity
// months; from RefresherWindow before it expires, and at any time after,
// the learner may take the course again. A new cycle reopens the modules
// with no answers; the earlier cycle's attempts, evaluation and
// certificate are kept, and that certificate stays valid until its own
// expiry. Completing the new cycle issues a new certificate with its own
// code and expiry.

// MayStartRefresher reports whether the learner may start the course
// again at now: this cycle is complete, its certificate is not revoked,
// and it is due for refresher or expired.
func (p *Progress) MayStartRefresher(now time.Time) bool {
	c := p.Certificate
	if !p.Completed() || c == nil || c.RevokedAt != nil {
		return false
	}
	v := ValidityAt(&c.ExpiresAt, now)
	return v == RefresherDue || v == Expired
}

// RefresherOpensAt is when the learner may start the course again, for a
// certificate that expires at expires.
func RefresherOpensAt(expires time.Time) time.Time { return expires.Add(-RefresherWindow) }

// StartRefresher starts the learner's next cycle through the course.
// ECONFLICT (saying when it opens) before the refresher window, or when
// the course is not complete or the certificate was revoked.
func (l *Learning) StartRefresher(ctx context.Context, userID int64) error {
	now := l.Now()
	err := l.Store.StartCycle(ctx, userID, l.Course.ID, now, func(rec *LearnerRecord) error {
		p := l.progressOf(rec.Modules)
		p.Evaluated, p.Certificate = rec.Evaluated, rec.Certificate
		if p.MayStartRefresher(now) {
			return nil
		}
		if p.Completed() && p.Certificate != nil && p.Certificate.RevokedAt == nil {
			return Errorf(ECONFLICT, "Your refresher opens on %s, 60 days before your certificate expires.", RefresherOpensAt(p.Certificate.ExpiresAt).Format("2 January 2006"))
		}
		return Errorf(ECONFLICT, "You can start a refresher once you have completed the course and your certificate is due for renewal.")
	})
	if err != nil {
		return fmt.Errorf("start refresher for user %d: %w", userID, err)
	}
	return nil
}
