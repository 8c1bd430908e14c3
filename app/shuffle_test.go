package app_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store/storetest"
)

func optionIDs(opts []*app.Option) string {
	ids := make([]string, len(opts))
	for i, o := range opts {
		ids[i] = o.ID
	}
	return strings.Join(ids, "")
}

func questionWith(id string, options ...string) *app.Question {
	q := &app.Question{ID: id, Type: app.QuestionMultiple}
	for _, o := range options {
		q.Options = append(q.Options, &app.Option{ID: o, Text: "Option " + o})
	}
	return q
}

var shuffleKey = []byte("a test key of thirty-two bytes!!")

func TestOptionOrderIsAPermutationThatKeepsTheQuestion(t *testing.T) {
	q := questionWith("q1", "a", "b", "c", "d", "e")
	for user := int64(1); user <= 200; user++ {
		got := app.OptionOrder(shuffleKey, user, "m1", 1, q)
		ids := strings.Split(optionIDs(got), "")
		slices.Sort(ids)
		if strings.Join(ids, "") != "abcde" {
			t.Fatalf("user %d sees options %s, want each of abcde once", user, optionIDs(got))
		}
	}
	if optionIDs(q.Options) != "abcde" {
		t.Errorf("the question's own options were reordered to %s", optionIDs(q.Options))
	}
}

func TestOptionOrderIsStableWithinAnAttempt(t *testing.T) {
	q := questionWith("q1", "a", "b", "c", "d", "e")
	first := optionIDs(app.OptionOrder(shuffleKey, 42, "m1", 3, q))
	for range 20 {
		if again := optionIDs(app.OptionOrder(shuffleKey, 42, "m1", 3, q)); again != first {
			t.Fatalf("the same learner, module, attempt and question gave %s then %s", first, again)
		}
	}
}

// Each input, changed on its own, gives a different order for most
// learners: the order is drawn from all of them.
func TestOptionOrderDependsOnEveryInput(t *testing.T) {
	q := questionWith("q1", "a", "b", "c", "d", "e")
	other := questionWith("q2", "a", "b", "c", "d", "e")
	tests := []struct {
		name string
		vary func(user int64) (string, string)
	}{
		{"another attempt", func(u int64) (string, string) {
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, q)), optionIDs(app.OptionOrder(shuffleKey, u, "m1", 2, q))
		}},
		{"another module", func(u int64) (string, string) {
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, q)), optionIDs(app.OptionOrder(shuffleKey, u, "m2", 1, q))
		}},
		{"another question", func(u int64) (string, string) {
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, q)), optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, other))
		}},
		{"another learner", func(u int64) (string, string) {
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, q)), optionIDs(app.OptionOrder(shuffleKey, u+1000, "m1", 1, q))
		}},
		{"another key", func(u int64) (string, string) {
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 1, q)), optionIDs(app.OptionOrder([]byte("another key"), u, "m1", 1, q))
		}},
		{"fields that run together", func(u int64) (string, string) {
			// Module "m1" attempt 12 must not collide with module "m11" attempt 2.
			return optionIDs(app.OptionOrder(shuffleKey, u, "m1", 12, q)), optionIDs(app.OptionOrder(shuffleKey, u, "m11", 2, q))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same := 0
			for u := int64(1); u <= 200; u++ {
				if a, b := tt.vary(u); a == b {
					same++
				}
			}
			// 120 orders of 5 options: by chance about 2 in 200 coincide.
			if same > 20 {
				t.Errorf("%d of 200 learners kept the same order, want almost none", same)
			}
		})
	}
}

// Over many learners, each option is shown first about equally often, so
// the course file's order gives nothing away.
func TestOptionOrderIsFair(t *testing.T) {
	q := questionWith("q1", "a", "b", "c", "d")
	const learners = 8000
	first := map[string]int{}
	for u := int64(1); u <= learners; u++ {
		first[app.OptionOrder(shuffleKey, u, "m1", 1, q)[0].ID]++
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if n := first[id]; n < learners/4*85/100 || n > learners/4*115/100 {
			t.Errorf("option %s came first for %d of %d learners, want about %d", id, n, learners, learners/4)
		}
	}
}

