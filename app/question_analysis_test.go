package app_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/foundations/foundations/app"
)

func statsOf(pairs ...[2]int) []app.QuestionStat {
	var out []app.QuestionStat
	for i, p := range pairs {
		out = append(out, app.QuestionStat{Question: &app.Question{ID: fmt.Sprintf("q%d", i+1)}, FirstAttempts: p[0], FirstCorrect: p[1]})
	}
	return out
}

func ids(stats []app.QuestionStat) []string {
	var out []string
	for _, s := range stats {
		out = append(out, s.Question.ID)
	}
	return out
}

func TestWeakestQuestions(t *testing.T) {
	// q1 90%, q2 40%, q3 2 attempts (too few), q4 50%, q5 60%, q6 70%, q7 80%, q8 40%
	stats := statsOf([2]int{10, 9}, [2]int{10, 4}, [2]int{2, 0}, [2]int{10, 5}, [2]int{10, 6}, [2]int{10, 7}, [2]int{10, 8}, [2]int{5, 2})
	got := app.WeakestQuestions(stats)
	want := []string{"q2", "q4", "q5", "q6", "q8"}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("weakest %q, want %q (the five lowest shares correct with at least 5 attempts)", keys, want)
	}
	if len(app.WeakestQuestions(statsOf([2]int{4, 0}))) != 0 {
		t.Error("a question with 4 first attempts was highlighted")
	}
}

func TestSortQuestionStats(t *testing.T) {
	for _, tc := range []struct {
		by   string
		desc bool
		want []string
	}{
		{"course", false, []string{"q1", "q2", "q3", "q4"}},
		{"course", true, []string{"q4", "q3", "q2", "q1"}},
		{"correct", false, []string{"q2", "q3", "q4", "q1"}}, // 40, 50, 50, 90: the tie keeps course order
		{"correct", true, []string{"q1", "q3", "q4", "q2"}},
		{"attempts", false, []string{"q3", "q1", "q2", "q4"}},
		{"nonsense", false, []string{"q1", "q2", "q3", "q4"}},
		{"correct", false, []string{"q2", "q3", "q4", "q1", "q5"}}, // q5: no attempts yet, last
		{"correct", true, []string{"q1", "q3", "q4", "q2", "q5"}},
	} {
		stats := statsOf([2]int{10, 9}, [2]int{10, 4}, [2]int{20, 10}, [2]int{6, 3})
		if len(tc.want) == 5 {
			stats = append(stats, app.QuestionStat{Question: &app.Question{ID: "q5"}})
		}
		app.SortQuestionStats(stats, tc.by, tc.desc)
		if got := ids(stats); !slices.Equal(got, tc.want) {
			t.Errorf("sort %s desc=%v: %q, want %q", tc.by, tc.desc, got, tc.want)
		}
	}
}
