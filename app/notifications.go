package app

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Topic groups the non-essential emails a person may turn off. Emails
// about the security of an account (reset links, changed passwords and
// addresses, verification) have no topic: they always go.
type Topic string

// Topics, with whether each is on until the person chooses.
const (
	TopicUpdates   Topic = "updates"   // manager accepted you, training confirmed, certificate issued, someone named you as manager
	TopicReminders Topic = "reminders" // certificate expiry reminders
	TopicDigest    Topic = "digest"    // managers' weekly digest (off unless chosen)
)

// Topics in the order the preferences form shows them.
var Topics = []struct {
	Topic Topic
	Label string
	Hint  string
}{
	{TopicUpdates, "Updates about my training", "When your manager accepts you or confirms your training, when your certificate is issued, and when someone names you as their manager."},
	{TopicReminders, "Refresher reminders", "60 days, 14 days and the day before a certificate expires, and once after it has."},
	{TopicDigest, "Weekly digest for managers", "Once a week: staff waiting for you to confirm their training or due a refresher."},
}

// On reports whether a topic is on for someone who has not chosen.
func (t Topic) defaultOn() bool { return t != TopicDigest }

// Label is how the topic is named to people.
func (t Topic) Label() string {
	for _, x := range Topics {
		if x.Topic == t {
			return x.Label
		}
	}
	return string(t)
}

// TokenUnsubscribe is the purpose of a one-click unsubscribe link: it may
// be followed any number of times (unsubscribing twice changes nothing) and
// works for a year. Its Token.Email holds the topic.
const TokenUnsubscribe TokenPurpose = "unsubscribe"

const unsubscribeTTL = 365 * 24 * time.Hour

// PreferenceStore keeps who wants which emails. Implemented by app/store.
type PreferenceStore interface {
	// EmailPreferences returns the topics a user has chosen, on or off;
	// topics not in the map were never chosen.
	EmailPreferences(ctx context.Context, userID int64) (map[Topic]bool, error)
	SetEmailPreference(ctx context.Context, userID int64, topic Topic, on bool, at time.Time) error
}

// Wants reports whether a user receives a topic's emails.
func Wants(prefs map[Topic]bool, t Topic) bool {
	if on, ok := prefs[t]; ok {
		return on
	}
	return t.defaultOn()
}

// notify queues a non-essential email to u inside tx, if u wants the
// topic, with a one-click unsubscribe link (List-Unsubscribe).
func (m *Mail) notify(ctx context.Context, tx Store, u *User, topic Topic, l letter) error {
	if !m.Enabled() {
		return nil
	}
	ps, ok := tx.(PreferenceStore)
	if !ok {
		return fmt.Errorf("notify: store %T keeps no preferences", tx)
	}
	prefs, err := ps.EmailPreferences(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("load email preferences of user %d: %w", u.ID, err)
	}
	if !Wants(prefs, topic) {
		return nil
	}
	token, t := newToken(TokenUnsubscribe, u.ID, string(topic), m.Now(), unsubscribeTTL)
	if err := tx.(TokenStore).CreateToken(ctx, t); err != nil {
		return fmt.Errorf("create unsubscribe token: %w", err)
	}
	l.To, l.UserID = u.Email, &u.ID
	if l.Greeting == "" {
		l.Greeting = greeting(u.Name)
	}
	l.Unsubscribe = m.URL("/unsubscribe?token=" + url.QueryEscape(token))
	return m.Queue(ctx, tx, m.compose(l))
}

// UnsubscribeTopic tells the unsubscribe page which topic a link is for.
func (m *Mail) UnsubscribeTopic(ctx context.Context, s TokenStore, token string) (Topic, error) {
	t, err := checkToken(ctx, s, TokenUnsubscribe, token, m.Now())
	if err != nil {
		return "", err
	}
	return Topic(t.Email), nil
}

// Unsubscribe follows a one-click unsubscribe link: the link's topic is
// turned off for its account. Following it again changes nothing.
func (m *Mail) Unsubscribe(ctx context.Context, s interface {
	TokenStore
	PreferenceStore
}, token string) (Topic, error) {
	t, err := checkToken(ctx, s, TokenUnsubscribe, token, m.Now())
	if err != nil {
		return "", err
	}
	if err := s.SetEmailPreference(ctx, t.UserID, Topic(t.Email), false, m.Now()); err != nil {
		return "", fmt.Errorf("unsubscribe user %d: %w", t.UserID, err)
	}
	return Topic(t.Email), nil
}

// SetPreferences saves a signed-in person's choices from the form: on
// lists the topics ticked; managers' digest only for managers.
func (m *Mail) SetPreferences(ctx context.Context, s PreferenceStore, u *User, on []Topic) error {
	for _, x := range Topics {
		if x.Topic == TopicDigest && !MayManage(u) {
			continue
		}
		want := false
		for _, t := range on {
			want = want || t == x.Topic
		}
		if err := s.SetEmailPreference(ctx, u.ID, x.Topic, want, m.Now()); err != nil {
			return err
		}
	}
	return nil
}

// StaffAccepted tells a learner, inside tx, that their manager accepted them.
func (m *Mail) StaffAccepted(ctx context.Context, tx Store, learnerID int64, manager *User) error {
	if !m.Enabled() {
		return nil
	}
	u, err := tx.UserByID(ctx, learnerID)
	if err != nil {
		return err
	}
	return m.notify(ctx, tx, u, TopicUpdates, letter{Kind: "manager_accepted", Subject: "Your manager can now see your training",
		Before: []string{manager.Name + " accepted you as a member of their staff. They can see your progress and results in the course (never your reflections), and can confirm your training when you have finished."},
		Action: "Go to the course", ActionURL: m.URL("/course")})
}

// TrainingConfirmed tells a learner, inside tx, that their manager
// confirmed their training.
func (m *Mail) TrainingConfirmed(ctx context.Context, tx Store, learnerID int64, manager *User) error {
	if !m.Enabled() {
		return nil
	}
	u, err := tx.UserByID(ctx, learnerID)
	if err != nil {
		return err
	}
	return m.notify(ctx, tx, u, TopicUpdates, letter{Kind: "training_confirmed", Subject: "Your training has been confirmed",
		Before: []string{manager.Name + " confirmed that you have completed your training."},
		Action: "See your certificate", ActionURL: m.URL("/certificate")})
}

// CertificateIssued tells a learner that their certificate was issued,
// once (recorded by its code in the same transaction as the email): called
// right after the completion commits, and again by Reminders.Run for any
// certificate a crash left untold.
func (m *Mail) CertificateIssued(ctx context.Context, s Store, u *User, c *Certificate) error {
	if !m.Enabled() {
		return nil
	}
	return s.InTx(ctx, func(tx Store) error {
		first, err := tx.(interface {
			MarkNotified(ctx context.Context, key string, userID *int64, at time.Time) (bool, error)
		}).MarkNotified(ctx, "certificate:"+c.Code, &u.ID, m.Now())
		if err != nil || !first {
			return err
		}
		return m.notify(ctx, tx, u, TopicUpdates, letter{Kind: "certificate_issued", Subject: "Your certificate is ready",
			Before: []string{"Well done: you have completed " + c.CourseTitle + ". Your certificate is valid until " + c.ExpiresAt.Format("2 January 2006") + ".",
				"Anyone you show it to can check it with its code, " + FormatCode(c.Code) + "."},
			Action: "Download your certificate", ActionURL: m.URL("/certificate")})
	})
}
