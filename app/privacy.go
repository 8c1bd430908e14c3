package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PrivacyNotice is what the privacy page says, from configuration.
type PrivacyNotice struct {
	Controller      string // the data controller: the partnership
	Contact         string // where to ask about personal data
	RetentionMonths int    // accounts with no sign-in for this long are erased
}

// RetentionText is the retention period in words: "6 years".
func (p PrivacyNotice) RetentionText() string {
	switch m := p.RetentionMonths; {
	case m%12 == 0 && m == 12:
		return "1 year"
	case m%12 == 0:
		return fmt.Sprintf("%d years", m/12)
	default:
		return fmt.Sprintf("%d months", m)
	}
}

// HolderErased reports whether the person a certificate was issued to had
// their details erased at their request: erasure removes the name, which
// every certificate otherwise has.
func (c *Certificate) HolderErased() bool { return c.LearnerName == "" }

// ErasureWarning is how long before scheduled erasure the warning goes.
const ErasureWarning = 30 * 24 * time.Hour

// DataExport is everything kept about one person, for "Download my data".
type DataExport struct {
	Account      ExportAccount       `json:"account"`
	Modules      []ExportModule      `json:"modules"`
	Evaluation   *Evaluation         `json:"evaluation,omitempty"`
	Certificates []Certificate       `json:"certificates"`
	Confirmation *Confirmation       `json:"confirmation,omitempty"`
	Emails       []ExportEmail       `json:"emails"`
	Audit        []ExportAuditRecord `json:"changes_to_your_record"`
	Preferences  map[Topic]bool      `json:"email_choices"`
}

// ExportAccount is the account part of an export (never the password hash).
type ExportAccount struct {
	Name            string     `json:"name"`
	Email           string     `json:"email"`
	EmailVerifiedAt *time.Time `json:"email_verified_at,omitempty"`
	Organisation    string     `json:"organisation"`
	JobRole         string     `json:"job_role"`
	ManagerEmail    string     `json:"line_manager_email,omitempty"`
	Roles           []string   `json:"roles"`
	RegisteredAt    time.Time  `json:"registered_at"`
}

// ExportModule is one module's progress, answers and attempts.
type ExportModule struct {
	ModuleID string          `json:"module"`
	Title    string          `json:"title"`
	Progress *ModuleProgress `json:"progress,omitempty"`
	Answers  Answers         `json:"answers"`
	Attempts []Attempt       `json:"attempts"`
}

// ExportEmail is one email sent to the person, without its body.
type ExportEmail struct {
	Subject string      `json:"subject"`
	Status  EmailStatus `json:"status"`
	Queued  time.Time   `json:"queued_at"`
	Sent    *time.Time  `json:"sent_at,omitempty"`
}

// ExportAuditRecord is one change someone made to the person's record.
type ExportAuditRecord struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
}

// PrivacyStore is what privacy needs beyond Store. Implemented by app/store.
type PrivacyStore interface {
	Store
	TokenStore
	MailStore
	PreferenceStore
	AddAudit(ctx context.Context, e *AuditEntry) error
	Confirmation(ctx context.Context, learnerID int64, courseID string) (*Confirmation, error)
	// CertificatesOf lists every certificate issued to a user, newest first.
	CertificatesOf(ctx context.Context, userID int64) ([]Certificate, error)
	// EmailsTo lists the emails queued for a user, newest first, without bodies.
	EmailsTo(ctx context.Context, userID int64) ([]Email, error)
	// AuditAbout lists the audit entries whose subject is the user.
	AuditAbout(ctx context.Context, userID int64) ([]AuditEntry, error)
	// EraseUser removes a user's personal data in one transaction (see
	// Privacy.Erase). ENOTFOUND if there is no such user or it is erased.
	EraseUser(ctx context.Context, userID int64, at time.Time) error
	// InactiveUsers lists users to warn (no activity since before warnBefore
	// and not warned since) and to erase (warned before eraseWarnedBefore,
	// with no activity since the warning). Administrators are never listed.
	InactiveUsers(ctx context.Context, warnBefore, eraseWarnedBefore time.Time, limit int) (warn, erase []User, err error)
	MarkErasureWarned(ctx context.Context, userID int64, at time.Time) error
}

// Privacy is what UK GDPR asks of the service: a notice, a person's own
// data on request, erasure on request, and erasure after long inactivity.
type Privacy struct {
	Store  PrivacyStore
	Course *Course
	Mail   *Mail
	Notice PrivacyNotice
	Now    func() time.Time
}

