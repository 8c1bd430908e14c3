package app

import (
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
