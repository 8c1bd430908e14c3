package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/foundations/foundations/app"
)

type ltiScoreWorker struct {
	river.WorkerDefaults[app.LTIScoreJob]
	lti *app.LTI
}

func (w *ltiScoreWorker) Work(ctx context.Context, job *river.Job[app.LTIScoreJob]) error {
	if !w.lti.Enabled() {
		return errors.New("lti scores: this instance has no LTI tool") // retried on one that has
	}
	err := w.lti.DeliverScore(ctx, job.Args.ScoreID, job.Attempt, job.Attempt >= job.MaxAttempts)
	if errors.Is(err, app.ErrPermanent) {
		return river.JobCancel(err)
	}
	if errors.Is(err, app.ErrLTIScoreWaiting) {
		return river.JobSnooze(snoozeFor(job.Metadata))
	}
	return err
}

// snoozeFor is how long a score waits for an earlier one before looking
// again: a second at first, doubling with each wait up to five minutes, so
// a platform that is down for hours costs a few queries an hour. A
// snoozed job keeps its attempts.
func snoozeFor(metadata []byte) time.Duration {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(metadata, &m) // no metadata yet: the first wait
	return min(time.Second<<min(m.Snoozes, 9), 5*time.Minute)
}
