package app_test

import (
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

func checkCourse() *app.Course {
	return &app.Course{
		Modules:        []*app.Module{{ID: "m1"}, {ID: "m2"}},
		KnowledgeCheck: []*app.Question{single("k1", "a"), single("k2", "b"), single("k3", "c"), single("k4", "a")},
	}
}

func progressPassing(c *app.Course, passed ...string) *app.Progress {
	p := &app.Progress{Course: c, Modules: map[string]app.ModuleProgress{}}
	passedAt := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range passed {
		p.Modules[id] = app.ModuleProgress{ModuleID: id, PassedAt: &passedAt}
	}
	return p
}

func TestKnowledgeCheckOpensBeforeTheFirstPassAndAfterTheLast(t *testing.T) {
	c := checkCourse()
	tests := []struct {
		name   string
		phase  string
		passed []string
		taken  map[string]bool
		open   bool
	}{
		{"before, nothing passed", app.CheckBefore, nil, nil, true},
		{"before, already taken", app.CheckBefore, nil, map[string]bool{app.CheckBefore: true}, false},
		{"before, once a module is passed", app.CheckBefore, []string{"m1"}, nil, false},
		{"after, one module still to pass", app.CheckAfter, []string{"m1"}, nil, false},
		{"after, every module passed", app.CheckAfter, []string{"m1", "m2"}, nil, true},
		{"after, without having taken it before", app.CheckAfter, []string{"m1", "m2"}, map[string]bool{}, true},
		{"after, already taken", app.CheckAfter, []string{"m1", "m2"}, map[string]bool{app.CheckAfter: true}, false},
		{"an unknown phase", "during", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.KnowledgeCheckOpen(c, tt.phase, progressPassing(c, tt.passed...), tt.taken); got != tt.open {
				t.Errorf("open = %v, want %v", got, tt.open)
			}
		})
	}
	if app.KnowledgeCheckOpen(&app.Course{Modules: c.Modules}, app.CheckBefore, progressPassing(c), nil) {
		t.Error("a course without a knowledge check offers one")
	}
}

func TestScoreKnowledgeCheck(t *testing.T) {
	c := checkCourse()
	tests := []struct {
		name    string
		answers map[string]string
		correct int
		invalid bool
	}{
		{"all right", map[string]string{"k1": "a", "k2": "b", "k3": "c", "k4": "a"}, 4, false},
		{"some wrong", map[string]string{"k1": "b", "k2": "b", "k3": "a", "k4": "a"}, 2, false},
		{"unanswered items count as not right", map[string]string{"k1": "a"}, 1, false},
		{"nothing answered", map[string]string{}, 0, false},
		{"an unknown item", map[string]string{"k9": "a"}, 0, true},
		{"an unknown option", map[string]string{"k1": "z"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			correct, total, err := app.ScoreKnowledgeCheck(c, tt.answers)
			if tt.invalid {
				if app.ErrorCode(err) != app.EINVALID {
					t.Fatalf("err = %v, want EINVALID", err)
				}
				return
			}
			if err != nil || correct != tt.correct || total != 4 {
				t.Errorf("score = %d/%d, %v; want %d/4", correct, total, err, tt.correct)
			}
		})
	}
}

func TestMeanKnowledgeGainPairsEachLearner(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[int64]int
		want          app.KnowledgeGain
	}{
		{"nobody", nil, nil, app.KnowledgeGain{}},
		{"before only", map[int64]int{1: 40}, nil, app.KnowledgeGain{BeforeOnly: 1}},
		{"after only is not paired", nil, map[int64]int{1: 80}, app.KnowledgeGain{}},
		{"two pairs and one unpaired", map[int64]int{1: 40, 2: 60, 3: 20}, map[int64]int{1: 80, 2: 100, 4: 100},
			app.KnowledgeGain{Learners: 2, BeforeOnly: 1, MeanBefore: 50, MeanAfter: 90, MeanGain: 40}},
		{"a loss is shown as a loss", map[int64]int{1: 80}, map[int64]int{1: 60},
			app.KnowledgeGain{Learners: 1, MeanBefore: 80, MeanAfter: 60, MeanGain: -20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.MeanKnowledgeGain(tt.before, tt.after); got != tt.want {
				t.Errorf("gain = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKnowledgeCheckPercentRounds(t *testing.T) {
	for _, tt := range []struct{ correct, total, want int }{{0, 5, 0}, {1, 3, 33}, {2, 3, 67}, {5, 5, 100}, {0, 0, 0}} {
		if got := (app.KnowledgeCheckResult{Correct: tt.correct, Total: tt.total}).Percent(); got != tt.want {
			t.Errorf("%d of %d = %d%%, want %d%%", tt.correct, tt.total, got, tt.want)
		}
	}
}
