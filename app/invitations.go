package app

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// TokenManager is the purpose of the link a named manager follows to
// accept a learner as their staff: Token.UserID is the learner,
// Token.Email the manager's address. Spent when accepted.
const TokenManager TokenPurpose = "manager"

// ManagerInvitationTTL is how long a named manager's link works.
const ManagerInvitationTTL = 30 * 24 * time.Hour

// InvitationStore is what manager invitations keep. Implemented by app/store.
type InvitationStore interface {
	AccountStore
	PreferenceStore
	SetRoles(ctx context.Context, userID int64, roles []string) error
	AcceptStaff(ctx context.Context, managerID, learnerID int64, at time.Time) error
	MarkNotified(ctx context.Context, key string, userID *int64, at time.Time) (bool, error)
}

// ManagerNamed tells, inside tx, the manager a learner named: with an
// account, a notification with a link to accept; without one, an
// invitation whose link, once they have an account with that verified
// address, makes them this learner's manager-to-accept. Sent once per
// learner and manager address.
func (m *Mail) ManagerNamed(ctx context.Context, tx Store, learner *User) error {
	if !m.Enabled() || learner.ManagerEmail == "" || learner.EmailVerifiedAt == nil {
		return nil
	}
	is := tx.(InvitationStore)
	now := m.Now()
	if first, err := is.MarkNotified(ctx, fmt.Sprintf("manager_named:%d:%s", learner.ID, learner.ManagerEmail), &learner.ID, now); err != nil || !first {
		return err
	}
	token, t := newToken(TokenManager, learner.ID, learner.ManagerEmail, now, ManagerInvitationTTL)
	if err := is.CreateToken(ctx, t); err != nil {
		return fmt.Errorf("create manager invitation: %w", err)
	}
	who := learner.Name
	if learner.JobRole != "" && learner.Organisation != "" {
		who += " (" + learner.JobRole + ", " + learner.Organisation + ")"
	}
	l := letter{Kind: "manager_named", Subject: "Someone named you as their line manager",
		Before: []string{who + " named you as their line manager for their " + m.Partnership + " training. If you accept, you can see their progress and results (never their private reflections) and confirm their training when they finish."},
		Action: "Accept or ignore", ActionURL: m.URL("/manager-invitation?token=" + url.QueryEscape(token)),
		After: []string{"The link works for 30 days. If you are not their manager, ignore this email."}}
	mgr, err := tx.UserByEmail(ctx, learner.ManagerEmail)
	if err == nil {
		return m.notify(ctx, tx, mgr, TopicUpdates, l)
	}
	if ErrorCode(err) != ENOTFOUND {
		return err
	}
	l.Kind, l.To, l.Greeting = "manager_invitation", learner.ManagerEmail, "Hello,"
	l.After = append([]string{"You do not have an account yet. The link explains how to create one with this email address."}, l.After...)
	return m.Queue(ctx, tx, m.compose(l))
}

// Invitations lets a named manager accept a learner from the emailed link.
type Invitations struct {
	Store InvitationStore
	Mail  *Mail
	Now   func() time.Time
}

// Invitation states: what the person following the link must do next.
const (
	InvitationAccept       = "accept"        // signed in with the invited, verified address
	InvitationSignIn       = "sign_in"       // the address has an account: sign in
	InvitationRegister     = "register"      // no account yet: create one
	InvitationOtherAccount = "other_account" // signed in as someone else
	InvitationVerifyFirst  = "verify_first"  // signed in, address not yet confirmed
)

// InvitationView is what the invitation page shows.
type InvitationView struct {
	Learner *User
	Email   string
	State   string
}

func (iv *Invitations) load(ctx context.Context, token string) (*Token, *User, error) {
	t, err := checkToken(ctx, iv.Store, TokenManager, token, iv.Now())
	if err != nil {
		return nil, nil, err
	}
	learner, err := iv.Store.UserByID(ctx, t.UserID)
	if err != nil || learner.ManagerEmail != t.Email {
		return nil, nil, Errorf(ENOTFOUND, "This invitation is no longer current: the person has changed or removed their line manager.")
	}
	return t, learner, nil
}

// View tells the invitation page what the person following it can do.
func (iv *Invitations) View(ctx context.Context, current *User, token string) (*InvitationView, error) {
	t, learner, err := iv.load(ctx, token)
	if err != nil {
		return nil, err
	}
	v := &InvitationView{Learner: learner, Email: t.Email}
	switch {
	case current != nil && current.EmailNorm != t.Email:
		v.State = InvitationOtherAccount
	case current != nil && current.EmailVerifiedAt == nil:
		v.State = InvitationVerifyFirst
	case current != nil:
		v.State = InvitationAccept
	default:
		if _, err := iv.Store.UserByEmail(ctx, t.Email); err == nil {
			v.State = InvitationSignIn
		} else if ErrorCode(err) == ENOTFOUND {
			v.State = InvitationRegister
		} else {
			return nil, err
		}
	}
	return v, nil
}

// Accept makes the signed-in owner of the invited, verified address the
// learner's accepted manager (granting the manager role if they lack it),
// spends the link and tells the learner. Audited.
func (iv *Invitations) Accept(ctx context.Context, current *User, token string) error {
	t, learner, err := iv.load(ctx, token)
	if err != nil {
		return err
	}
	if current.EmailNorm != t.Email {
		return Errorf(EFORBIDDEN, "This invitation was sent to a different email address. Sign in with that address to accept it.")
	}
	if current.EmailVerifiedAt == nil {
		return Errorf(EFORBIDDEN, "Confirm your email address first, with the link we sent you, then follow this invitation again.")
	}
	now := iv.Now()
	return iv.Store.InTx(ctx, func(tx Store) error {
		is := tx.(InvitationStore)
		if _, err := useToken(ctx, is, TokenManager, token, now); err != nil {
			return err
		}
		if !current.Has(RoleManager) {
			if err := is.SetRoles(ctx, current.ID, append(append([]string(nil), current.Roles...), RoleManager)); err != nil {
				return err
			}
			if err := is.AddAudit(ctx, &AuditEntry{ActorID: current.ID, Action: "became a manager by accepting an invitation", SubjectUserID: &current.ID, CreatedAt: now}); err != nil {
				return err
			}
		}
		if err := is.AcceptStaff(ctx, current.ID, learner.ID, now); err != nil {
			return err
		}
		if err := is.AddAudit(ctx, &AuditEntry{ActorID: current.ID, Action: "manager accepted staff member", SubjectUserID: &learner.ID, CreatedAt: now}); err != nil {
			return err
		}
		return iv.Mail.StaffAccepted(ctx, tx, learner.ID, current)
	})
}
