package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Message is one email as the domain composes it: a plain-text part and a
// simple HTML part with the same words. Subjects never say more than a
// learner would want on a shared screen.
type Message struct {
	To          string
	Kind        string // what it is about, e.g. "password_reset"; shown to administrators
	Subject     string
	Text        string
	HTML        string
	Unsubscribe string // one-click unsubscribe URL, for non-essential messages only
	UserID      *int64 // the account it concerns, if any
}

// EmailStatus is where an outbox email stands.
type EmailStatus string

// Email statuses. queued: waiting for its first attempt; retrying: an
// attempt failed and another is scheduled; sent: the mail server accepted
// it; failed: the mail server refused it for good or every attempt failed.
const (
	EmailQueued   EmailStatus = "queued"
	EmailRetrying EmailStatus = "retrying"
	EmailSent     EmailStatus = "sent"
	EmailFailed   EmailStatus = "failed"
)

// Email is one message in the outbox with its delivery state. Once sent,
// its body is removed (it may hold a link that signs someone in).
type Email struct {
	ID int64
	Message
	Status    EmailStatus
	Attempts  int
	LastReply string // the mail server's reply to the last failed attempt
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    *time.Time
}

// MailStore keeps the outbox. Implemented by app/store; ENOTFOUND for a
// missing email. Only Mail calls it.
type MailStore interface {
	// AddEmail writes a queued email; call it inside the transaction of the
	// event that causes the email.
	AddEmail(ctx context.Context, e *Email) error
	Email(ctx context.Context, id int64) (*Email, error)
	// MarkEmailSent records delivery and removes the body.
	MarkEmailSent(ctx context.Context, id int64, attempts int, at time.Time) error
	// MarkEmailFailure records a failed attempt: retrying or failed.
	MarkEmailFailure(ctx context.Context, id int64, status EmailStatus, attempts int, reply string, at time.Time) error
	// Emails lists the most recent emails without their bodies, newest first.
	Emails(ctx context.Context, limit int) ([]Email, error)
}

// MailCounter counts outbox emails by status, for the operators' metrics
// (queue depth and failures). Implemented by app/store.
type MailCounter interface {
	EmailCounts(ctx context.Context) (map[EmailStatus]int, error)
}

// Job is a unit of background work: a value that names its kind and is
// kept as JSON until a worker runs it.
type Job interface{ Kind() string }

// Jobs queues background work in the database every instance shares.
// Implemented by app/jobs.
type Jobs interface {
	// Enqueue adds job inside tx, a Store given by Store.InTx: the job
	// exists if, and only if, that transaction commits.
	Enqueue(ctx context.Context, tx Store, job Job) error
}

// EmailJob delivers one outbox email.
type EmailJob struct {
	EmailID int64 `json:"email_id"`
}

// Kind implements Job.
func (EmailJob) Kind() string { return "email" }

// MailSender hands a message to a mail server. Implemented by app/mail.
// An error that has a Permanent() bool method returning true means the
// server refused the message for good (a 5xx reply): it is not retried.
type MailSender interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent wraps a delivery error that must not be retried.
var ErrPermanent = errors.New("permanent delivery failure")

// Mail is the outbox: Queue writes an email in the transaction of its
// cause, and a background job calls Deliver to send it. With no Sender (no
// SMTP_URL), Queue does nothing and Enabled is false.
type Mail struct {
	Store       MailStore
	Jobs        Jobs
	Sender      MailSender
	Partnership string
	BaseURL     string // public URL, no trailing slash, for links
	HelpContact string
	Now         func() time.Time
}

// Enabled reports whether email is sent at all.
func (m *Mail) Enabled() bool { return m != nil && m.Sender != nil }

// Queue puts msg in the outbox inside tx (a Store from InTx), with its
// delivery job. A crash before the commit leaves neither; after it, both.
func (m *Mail) Queue(ctx context.Context, tx Store, msg Message) error {
	if !m.Enabled() {
		return nil
	}
	ms, ok := tx.(MailStore)
	if !ok {
		return fmt.Errorf("queue email: store %T keeps no outbox", tx)
	}
	now := m.Now()
	e := &Email{Message: msg, Status: EmailQueued, CreatedAt: now, UpdatedAt: now}
	if err := ms.AddEmail(ctx, e); err != nil {
		return fmt.Errorf("queue %s email: %w", msg.Kind, err)
	}
	if err := m.Jobs.Enqueue(ctx, tx, EmailJob{EmailID: e.ID}); err != nil {
		return fmt.Errorf("enqueue delivery of email %d: %w", e.ID, err)
	}
	return nil
}

// Deliver sends one outbox email: attempt counts from 1, and final says no
// attempt will follow this one. An email already sent is not sent again. A
// failure is recorded with the server's reply and returned, so the queue
// retries it with back-off; a permanent refusal wraps ErrPermanent.
func (m *Mail) Deliver(ctx context.Context, id int64, attempt int, final bool) error {
	e, err := m.Store.Email(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil // erased with its account: nothing to send
	}
	if err != nil {
		return fmt.Errorf("load email %d: %w", id, err)
	}
	if e.Status == EmailSent || e.Status == EmailFailed {
		return nil
	}
	if m.Sender == nil {
		return fmt.Errorf("deliver email %d: %w: no mail server configured", id, ErrPermanent)
	}
	sendErr := m.Sender.Send(ctx, e.Message)
	now := m.Now()
	if sendErr == nil {
		if err := m.Store.MarkEmailSent(ctx, id, attempt, now); err != nil {
			return fmt.Errorf("mark email %d sent: %w", id, err)
		}
		return nil
	}
	var p interface{ Permanent() bool }
	permanent := errors.As(sendErr, &p) && p.Permanent()
	status := EmailRetrying
	if permanent || final {
		status = EmailFailed
	}
	if err := m.Store.MarkEmailFailure(ctx, id, status, attempt, smtpReply(sendErr), now); err != nil {
		return fmt.Errorf("record failed delivery of email %d: %w", id, err)
	}
	if permanent {
		return fmt.Errorf("deliver email %d: %w: %v", id, ErrPermanent, sendErr)
	}
	return fmt.Errorf("deliver email %d: %w", id, sendErr)
}

// smtpReply keeps the part of an error worth showing an administrator:
// one line, bounded.
func smtpReply(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// Deliveries lists recent emails for an administrator, without bodies.
func (m *Mail) Deliveries(ctx context.Context, actor *User) ([]Email, error) {
	if !actor.Has(RoleAdmin) {
		return nil, forbidden()
	}
	return m.Store.Emails(ctx, 200)
}

// URL is an absolute link to a path of this service.
func (m *Mail) URL(path string) string { return m.BaseURL + path }