// Export gathers everything kept about u, and records that it was taken.
func (p *Privacy) Export(ctx context.Context, u *User) (*DataExport, error) {
	x := &DataExport{Account: ExportAccount{Name: u.Name, Email: u.Email, EmailVerifiedAt: u.EmailVerifiedAt, Organisation: u.Organisation,
		JobRole: u.JobRole, ManagerEmail: u.ManagerEmail, Roles: u.Roles, RegisteredAt: u.CreatedAt}}
	rec, err := p.Store.LearnerRecord(ctx, u.ID, p.Course.ID)
	if err != nil {
		return nil, fmt.Errorf("export progress: %w", err)
	}
	progress := rec.Modules
	for _, m := range p.Course.Modules {
		em := ExportModule{ModuleID: m.ID, Title: m.Title}
		for i := range progress {
			if progress[i].ModuleID == m.ID {
				em.Progress = &progress[i]
			}
		}
		k := ModuleKey{UserID: u.ID, CourseID: p.Course.ID, ModuleID: m.ID}
		if em.Answers, err = p.Store.Answers(ctx, k); err != nil {
			return nil, fmt.Errorf("export answers: %w", err)
		}
		if em.Attempts, err = p.Store.Attempts(ctx, k); err != nil {
			return nil, fmt.Errorf("export attempts: %w", err)
		}
		x.Modules = append(x.Modules, em)
	}
	if ev, err := p.Store.Evaluation(ctx, u.ID, p.Course.ID); err == nil {
		x.Evaluation = ev
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if c, err := p.Store.Confirmation(ctx, u.ID, p.Course.ID); err == nil {
		x.Confirmation = c
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if x.Certificates, err = p.Store.CertificatesOf(ctx, u.ID); err != nil {
		return nil, err
	}
	emails, err := p.Store.EmailsTo(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range emails {
		x.Emails = append(x.Emails, ExportEmail{Subject: e.Subject, Status: e.Status, Queued: e.CreatedAt, Sent: e.SentAt})
	}
	audit, err := p.Store.AuditAbout(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range audit {
		x.Audit = append(x.Audit, ExportAuditRecord{At: a.CreatedAt, By: a.ActorName, Action: a.Action})
	}
	if x.Preferences, err = p.Store.EmailPreferences(ctx, u.ID); err != nil {
		return nil, err
	}
	if err := p.Store.AddAudit(ctx, &AuditEntry{ActorID: u.ID, Action: "downloaded own data", SubjectUserID: &u.ID, CreatedAt: p.Now()}); err != nil {
		return nil, err
	}
	return x, nil
}

// ExportRows flattens an export for CSV: section, item, field, value.
func (x *DataExport) ExportRows() [][]string {
	rows := [][]string{{"Section", "Item", "Field", "Value"}}
	add := func(section, item, field, value string) {
		rows = append(rows, []string{section, item, field, CSVCell(value)})
	}
	t := func(v *time.Time) string {
		if v == nil {
			return ""
		}
		return v.UTC().Format(time.RFC3339)
	}
	a := x.Account
	add("account", "", "name", a.Name)
	add("account", "", "email", a.Email)
	add("account", "", "email_verified_at", t(a.EmailVerifiedAt))
	add("account", "", "organisation", a.Organisation)
	add("account", "", "job_role", a.JobRole)
	add("account", "", "line_manager_email", a.ManagerEmail)
	add("account", "", "roles", strings.Join(a.Roles, ", "))
	add("account", "", "registered_at", t(&a.RegisteredAt))
	for _, m := range x.Modules {
		if m.Progress != nil {
			add("module", m.ModuleID, "started_at", t(&m.Progress.StartedAt))
			add("module", m.ModuleID, "passed_at", t(m.Progress.PassedAt))
			add("module", m.ModuleID, "attempts", fmt.Sprint(m.Progress.Attempts))
		}
		for q, ans := range m.Answers {
			add("answer", m.ModuleID+"/"+q, "options", strings.Join(ans.Options, ", "))
			if ans.Text != "" {
				add("answer", m.ModuleID+"/"+q, "text", ans.Text)
			}
		}
		for _, at := range m.Attempts {
			add("attempt", fmt.Sprintf("%s/%d", m.ModuleID, at.Number), "result", fmt.Sprintf("%d%% (%d of %d), passed: %v, at %s", at.Percent, at.Correct, at.Total, at.Passed, t(&at.CreatedAt)))
		}
	}
	if e := x.Evaluation; e != nil {
		for k, v := range e.Ratings {
			add("evaluation", k, "rating", fmt.Sprint(v))
		}
		for k, v := range e.Comments {
			add("evaluation", k, "comment", v)
		}
	}
	for _, c := range x.Certificates {
		add("certificate", FormatCode(c.Code), "issued_at", t(&c.IssuedAt))
		add("certificate", FormatCode(c.Code), "expires_at", t(&c.ExpiresAt))
		add("certificate", FormatCode(c.Code), "revoked_at", t(c.RevokedAt))
	}
	if c := x.Confirmation; c != nil {
		add("confirmation", "", "confirmed_by", c.ManagerName)
		add("confirmation", "", "confirmed_at", t(&c.ConfirmedAt))
		add("confirmation", "", "note", c.Note)
	}
	for _, e := range x.Emails {
		add("email", t(&e.Queued), e.Subject, string(e.Status))
	}
	for _, a := range x.Audit {
		add("change", t(&a.At), a.By, a.Action)
	}
	for topic, on := range x.Preferences {
		add("email_choice", string(topic), "on", fmt.Sprint(on))
	}
	return rows
}

// Erase removes a person's personal data at their request, by an
// administrator: name, email, job role, manager, answers and reflections,
// evaluation comments, sessions, links and emails. Attempts and ratings
// stay, no longer linked to a person, for the partnership's figures; a
// certificate stays verifiable and says the holder's details were removed.
// reason is recorded in the audit trail (it must not name the person).
func (p *Privacy) Erase(ctx context.Context, actor *User, userID int64, reason string) error {
	if !actor.Has(RoleAdmin) {
		return forbidden()
	}
	if userID == actor.ID {
		return Errorf(EFORBIDDEN, "Another administrator must erase your own account.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return Invalid([]FieldError{{Field: "erase_reason", Message: "Enter how the request was made, in 200 characters or fewer, without the person's name"}})
	}
	now := p.Now()
	return p.Store.InTx(ctx, func(tx Store) error {
		ps := tx.(PrivacyStore)
		if err := ps.EraseUser(ctx, userID, now); err != nil {
			return err
		}
		return ps.AddAudit(ctx, &AuditEntry{ActorID: actor.ID, Action: "erased account on request", SubjectUserID: &userID, Detail: reason, CreatedAt: now})
	})
}

// EraseInactive warns accounts that have been inactive for nearly the
// retention period and erases those warned ErasureWarning ago that have
// not signed in since. Run daily by a periodic job; returns how many it
// warned and erased. Without mail nobody can be warned, so nobody is erased.
func (p *Privacy) EraseInactive(ctx context.Context) (warned, erased int, err error) {
	if !p.Mail.Enabled() || p.Notice.RetentionMonths <= 0 {
		return 0, 0, nil
	}
	now := p.Now()
	cutoff := now.AddDate(0, -p.Notice.RetentionMonths, 0)
	warn, erase, err := p.Store.InactiveUsers(ctx, cutoff.Add(ErasureWarning), now.Add(-ErasureWarning), 500)
	if err != nil {
		return 0, 0, fmt.Errorf("list inactive accounts: %w", err)
	}
	for i := range warn {
		u := &warn[i]
		err := p.Store.InTx(ctx, func(tx Store) error {
			if err := tx.(PrivacyStore).MarkErasureWarned(ctx, u.ID, now); err != nil {
				return err
			}
			return p.Mail.Queue(ctx, tx, p.Mail.compose(letter{Kind: "erasure_warning", To: u.Email, UserID: &u.ID,
				Subject: "Your training account will be deleted", Greeting: greeting(u.Name),
				Before: []string{"Nobody has signed in to your " + p.Mail.Partnership + " training account for a long time. We keep accounts for " + p.Notice.RetentionText() + " after they were last used, so we will delete yours and your training records on or after " + now.Add(ErasureWarning).Format("2 January 2006") + "."},
				Action: "Sign in to keep your account", ActionURL: p.Mail.URL("/sign-in"),
				After: []string{"If you no longer need it, you do not need to do anything."}}))
		})
		if err != nil {
			return warned, erased, fmt.Errorf("warn user %d of erasure: %w", u.ID, err)
		}
		warned++
	}
	for i := range erase {
		u := &erase[i]
		err := p.Store.InTx(ctx, func(tx Store) error {
			ps := tx.(PrivacyStore)
			if err := ps.EraseUser(ctx, u.ID, now); err != nil {
				return err
			}
			// The account's own ID stands for the scheduled job as actor.
			return ps.AddAudit(ctx, &AuditEntry{ActorID: u.ID, Action: "erased after " + p.Notice.RetentionText() + " without use", SubjectUserID: &u.ID, Detail: "scheduled erasure", CreatedAt: now})
		})
		if err != nil {
			return warned, erased, fmt.Errorf("erase inactive user %d: %w", u.ID, err)
		}
		erased++
	}
	return warned, erased, nil
}

// ErasedPasswordHash is the stored password of an erased account: random,
// and not in the argon2id format, so no password ever matches it.
func ErasedPasswordHash() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "erased$" + hex.EncodeToString(b)
}