func TestOptionOrderKeepsTheFileOrderWhenItCannotShuffle(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		q    *app.Question
		want string
	}{
		{"no key", nil, questionWith("q1", "a", "b", "c"), "abc"},
		{"one option", shuffleKey, questionWith("q1", "a"), "a"},
		{"no options (a reflection)", shuffleKey, &app.Question{ID: "r1", Type: app.QuestionReflection}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := optionIDs(app.OptionOrder(tt.key, 7, "m1", 1, tt.q)); got != tt.want {
				t.Errorf("order = %q, want %q", got, tt.want)
			}
		})
	}
}

// The orders learners already see do not change when the code that draws
// them does: a learner part-way through an attempt keeps their order. A
// module page draws every question's order with one reused MAC, and gets
// the same orders as one question at a time.
func TestOptionOrderIsTheOrderLearnersAlreadySee(t *testing.T) {
	q := questionWith("q7", "a", "b", "c", "d", "e", "f", "g")
	key := []byte("a key for the option order")
	for _, c := range []struct {
		user    int64
		module  string
		attempt int
		want    string
	}{
		{1, "m1", 1, "gaecbdf"},
		{42, "understanding-neglect", 2, "cdagbef"},
		{20000, "tools", 7, "afdbceg"},
	} {
		if got := optionIDs(app.OptionOrder(key, c.user, c.module, c.attempt, q)); got != c.want {
			t.Errorf("learner %d, module %s, attempt %d: order %s, want %s", c.user, c.module, c.attempt, got, c.want)
		}
		m := &app.Module{ID: c.module}
		v := &app.ModuleView{Module: m, UserID: c.user, Attempts: c.attempt - 1, OrderKey: key}
		for i := range 30 {
			other := questionWith(strings.Repeat("x", i), "a", "b", "c", "d", "e")
			if got, want := optionIDs(v.Options(other)), optionIDs(app.OptionOrder(key, c.user, c.module, c.attempt, other)); got != want {
				t.Fatalf("question %d on the page: %s, one at a time %s", i, got, want)
			}
		}
		if got := optionIDs(v.Options(q)); got != c.want {
			t.Errorf("learner %d on the page after 30 questions: %s, want %s", c.user, got, c.want)
		}
	}
}

// A module page seen again shows the orders drawn the first time, kept
// rather than drawn again, and a new attempt draws new ones.
func TestModulePageOrdersAreKept(t *testing.T) {
	s := storetest.SQLite(t)
	f := newFixture(t, s)
	f.learning.OrderKey = shuffleKey
	u := f.register(t, "Ola Order", "ola@example.org")
	ctx := context.Background()
	view := func() (*app.ModuleView, map[string]string) {
		t.Helper()
		v, err := f.learning.OpenModule(ctx, u.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, q := range v.Module.Questions() {
			got[q.ID] = optionIDs(v.Options(q))
			if want := optionIDs(app.OptionOrder(shuffleKey, u.ID, first, v.Attempts+1, q)); got[q.ID] != want {
				t.Errorf("attempt %d, %s: %s on the page, want %s", v.Attempts+1, q.ID, got[q.ID], want)
			}
		}
		return v, got
	}
	_, once := view()
	_, again := view()
	if !maps.Equal(once, again) {
		t.Errorf("the page seen again: %v, first %v", again, once)
	}
	if err := f.learning.SaveAnswers(ctx, u.ID, first, app.FormAnswers{"m1-colour": {"a"}, "m1-fruits": {"a"}, "m1-count": {"a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.SubmitModule(ctx, u.ID, first); err != nil {
		t.Fatal(err)
	}
	if v, _ := view(); v.Attempts != 1 {
		t.Fatalf("after a failed attempt: %d attempts", v.Attempts)
	}
}
