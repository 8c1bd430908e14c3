package app

import (
	"context"
	"fmt"
	"time"
)

// ReminderStage is one of the refresher reminders a certificate gets.
type ReminderStage string

// Reminder stages, in the order they fall due.
const (
	Reminder60Days    ReminderStage = "60d"
	Reminder14Days    ReminderStage = "14d"
	ReminderDayBefore ReminderStage = "1d"
	ReminderExpired   ReminderStage = "expired"
)

// ReminderExpiredWindow is how long after expiry the "has expired"
// reminder may still go: a certificate that expired before reminders
// existed (or long ago) gets none.
const ReminderExpiredWindow = 30 * 24 * time.Hour

// ReminderDue is the rule for refresher reminders: the most urgent stage
// due at now for a certificate expiring at expires. From 60 days before
// expiry "60d", from 14 days "14d", from the day before "1d", and once
// after expiry (within ReminderExpiredWindow) "expired". Stages already
// passed when a certificate is first seen are skipped, not sent late.
func ReminderDue(expires, now time.Time) (ReminderStage, bool) {
	left := expires.Sub(now)
	switch {
	case left <= 0 && -left <= ReminderExpiredWindow:
		return ReminderExpired, true
	case left <= 0:
		return "", false
	case left <= 24*time.Hour:
		return ReminderDayBefore, true
	case left <= 14*24*time.Hour:
		return Reminder14Days, true
	case left <= RefresherWindow:
		return Reminder60Days, true
	}
	return "", false
}

// Expiring is a current certificate with its learner and the managers
// who accepted them.
type Expiring struct {
	Learner   User
	Code      string
	ExpiresAt time.Time
	Managers  []User
}

// ReminderStore is what reminders read and keep. Implemented by app/store.
type ReminderStore interface {
	Store
	TokenStore
	MailStore
	PreferenceStore
	// ExpiringCertificates lists current (unrevoked) certificates of a
	// course expiring after since and at or before until.
	ExpiringCertificates(ctx context.Context, courseID string, since, until time.Time) ([]Expiring, error)
	// MarkNotified records that the notification named key went: true the
	// first time, false if it already had (by any instance).
	MarkNotified(ctx context.Context, key string, userID *int64, at time.Time) (bool, error)
	// UntoldCertificates lists certificates of a course issued since then
	// whose learner was not yet told (no "certificate:<code>" notification).
	UntoldCertificates(ctx context.Context, courseID string, since time.Time) ([]Expiring, error)
}

// Reminders sends refresher reminders to learners and their accepted
// managers. Run is called by a periodic job on one instance at a time;
// each reminder is recorded in the same transaction as its emails, so
// even two runs at once send it once.
type Reminders struct {
	Store  ReminderStore
	Mail   *Mail
	Course *Course
	Now    func() time.Time
}

// Run sends every reminder due now and returns how many certificates it
// reminded about. It also tells learners of certificates issued in the
// last week whose notification a crash prevented.
func (r *Reminders) Run(ctx context.Context) (int, error) {
	if !r.Mail.Enabled() {
		return 0, nil
	}
	now := r.Now()
	untold, err := r.Store.UntoldCertificates(ctx, r.Course.ID, now.Add(-7*24*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("list untold certificates: %w", err)
	}
	for i := range untold {
		c := &Certificate{Code: untold[i].Code, CourseTitle: r.Course.Title, ExpiresAt: untold[i].ExpiresAt}
		if err := r.Mail.CertificateIssued(ctx, r.Store, &untold[i].Learner, c); err != nil {
			return 0, fmt.Errorf("tell user %d of their certificate: %w", untold[i].Learner.ID, err)
		}
	}
	due, err := r.Store.ExpiringCertificates(ctx, r.Course.ID, now.Add(-ReminderExpiredWindow), now.Add(RefresherWindow))
	if err != nil {
		return 0, fmt.Errorf("list expiring certificates: %w", err)
	}
	sent := 0
	for i := range due {
		e := &due[i]
		stage, ok := ReminderDue(e.ExpiresAt, now)
		if !ok {
			continue
		}
		var first bool
		err := r.Store.InTx(ctx, func(tx Store) error {
			rs := tx.(ReminderStore)
			var err error
			if first, err = rs.MarkNotified(ctx, "reminder:"+e.Code+":"+string(stage), &e.Learner.ID, now); err != nil || !first {
				return err
			}
			if err := r.Mail.notify(ctx, tx, &e.Learner, TopicReminders, r.learnerLetter(e, stage)); err != nil {
				return err
			}
			for j := range e.Managers {
				if err := r.Mail.notify(ctx, tx, &e.Managers[j], TopicReminders, r.managerLetter(e, stage)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("remind user %d (%s): %w", e.Learner.ID, stage, err)
		}
		if first {
			sent++
		}
	}
	return sent, nil
}

func (r *Reminders) learnerLetter(e *Expiring, stage ReminderStage) letter {
	date := e.ExpiresAt.Format("2 January 2006")
	l := letter{Kind: "reminder_" + string(stage), Action: "Go to the course", ActionURL: r.Mail.URL("/course")}
	switch stage {
	case ReminderExpired:
		l.Subject = "Your training certificate has expired"
		l.Before = []string{"Your " + r.Course.Title + " certificate expired on " + date + ". Take the course again to renew your training."}
	case ReminderDayBefore:
		l.Subject = "Your training certificate expires tomorrow"
		l.Before = []string{"Your " + r.Course.Title + " certificate expires on " + date + ". Take the course again to renew it."}
	default:
		l.Subject = "Your training certificate expires soon"
		l.Before = []string{"Your " + r.Course.Title + " certificate expires on " + date + ". You can take the refresher now: your current certificate stays valid until then."}
	}
	return l
}

func (r *Reminders) managerLetter(e *Expiring, stage ReminderStage) letter {
	date := e.ExpiresAt.Format("2 January 2006")
	l := letter{Kind: "manager_reminder_" + string(stage), Subject: "A member of your staff is due a refresher", Action: "See your staff", ActionURL: r.Mail.URL("/staff")}
	if stage == ReminderExpired {
		l.Subject = "A member of your staff needs to renew their training"
		l.Before = []string{e.Learner.Name + "'s " + r.Course.Title + " certificate expired on " + date + "."}
	} else {
		l.Before = []string{e.Learner.Name + "'s " + r.Course.Title + " certificate expires on " + date + "."}
	}
	return l
}
