package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/jobs"
	"github.com/foundations/foundations/app/mail"
	"github.com/foundations/foundations/app/store"
)

// startMail builds the outbox and the job queue that delivers it. Without
// SMTP_URL the outbox sends nothing (and says so once).
func startMail(log *slog.Logger, cfg *config, st *store.Store, course *app.Course, now func() time.Time, lti *app.LTI) (*app.Mail, *jobs.Queue, error) {
	m := &app.Mail{Store: st, Partnership: cfg.Placeholders["partnership_name"], BaseURL: cfg.BaseURL, HelpContact: cfg.HelpContact, Now: now}
	if cfg.SMTPURL != "" {
		sender, err := mail.New(mail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom})
		if err != nil {
			return nil, nil, err
		}
		m.Sender = sender
	} else {
		log.Warn("SMTP_URL is not set: no email is sent, addresses are not verified, and the forgotten-password page points to HELP_CONTACT")
	}
	db, err := st.SQLDB()
	if err != nil {
		return nil, nil, err
	}
	// River reports its routine at info every few seconds: warnings and
	// errors only (its messages name jobs, never people).
	riverLog := slog.New(atLeast{log.Handler(), slog.LevelWarn}).With("component", "jobs")
	q, err := jobs.New(jobs.Config{DB: db, Postgres: st.Postgres(), Mail: m, LTI: lti, Logger: riverLog,
		Periodic: periodicTasks(log, cfg, st, m, course, now)})
	if err != nil {
		return nil, nil, err
	}
	m.Jobs, lti.Jobs = q, q
	return m, q, nil
}

// periodicTasks are the scheduled jobs every instance offers and the
// elected leader runs.
func periodicTasks(log *slog.Logger, cfg *config, st *store.Store, m *app.Mail, course *app.Course, now func() time.Time) []jobs.Periodic {
	reminders := &app.Reminders{Store: st, Mail: m, Course: course, Now: now}
	privacy := &app.Privacy{Store: st, Course: course, Mail: m, Notice: cfg.Privacy, Now: now}
	digest := &app.Digest{Store: st, Mail: m, Course: course, Now: now}
	return []jobs.Periodic{{Name: "refresher-reminders", Every: cfg.ReminderInterval, Run: func(ctx context.Context) error {
		n, err := reminders.Run(ctx)
		if n > 0 {
			log.Info("refresher reminders sent", "certificates", n)
		}
		return err
	}}, {Name: "manager-digest", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		n, err := digest.Run(ctx)
		if n > 0 {
			log.Info("weekly digests sent", "managers", n)
		}
		return err
	}}, {Name: "delete-expired-links", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		_, err := st.DeleteExpiredTokens(ctx, now())
		return err
	}}, {Name: "delete-stale-lti", Every: time.Hour, Run: func(ctx context.Context) error {
		_, err := st.DeleteStaleLTI(ctx, now())
		return err
	}}, {Name: "erase-inactive-accounts", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		warned, erased, err := privacy.EraseInactive(ctx)
		if warned+erased > 0 {
			log.Info("inactive accounts", "warned", warned, "erased", erased)
		}
		return err
	}}}
}

// atLeast passes on records at or above a level.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(a []slog.Attr) slog.Handler { return atLeast{h.Handler.WithAttrs(a), h.min} }

func (h atLeast) WithGroup(n string) slog.Handler { return atLeast{h.Handler.WithGroup(n), h.min} }
