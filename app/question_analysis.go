package app

import (
	"cmp"
	"context"
	"slices"
)

// WeakestCount is how many questions the question analysis highlights,
// and WeakestMinAttempts how many first attempts a question needs before
// its share correct counts (two learners getting it wrong is not a finding).
const (
	WeakestCount       = 5
	WeakestMinAttempts = 5
)

// WeakestQuestions returns the IDs of the WeakestCount questions with the
// lowest share answered correctly at the first attempt, among those with at
// least WeakestMinAttempts first attempts; ties keep the course order.
func WeakestQuestions(stats []QuestionStat) map[string]bool {
	var eligible []QuestionStat
	for _, s := range stats {
		if s.FirstAttempts >= WeakestMinAttempts {
			eligible = append(eligible, s)
		}
	}
	slices.SortStableFunc(eligible, func(a, b QuestionStat) int { return cmp.Compare(a.PercentCorrect(), b.PercentCorrect()) })
	out := map[string]bool{}
	for _, s := range eligible[:min(WeakestCount, len(eligible))] {
		out[s.Question.ID] = true
	}
	return out
}

// QuestionSorts are the orders the question analysis offers.
var QuestionSorts = []string{"course", "correct", "attempts"}

// SortQuestionStats orders stats in place: "correct" by share correct
// (lowest first; questions nobody has answered yet last either way),
// "attempts" by first attempts (most first), anything else in course
// order; desc reverses the order. Ties keep course order.
func SortQuestionStats(stats []QuestionStat, by string, desc bool) {

	key := func(s QuestionStat) int { return 0 }
	switch by {
	case "correct":
		key = func(s QuestionStat) int { return s.PercentCorrect() }
	case "attempts":
		key = func(s QuestionStat) int { return -s.FirstAttempts }
	}
	slices.SortStableFunc(stats, func(a, b QuestionStat) int {
		if by == "correct" && (a.FirstAttempts == 0) != (b.FirstAttempts == 0) {
			return cmp.Compare(min(b.FirstAttempts, 1), min(a.FirstAttempts, 1)) // unanswered last
		}
		if c := cmp.Compare(key(a), key(b)); c != 0 {
			if desc {
				return -c
			}
			return c
		}
		return 0
	})
	if desc && by != "correct" && by != "attempts" {
		slices.Reverse(stats)
	}
}

// QuestionStat is the first-attempt analysis of one question.
type QuestionStat struct {
	Module         *Module
	Question       *Question
	FirstAttempts  int
	FirstCorrect   int
	TopWrongOption *Option
	TopWrongCount  int
}

// PercentCorrect is the share right at the first attempt.
func (q QuestionStat) PercentCorrect() int {
	if q.FirstAttempts == 0 {
		return 0
	}
	return q.FirstCorrect * 100 / q.FirstAttempts
}

// QuestionStats is the question analysis for a coordinator.
func (o *Oversight) QuestionStats(ctx context.Context, actor *User) ([]QuestionStat, error) {
	if !mayCoordinate(actor) {
		return nil, forbidden()
	}
	return o.Store.QuestionStats(ctx, o.Learning.Course)
}
