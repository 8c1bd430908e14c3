package app

import (
	"context"
	"math"
	"time"
)

// The optional knowledge check: the same short set of items, taken
// unscored before module 1 and again once every module is passed, so a
// partnership can show learning gain and not only self-rated confidence.
const (
	CheckBefore = "before"
	CheckAfter  = "after"
)

// KnowledgeCheckResult is one learner's check in one phase.
type KnowledgeCheckResult struct {
	UserID   int64
	CourseID string
	Phase    string            // CheckBefore or CheckAfter
	Answers  map[string]string // item ID → option ID; unanswered items are absent
	Correct  int
	Total    int
	TakenAt  time.Time
}

// Percent is the share of items answered right, rounded.
func (r KnowledgeCheckResult) Percent() int {
	if r.Total == 0 {
		return 0
	}
	return int(math.Round(float64(r.Correct) * 100 / float64(r.Total)))
}

// KnowledgeChecks stores the checks. Learning (the learner's own check)
// and reports (the dashboard's gain) call it.
type KnowledgeChecks interface {
	// SaveKnowledgeCheck records r. Returns ECONFLICT if the learner has
	// already taken the check in that phase (each phase is taken once).
	SaveKnowledgeCheck(ctx context.Context, r KnowledgeCheckResult) error
	// KnowledgeCheckPhases returns the phases the learner has taken.
	KnowledgeCheckPhases(ctx context.Context, userID int64, courseID string) (map[string]bool, error)
	// KnowledgeCheckPercents returns every learner's percent in each
	// phase, keyed by user ID, for the dashboard's gain.
	KnowledgeCheckPercents(ctx context.Context, courseID string) (before, after map[int64]int, err error)
}

// ValidPhase reports whether phase names a knowledge check phase.
func ValidPhase(phase string) bool { return phase == CheckBefore || phase == CheckAfter }

// KnowledgeCheckOpen reports whether a learner may take the check in
// phase now: before, until they have passed a module; after, once they
// have passed every module. Each phase is taken at most once, and a
// course without a knowledge check has none.
func KnowledgeCheckOpen(c *Course, phase string, p *Progress, taken map[string]bool) bool {
	if len(c.KnowledgeCheck) == 0 || taken[phase] {
		return false
	}
	switch phase {
	case CheckBefore:
		return p.PassedCount() == 0
	case CheckAfter:
		return p.PassedCount() == len(c.Modules)
	}
	return false
}

// ScoreKnowledgeCheck scores answers against the course's items. An item
// left unanswered counts as not right (the check invites "not sure"); an
// answer naming no item or option of the check is EINVALID.
func ScoreKnowledgeCheck(c *Course, answers map[string]string) (correct, total int, err error) {
	for id, opt := range answers {
		q := c.KnowledgeCheckItem(id)
		if q == nil || q.Option(opt) == nil {
			return 0, 0, Errorf(EINVALID, "That answer is not one of the knowledge check's options.")
		}
	}
	for _, q := range c.KnowledgeCheck {
		if o := q.Option(answers[q.ID]); o != nil && o.Correct {
			correct++
		}
	}
	return correct, len(c.KnowledgeCheck), nil
}

// KnowledgeCheckItem returns the knowledge check item with the given id, or nil.
func (c *Course) KnowledgeCheckItem(id string) *Question {
	for _, q := range c.KnowledgeCheck {
		if q.ID == id {
			return q
		}
	}
	return nil
}

// KnowledgeGain is the learning gain shown on the dashboard, over learners
// who took the check both before and after.
type KnowledgeGain struct {
	Learners   int     // took both
	BeforeOnly int     // took it before and not (yet) after
	MeanBefore float64 // percent right, mean over Learners
	MeanAfter  float64
	MeanGain   float64 // MeanAfter - MeanBefore, in percentage points
}

// MeanKnowledgeGain pairs each learner's before and after percents.
// Learners who took only one phase are not in the means.
func MeanKnowledgeGain(before, after map[int64]int) KnowledgeGain {
	var g KnowledgeGain
	var sumBefore, sumAfter int
	for id, b := range before {
		a, ok := after[id]
		if !ok {
			g.BeforeOnly++
			continue
		}
		g.Learners++
		sumBefore += b
		sumAfter += a
	}
	if g.Learners > 0 {
		g.MeanBefore = float64(sumBefore) / float64(g.Learners)
		g.MeanAfter = float64(sumAfter) / float64(g.Learners)
		g.MeanGain = g.MeanAfter - g.MeanBefore
	}
	return g
}
