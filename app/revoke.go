package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// RevokeReason checks a reason for revoking a certificate and returns it
// trimmed: required, at most 500 characters. Returns EINVALID on the
// "reason" field otherwise. Revoke applies it; the web layer also applies
// it before asking "are you sure", so a confirmation never shows a reason
// that would be refused.
func RevokeReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return "", Invalid([]FieldError{{Field: "reason", Message: "Enter the reason for revoking, in 500 characters or fewer"}})
	}
	return reason, nil
}

// PublicRevokeReason checks the optional reason the verification page
// shows and returns it with its spaces tidied: at most
// MaxPublicReasonLength characters. Returns EINVALID on "public_reason".
func PublicRevokeReason(publicReason string) (string, error) {
	publicReason = strings.Join(strings.Fields(publicReason), " ")
	if utf8.RuneCountInString(publicReason) > MaxPublicReasonLength {
		return "", Invalid([]FieldError{{Field: "public_reason", Message: fmt.Sprintf("The public reason must be %d characters or fewer", MaxPublicReasonLength)}})
	}
	return publicReason, nil
}

// Revoke revokes a certificate with a reason; verification then says so.
func (o *Oversight) Revoke(ctx context.Context, actor *User, learnerID int64, reason string) error {
	return o.RevokeWithNotice(ctx, actor, learnerID, reason, "")
}

// RevokeWithNotice is Revoke with a public reason, which the verification
// page and its JSON show (optional; the reason itself stays in the audit
// trail).
func (o *Oversight) RevokeWithNotice(ctx context.Context, actor *User, learnerID int64, reason, publicReason string) error {
	if !mayCoordinate(actor) {
		return forbidden()
	}
	reason, err := RevokeReason(reason)
	if err != nil {
		return err
	}
	if publicReason, err = PublicRevokeReason(publicReason); err != nil {
		return err
	}
	cert, err := o.Learning.Certificate(ctx, learnerID)
	if err != nil {
		return err
	}
	if cert.RevokedAt != nil {
		return Errorf(ECONFLICT, "This certificate is already revoked.")
	}
	now := o.Now()
	return o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.RevokeCertificate(ctx, cert.Code, reason, now); err != nil {
			return err
		}
		if publicReason != "" {
			notices, ok := tx.(CertificateNotices)
			if !ok {
				return fmt.Errorf("store %T cannot keep a public revocation reason", tx)
			}
			if err := notices.SetPublicReason(ctx, cert.Code, publicReason); err != nil {
				return err
			}
		}
		return o.audit(ctx, rs, actor, "revoked certificate", &learnerID, reason)
	})
}

// Reissue issues a fresh certificate (new code, the learner's current name,
// the original completion date and expiry) and marks the previous one
// revoked and replaced. For a changed name or a revoked-in-error certificate.
func (o *Oversight) Reissue(ctx context.Context, actor *User, learnerID int64) (*Certificate, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	old, err := o.Learning.Certificate(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	u, err := o.Store.UserByID(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	now := o.Now()
	fresh := o.Learning.newCertificate(u, now)
	fresh.CompletedAt, fresh.ExpiresAt, fresh.Cycle = old.CompletedAt, old.ExpiresAt, old.Cycle
	err = o.Store.InTx(ctx, func(tx Store) error {
		rs := tx.(ReportStore)
		if err := rs.ReissueCertificate(ctx, old.Code, fresh, now); err != nil {
			return err
		}
		return o.audit(ctx, rs, actor, "reissued certificate", &learnerID, "")
	})
	if err != nil {
		return nil, fmt.Errorf("reissue certificate for user %d: %w", learnerID, err)
	}
	return fresh, nil
}
