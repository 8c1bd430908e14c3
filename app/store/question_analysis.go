package store

import (
	"context"
	"sort"

	"github.com/foundations/foundations/app"
)

// QuestionStats implements app.ReportStore: first attempts only.
func (s *Store) QuestionStats(ctx context.Context, c *app.Course) ([]app.QuestionStat, error) {
	var rows []struct {
		QuestionID string
		Options    string
		Correct    bool
		N          int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT aa.question_id, aa.options, aa.correct, COUNT(*) AS n
		FROM attempts a JOIN attempt_answers aa ON aa.attempt_id = a.id
		WHERE a.course_id = ? AND a.number = 1 GROUP BY aa.question_id, aa.options, aa.correct`, c.ID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "question stats")
	}
	type acc struct {
		n, right int
		wrong    map[string]int
	}
	by := map[string]*acc{}
	for _, r := range rows {
		a := by[r.QuestionID]
		if a == nil {
			a = &acc{wrong: map[string]int{}}
			by[r.QuestionID] = a
		}
		a.n += r.N
		if r.Correct {
			a.right += r.N
			continue
		}
		for _, o := range splitOptions(r.Options) {
			a.wrong[o] += r.N
		}
	}
	var out []app.QuestionStat
	for _, m := range c.Modules {
		for _, q := range m.Questions() {
			if !q.Scored() {
				continue
			}
			st := app.QuestionStat{Module: m, Question: q}
			if a := by[q.ID]; a != nil {
				st.FirstAttempts, st.FirstCorrect = a.n, a.right
				keys := make([]string, 0, len(a.wrong))
				for k := range a.wrong {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					if o := q.Option(k); o != nil && !o.Correct && a.wrong[k] > st.TopWrongCount {
						st.TopWrongOption, st.TopWrongCount = o, a.wrong[k]
					}
				}
			}
			out = append(out, st)
		}
	}
	return out, nil
}
