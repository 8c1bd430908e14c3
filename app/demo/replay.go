package demo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/foundations/foundations/app"
)

// replay carries plans out through the app's operations, with the clock
// set to each event's time.

// batchClock is the time the services of one batch see.
type batchClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *batchClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *batchClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC().Truncate(time.Microsecond)
}

// services are the app's services bound to one batch's transaction.
type services struct {
	store     app.Store
	learning  *app.Learning
	oversight *app.Oversight
	clock     *batchClock
}

// event is one thing a person did, at a time.
type event struct {
	at time.Time
	do func() error
}

func (d *demo) replayBatch(ctx context.Context, st app.ReportStore, batch []*demoLearner) error {
	return st.InTx(ctx, func(tx app.Store) error {
		rs, ok := tx.(app.ReportStore)
		if !ok {
			return fmt.Errorf("the store's transaction is not a report store")
		}
		// The batch grows the tables from (nearly) nothing inside one
		// transaction, past the statistics its plans would be made from.
		if p, ok := tx.(interface{ PlanEachExecution(context.Context) error }); ok {
			if err := p.PlanEachExecution(ctx); err != nil {
				return err
			}
		}
		clock := &batchClock{now: d.opt.Now}
		learning := &app.Learning{Store: tx, Course: d.c, Now: clock.Now, Partnership: d.opt.Partnership, ValidityMonths: d.opt.ValidityMonths}
		svc := &services{store: tx, learning: learning, clock: clock,
			oversight: &app.Oversight{Store: rs, Learning: learning, Now: clock.Now}}
		for _, l := range batch {
			if err := d.replay(ctx, svc, l); err != nil {
				return fmt.Errorf("%s %s: %w", l.first, l.last, err)
			}
		}
		return nil
	})
}

// replay creates one person's account and plays their events in order.
func (d *demo) replay(ctx context.Context, svc *services, l *demoLearner) error {
	l.email = demoEmailLocal(l.first) + "." + demoEmailLocal(l.last) + strconv.Itoa(d.firstNumber+l.number) + "@" + l.org.domain
	name := l.first + " " + l.last
	roles := []string{app.RoleLearner}
	if l.isManager {
		roles = append(roles, app.RoleManager)
	}
	managerEmail := l.managerEmail
	if l.manager != nil {
		managerEmail = l.manager.email
	}
	u := &app.User{Name: name, Email: l.email, EmailNorm: app.NormaliseEmail(l.email), PasswordHash: d.hash,
		OrganisationID: l.org.id, JobRole: l.jobRole, ManagerEmail: app.NormaliseEmail(managerEmail), Roles: roles,
		CreatedAt: l.registered.UTC().Truncate(time.Microsecond)}
	u.EmailVerifiedAt = &u.CreatedAt // demo addresses are taken as confirmed at registration
	if err := svc.store.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("create the account: %w", err)
	}
	l.user = u
	d.firstID.CompareAndSwap(0, u.ID)

	var events []event
	add := func(at time.Time, do func() error) { events = append(events, event{at, do}) }
	if l.acceptedAt != nil {
		add(*l.acceptedAt, func() error { return svc.oversight.AcceptStaff(ctx, l.manager.user, u.ID) })
	}
	for _, dm := range l.modules {
		d.moduleEvents(ctx, svc, u, dm, add)
	}
	if l.completedAt != nil {
		form := d.evaluationForm(l)
		add(*l.completedAt, func() error { _, err := svc.learning.SubmitEvaluation(ctx, u, form); return err })
	}
	if l.confirmedAt != nil {
		add(*l.confirmedAt, func() error {
			_, err := svc.oversight.ConfirmTraining(ctx, l.manager.user, u.ID, l.note)
			return err
		})
	}
	if l.revokedAt != nil {
		add(*l.revokedAt, func() error { return svc.oversight.Revoke(ctx, d.coordinators[0].user, u.ID, l.revokedReason) })
	}
	if l.refresherAt != nil {
		add(*l.refresherAt, func() error { return svc.learning.StartRefresher(ctx, u.ID) })
		for _, dm := range l.refresher {
			d.moduleEvents(ctx, svc, u, dm, add)
		}
		if l.refresherCompletedAt != nil {
			form := d.evaluationForm(l)
			add(*l.refresherCompletedAt, func() error { _, err := svc.learning.SubmitEvaluation(ctx, u, form); return err })
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range events {
		svc.clock.set(e.at)
		if err := e.do(); err != nil {
			return fmt.Errorf("at %s: %w", e.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

// evaluationForm is the learner's planned evaluation as the form posts it.
func (d *demo) evaluationForm(l *demoLearner) app.EvaluationForm {
	form := app.EvaluationForm{}
	for id, v := range l.ratings {
		form[id] = strconv.Itoa(v)
	}
	for id, v := range l.comments {
		form[id] = v
	}
	return form
}

// studyStep is how far apart the page views of a long read are replayed:
// within app.MaxGap, so the time counts.
const studyStep = 9 * time.Minute

// moduleEvents are one module's events: opening it, page views while
// reading, the answers saved and each submission.
func (d *demo) moduleEvents(ctx context.Context, svc *services, u *app.User, dm *demoModule, add func(time.Time, func() error)) {
	m := dm.m
	view := func() error { _, err := svc.learning.OpenModule(ctx, u.ID, m.ID); return err }
	add(dm.startedAt, view)
	reading := func(from, to time.Time) {
		for t := from.Add(studyStep); t.Before(to); t = t.Add(studyStep) {
			add(t, view)
		}
	}
	since := dm.startedAt
	for n, at := range dm.attempts {
		start := at.at.Add(-time.Duration(at.study) * time.Second)
		if start.Before(since) {
			start = since
		}
		reading(start, at.at)
		form := d.form(m, at.answers, n, dm.passedAt != nil && n == len(dm.attempts)-1, dm.answers)
		add(at.at, func() error { return svc.learning.SaveAnswers(ctx, u.ID, m.ID, form) })
		add(at.at, func() error { _, err := svc.learning.SubmitModule(ctx, u.ID, m.ID); return err })
		since = at.at
	}
	if dm.passedAt == nil { // still working on it
		reading(since, dm.lastSeenAt)
		if len(dm.attempts) == 0 && len(dm.answers) > 0 {
			form := d.form(m, dm.answers, 0, false, nil)
			add(dm.answersAt, func() error { return svc.learning.SaveAnswers(ctx, u.ID, m.ID, form) })
		}
		add(dm.lastSeenAt, view)
	}
}

// form is a module's form as the learner posts it: the planned choices,
// a reflection for each required one (and, with the passing attempt, the
// optional ones the plan wrote).
func (d *demo) form(m *app.Module, answers app.Answers, attempt int, passing bool, final app.Answers) app.FormAnswers {
	f := app.FormAnswers{}
	for _, q := range m.Questions() {
		switch a, ok := answers[q.ID]; {
		case q.Type != app.QuestionReflection:
			if ok && len(a.Options) > 0 {
				f[q.ID] = a.Options
			}
		case passing && final[q.ID].Text != "":
			f[q.ID] = []string{final[q.ID].Text}
		case q.Required:
			f[q.ID] = []string{demoReflections[(len(q.ID)+attempt)%len(demoReflections)]}
		}
	}
	return f
}
