package app

import (
	"context"
	"fmt"
	"strings"
)

// LTIAdmin is what the administrators' platform pages show.
type LTIAdmin struct {
	Platforms []LTIPlatform
	Scores    map[int64]map[string]int // platform ID → status → count
}

func mayAdminister(u *User) bool { return u != nil && u.Has(RoleAdmin) }

// Platforms lists the registered platforms with their score deliveries.
// EFORBIDDEN unless actor is an administrator.
func (l *LTI) Platforms(ctx context.Context, actor *User) (*LTIAdmin, error) {
	if !mayAdminister(actor) {
		return nil, forbidden()
	}
	ps, err := l.Store.LTIPlatforms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list lti platforms: %w", err)
	}
	out := &LTIAdmin{Platforms: ps, Scores: map[int64]map[string]int{}}
	for _, p := range ps {
		if out.Scores[p.ID], err = l.Store.LTIScoreCounts(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("count lti scores: %w", err)
		}
	}
	return out, nil
}

// Platform returns one platform. EFORBIDDEN unless actor is an
// administrator; ENOTFOUND if there is none.
func (l *LTI) Platform(ctx context.Context, actor *User, id int64) (*LTIPlatform, error) {
	if !mayAdminister(actor) {
		return nil, forbidden()
	}
	p, err := l.Store.LTIPlatform(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "There is no such platform.")
	}
	return p, err
}

// SavePlatform registers a platform (id 0) or changes one, audited.
// EFORBIDDEN unless actor is an administrator; EINVALID for the form;
// ECONFLICT when another platform has the same issuer and client ID.
func (l *LTI) SavePlatform(ctx context.Context, actor *User, id int64, f LTIPlatformForm) (*LTIPlatform, error) {
	if !mayAdminister(actor) {
		return nil, forbidden()
	}
	p, err := f.Parse()
	if err != nil {
		return nil, err
	}
	p.ID, p.UpdatedAt = id, l.Now()
	action := "registered LTI platform"
	if id != 0 {
		action = "changed LTI platform"
	}
	audit := &AuditEntry{ActorID: actor.ID, Action: action, Detail: fmt.Sprintf("%s (%s, client %s, deployments %s)", p.Name, p.Issuer, p.ClientID, strings.Join(p.DeploymentIDs, ", ")), CreatedAt: p.UpdatedAt}
	err = l.Store.SaveLTIPlatform(ctx, p, audit)
	if ErrorCode(err) == ECONFLICT {
		return nil, &Error{Code: EINVALID, Message: "Correct the platform's details.", Fields: []FieldError{{Field: "client_id", Message: "Another platform is registered with this platform ID and client ID"}}}
	}
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "There is no such platform.")
	}
	if err != nil {
		return nil, fmt.Errorf("save lti platform: %w", err)
	}
	return p, nil
}

// KeySet adds the tool's public keys to doc, the JWK Set published at
// LTIKeySetPath.
func (l *LTI) KeySet(ctx context.Context, doc []byte) ([]byte, error) {
	return l.Protocol.MergeKeySet(ctx, doc)
}

// RotateKey makes a fresh tool key current, audited, and returns its ID.
// EFORBIDDEN unless actor is an administrator.
func (l *LTI) RotateKey(ctx context.Context, actor *User) (string, error) {
	if !mayAdminister(actor) {
		return "", forbidden()
	}
	kid, err := l.Protocol.RotateKey(ctx)
	if err != nil {
		return "", fmt.Errorf("rotate lti key: %w", err)
	}
	if err := l.Store.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: "rotated the LTI tool key", Detail: "new key " + kid, CreatedAt: l.Now()}); err != nil {
		return "", err
	}
	return kid, nil
}
