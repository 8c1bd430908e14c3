package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The scores this tool posts. A module pass posts the learner's progress
// through the course (modules passed out of all, as a percentage, still
// in progress and pending grading); completing the course (the evaluation
// sent and the certificate issued) posts 100, completed and fully graded.
const ltiScoreMaximum = 100

// LTIScoreOrderWait is how long a score waits for an earlier one to the
// same line item that is still being offered, so a platform receives a
// learner's scores in the order they were earned. After that it is sent
// anyway: AGS has the platform keep the score with the latest timestamp,
// so a late earlier score cannot overwrite it at a platform that follows
// the specification.
const LTIScoreOrderWait = time.Hour

// ErrLTIScoreWaiting is returned by DeliverScore when an earlier score to
// the same line item has not been sent yet: try again shortly, without
// counting an attempt.
var ErrLTIScoreWaiting = errors.New("an earlier score to the same line item is still being delivered")

// LTIScoreJob delivers one score.
type LTIScoreJob struct {
	ScoreID int64 `json:"score_id"`
}

// Kind implements Job.
func (LTIScoreJob) Kind() string { return "lti_score" }

// ModulePassed records, inside tx (the transaction that records the
// pass), the score owed to every platform the learner launched from with
// a line item, and enqueues its delivery. passed counts the modules passed
// in this cycle, this one included.
func (l *LTI) ModulePassed(ctx context.Context, tx Store, userID int64, cycle int, moduleID string, passed int, at time.Time) error {
	if !l.Enabled() {
		return nil
	}
	total := len(l.Course.Modules)
	if total == 0 {
		return nil
	}
	given := float64(passed*ltiScoreMaximum) / float64(total)
	return l.owe(ctx, tx, userID, fmt.Sprintf("module:%s:cycle:%d", moduleID, max(cycle, 1)), given, "InProgress", "Pending", at)
}

// CourseCompleted records, inside tx (the transaction that issues the
// certificate), the full score owed to each platform, and enqueues its
// delivery.
func (l *LTI) CourseCompleted(ctx context.Context, tx Store, userID int64, cycle int, at time.Time) error {
	return l.owe(ctx, tx, userID, fmt.Sprintf("course:cycle:%d", max(cycle, 1)), ltiScoreMaximum, "Completed", "FullyGraded", at)
}

func (l *LTI) owe(ctx context.Context, tx Store, userID int64, event string, given float64, activity, grading string, at time.Time) error {
	if !l.Enabled() {
		return nil
	}
	ls, ok := tx.(LTIStore)
	if !ok {
		return fmt.Errorf("lti score: store %T keeps no launches", tx)
	}
	launches, err := ls.LTILaunches(ctx, userID)
	if err != nil {
		return fmt.Errorf("lti launches of user %d: %w", userID, err)
	}
	for _, ln := range launches {
		if ln.LineItem == "" {
			continue
		}
		s := &LTIScore{UserID: userID, PlatformID: ln.PlatformID, Event: event, LineItem: ln.LineItem, Subject: ln.Subject,
			Given: given, Maximum: ltiScoreMaximum, ActivityProgress: activity, GradingProgress: grading, Timestamp: at, Status: LTIScoreQueued}
		added, err := ls.AddLTIScore(ctx, s)
		if err != nil {
			return fmt.Errorf("lti score %s for user %d: %w", event, userID, err)
		}
		if !added {
			continue
		}
		if err := l.Jobs.Enqueue(ctx, tx, LTIScoreJob{ScoreID: s.ID}); err != nil {
			return fmt.Errorf("enqueue lti score %d: %w", s.ID, err)
		}
	}
	return nil
}

// DeliverScore posts one owed score: attempt counts from 1, final says no
// attempt follows. A score already sent (or given up) is not sent again;
// a failure is recorded and returned so the queue retries it; a permanent
// refusal wraps ErrPermanent. A score waits (ErrLTIScoreWaiting) while an
// earlier one to its line item is still owed, for up to
// LTIScoreOrderWait. The platform's reply is recorded, never the token.
func (l *LTI) DeliverScore(ctx context.Context, id int64, attempt int, final bool) error {
	s, err := l.Store.LTIScore(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil // erased with its account
	}
	if err != nil {
		return fmt.Errorf("load lti score %d: %w", id, err)
	}
	if s.Status == LTIScoreSent || s.Status == LTIScoreFailed {
		return nil
	}
	if l.Now().Sub(s.Timestamp) < LTIScoreOrderWait {
		waiting, err := l.Store.EarlierLTIScoreOwed(ctx, s)
		if err != nil {
			return fmt.Errorf("lti score %d: earlier scores: %w", id, err)
		}
		if waiting {
			return ErrLTIScoreWaiting
		}
	}
	p, err := l.Store.LTIPlatform(ctx, s.PlatformID)
	if err != nil {
		return fmt.Errorf("load lti platform %d: %w", s.PlatformID, err)
	}
	err = l.Protocol.SendScore(ctx, p, s)
	if err == nil {
		if err := l.Store.MarkLTIScoreSent(ctx, id, attempt, l.Now()); err != nil {
			return fmt.Errorf("mark lti score %d sent: %w", id, err)
		}
		return nil
	}
	status := LTIScoreRetrying
	if final || errors.Is(err, ErrPermanent) {
		status = LTIScoreFailed
	}
	if merr := l.Store.MarkLTIScoreFailure(ctx, id, status, attempt, limitText(err.Error(), 300)); merr != nil {
		return fmt.Errorf("mark lti score %d: %w (after: %v)", id, merr, err)
	}
	return fmt.Errorf("lti score %d to platform %d: %w", id, p.ID, err)
}
