package app_test

import (
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

func TestCertificateVerify(t *testing.T) {
	issued := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	expires := issued.AddDate(3, 0, 0)
	revoked := issued.AddDate(1, 0, 0)
	base := func() *app.Certificate {
		return &app.Certificate{Code: "ABCD", IssuedAt: issued, CompletedAt: issued, ExpiresAt: expires}
	}
	for _, tt := range []struct {
		name   string
		change func(*app.Certificate)
		at     time.Time
		state  string
	}{
		{"valid", func(*app.Certificate) {}, issued.AddDate(1, 0, 0), app.VerifyValid},
		{"expired at the moment of expiry", func(*app.Certificate) {}, expires, app.VerifyExpired},
		{"revoked", func(c *app.Certificate) { c.RevokedAt, c.PublicReason = &revoked, "Issued in error" }, issued.AddDate(2, 0, 0), app.VerifyRevoked},
		{"revoked wins over expired", func(c *app.Certificate) { c.RevokedAt = &revoked }, expires.AddDate(1, 0, 0), app.VerifyRevoked},
		{"replaced", func(c *app.Certificate) { c.RevokedAt, c.ReplacedBy = &revoked, "EFGH" }, issued.AddDate(2, 0, 0), app.VerifyReplaced},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.change(c)
			v := c.Verify(tt.at)
			if v.State != tt.state {
				t.Fatalf("state %s, want %s", v.State, tt.state)
			}
			// Exactly one of the dates applies, and only a valid
			// certificate has a valid-until date.
			if (v.ValidUntil != nil) != (tt.state == app.VerifyValid) || (v.ExpiredOn != nil) != (tt.state == app.VerifyExpired) ||
				(v.RevokedOn != nil) != (tt.state == app.VerifyRevoked || tt.state == app.VerifyReplaced) {
				t.Errorf("dates %+v for a %s certificate", v, tt.state)
			}
			if tt.state != app.VerifyRevoked && v.PublicReason != "" {
				t.Errorf("a %s certificate gives a revocation reason", tt.state)
			}
		})
	}
}
