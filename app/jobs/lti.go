package jobs

import (
	"context"
	"errors"

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
	return err
}
