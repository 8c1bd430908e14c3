package app

import (
	"context"
	"fmt"
	"time"
)

// DigestStore is what the managers' weekly digest reads. Implemented by app/store.
type DigestStore interface {
	ReminderStore
	StaffOf(ctx context.Context, courseID string, manager *User) ([]StaffRow, error)
	// DigestManagers lists managers who chose the weekly digest.
	DigestManagers(ctx context.Context) ([]User, error)
}

// Digest sends managers who chose it a weekly email of their staff
// waiting for confirmation or due a refresher. Run daily by a periodic
// job: each manager gets at most one a week (ISO week), and none when
// there is nothing to do.
type Digest struct {
	Store  DigestStore
	Mail   *Mail
	Course *Course
	Now    func() time.Time
}

// DigestItems is the rule for what goes in a manager's digest: accepted
// staff who completed the course and wait for confirmation, and those due
// a refresher or expired.
func DigestItems(rows []StaffRow, now time.Time) (awaiting, refresher []StaffRow) {
	for _, r := range rows {
		if !r.Accepted {
			continue
		}
		switch r.Status(now) {
		case LearnerCompleted:
			awaiting = append(awaiting, r)
		case LearnerRefresherDue, LearnerExpired:
			refresher = append(refresher, r)
		}
	}
	return awaiting, refresher
}

// Run sends this week's digests not yet sent and returns how many.
func (d *Digest) Run(ctx context.Context) (int, error) {
	if !d.Mail.Enabled() {
		return 0, nil
	}
	now := d.Now()
	year, week := now.ISOWeek()
	managers, err := d.Store.DigestManagers(ctx)
	if err != nil {
		return 0, fmt.Errorf("list digest managers: %w", err)
	}
	sent := 0
	for i := range managers {
		m := &managers[i]
		rows, err := d.Store.StaffOf(ctx, d.Course.ID, m)
		if err != nil {
			return sent, err
		}
		awaiting, refresher := DigestItems(rows, now)
		if len(awaiting)+len(refresher) == 0 {
			continue
		}
		l := letter{Kind: "manager_digest", Subject: "Your weekly training digest", Action: "See your staff", ActionURL: d.Mail.URL("/staff")}
		if len(awaiting) > 0 {
			l.Before = append(l.Before, fmt.Sprintf("Waiting for you to confirm their training (%d): %s.", len(awaiting), names(awaiting)))
		}
		if len(refresher) > 0 {
			l.Before = append(l.Before, fmt.Sprintf("Due a refresher or expired (%d): %s.", len(refresher), names(refresher)))
		}
		var first bool
		err = d.Store.InTx(ctx, func(tx Store) error {
			var err error
			if first, err = tx.(DigestStore).MarkNotified(ctx, fmt.Sprintf("digest:%d:%d-W%02d", m.ID, year, week), &m.ID, now); err != nil || !first {
				return err
			}
			return d.Mail.notify(ctx, tx, m, TopicDigest, l)
		})
		if err != nil {
			return sent, fmt.Errorf("digest for manager %d: %w", m.ID, err)
		}
		if first {
			sent++
		}
	}
	return sent, nil
}

func names(rows []StaffRow) string {
	s := ""
	for i, r := range rows {
		switch {
		case i == 0:
		case i == len(rows)-1:
			s += " and "
		default:
			s += ", "
		}
		s += r.Name
	}
	return s
}
