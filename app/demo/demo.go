// Package demo fills a database with realistic demo data: organisations,
// managers, coordinators and learners in every state, from not started to
// expired and revoked. It writes nothing itself: every account, page view,
// answer, submission, evaluation, acceptance, confirmation and revocation
// goes through the same operations of package app that people's requests
// use, with the clock set to when the plan says it happened. So a change to
// the schema or to a rule is made once, and the demo follows it.
package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/foundations/foundations/app"
)

// Options configures Run.
type Options struct {
	Learners int       // learner accounts to create, managers included
	Now      time.Time // the moment the data leads up to; every date is before it
	Seed     int64     // the same seed gives the same people, answers and dates
	// Password is every demo account's password. It is hashed once and the
	// hash shared: argon2 for each of 100,000 accounts would take an hour.
	Password string
	// Append allows adding demo data to a database that already has users.
	Append         bool
	Partnership    string // printed on certificates
	ValidityMonths int    // certificate validity; the course's own if zero
	// Workers is how many batches are replayed at once (1 if zero).
	Workers int
	// Progress, if set, is called after each batch with learners written so far.
	Progress func(done, total int)
}

// Summary is what Run created.
type Summary struct {
	Organisations    int
	Learners         int // accounts with the learner role, managers included
	Managers         int
	Coordinators     int
	Attempts         int // module attempts
	Statuses         map[app.LearnerStatus]int
	CoordinatorEmail string // a coordinator to sign in as
	ManagerEmail     string // the manager with the most accepted staff
	ManagerStaff     int    // how many accepted staff that manager has
}

// batchSize is how many learners one transaction replays.
const batchSize = 250

// Run fills the database behind st with demo data for course c. Learners
// are replayed in batches, each in one transaction (each operation inside
// it in a savepoint of its own, as it would be alone), managers first.
//
// With at least 20 learners every app.LearnerStatus occurs. The data is the
// same for a seed, apart from certificate codes (always from the CSPRNG)
// and, when appending, the IDs. A database that already has users is
// refused (ECONFLICT) unless opt.Append is set. Run is for demo and
// benchmark databases: do not run it against one that is serving people.
func Run(ctx context.Context, st app.ReportStore, c *app.Course, opt Options) (*Summary, error) {
	if opt.Learners < 1 {
		return nil, app.Errorf(app.EINVALID, "Ask for at least one demo learner.")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Microsecond)
	if opt.ValidityMonths == 0 {
		opt.ValidityMonths = c.ValidityMonths
	}
	opt.Workers = max(opt.Workers, 1)
	_, users, err := st.Learners(ctx, app.LearnerQuery{CourseID: c.ID, Now: opt.Now, PageSize: 1, Page: 1})
	if err != nil {
		return nil, fmt.Errorf("count users: %w", err)
	}
	if users > 0 && !opt.Append {
		return nil, app.Errorf(app.ECONFLICT, "The database already has %d users, and demo data goes into an empty database.", users)
	}
	d := newDemo(c, opt)
	d.firstNumber = users + 1
	if err := d.setup(ctx, st); err != nil {
		return nil, err
	}
	// Managers first, in order, so that every learner's manager exists;
	// then the others, several batches at once.
	plans := func(from, to int) []*demoLearner {
		batch := make([]*demoLearner, 0, to-from)
		for i := from; i < to; i++ {
			l := d.plan(i)
			l.number = i
			batch = append(batch, l)
		}
		return batch
	}
	done := 0
	report := func(n int) {
		done += n
		if opt.Progress != nil {
			opt.Progress(done, opt.Learners)
		}
	}
	for from := 0; from < d.numManagers; from += batchSize {
		to := min(from+batchSize, d.numManagers)
		if err := d.replayBatch(ctx, st, plans(from, to)); err != nil {
			return nil, fmt.Errorf("demo learners %d to %d: %w", from+1, to, err)
		}
		report(to - from)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, opt.Workers)
	)
	for from := d.numManagers; from < opt.Learners; from += batchSize {
		to := min(from+batchSize, opt.Learners)
		batch := plans(from, to) // planning is sequential: one random source
		sem <- struct{}{}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := d.replayBatch(ctx, st, batch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("demo learners %d to %d: %w", from+1, to, err)
			}
			if err == nil {
				report(to - from)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return d.summary(ctx, st)
}

// setup hashes the password, creates the organisations and the
// coordinators, and decides how many managers each organisation has.
func (d *demo) setup(ctx context.Context, st app.ReportStore) error {
	d.hash = app.HashPassword(d.opt.Password)
	n := d.opt.Learners
	numOrgs := min(max(6+n/1500, 6), len(demoOrganisations)+len(demoPlaces)*len(demoPlaceKinds)/3)
	for i := 0; len(d.orgs) < numOrgs; i++ {
		var o demoOrg
		if i < len(demoOrganisations) {
			o = demoOrganisations[i]
		} else {
			j := i - len(demoOrganisations)
			pk := demoPlaceKinds[j%len(demoPlaceKinds)]
			place := demoPlaces[(j/len(demoPlaceKinds)+j)%len(demoPlaces)]
			o = demoOrg{name: place + " " + pk.suffix, kind: pk.kind, weight: pk.weight}
			o.domain = demoSlug(o.name) + ".example"
		}
		if slices.ContainsFunc(d.orgs, func(x *demoOrg) bool { return x.name == o.name }) {
			continue
		}
		d.orgs = append(d.orgs, &o)
	}
	d.orgs = append(d.orgs, &demoOrg{name: "Other", domain: "mail.example", kind: kindOther, weight: 1.5})
	names := []string{demoPartnership}
	for _, o := range d.orgs {
		names = append(names, o.name)
		d.orgWeights = append(d.orgWeights, o.weight)
	}
	if err := st.EnsureOrganisations(ctx, names); err != nil {
		return err
	}
	existing, err := st.Organisations(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, o := range existing {
		ids[strings.ToLower(o.Name)] = o.ID
	}
	for _, o := range d.orgs {
		o.id = ids[strings.ToLower(o.name)]
	}

	// About 2% managers, at least one in each organisation while there are
	// enough people; each organisation's share follows its size.
	d.numManagers = min(max((n+49)/50, len(d.orgs)), n/5)
	for i := range d.orgs {
		if i < d.numManagers {
			d.managerOrg = append(d.managerOrg, i)
		}
	}
	for len(d.managerOrg) < d.numManagers {
		d.managerOrg = append(d.managerOrg, d.pickOrg())
	}

	coordinators := 1
	if n >= 1000 {
		coordinators = 2
	}
	coordNames := [][2]string{{"Grace", "Adeyemi"}, {"Tom", "Whitfield"}}
	for k := 1; k <= coordinators; k++ {
		email := fmt.Sprintf("coordinator%d@demo.example", k)
		if u, err := st.UserByEmail(ctx, email); err == nil {
			d.coordinators = append(d.coordinators, demoCoordinator{user: u, email: email})
			continue
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		u := &app.User{Name: coordNames[k-1][0] + " " + coordNames[k-1][1], Email: email, EmailNorm: email, PasswordHash: d.hash,
			OrganisationID: ids[strings.ToLower(demoPartnership)], JobRole: "Safeguarding training coordinator",
			Roles: []string{app.RoleLearner, app.RoleCoordinator}, CreatedAt: d.opt.Now.AddDate(0, -43, 0)}
		u.EmailVerifiedAt = &u.CreatedAt
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
		d.coordinators = append(d.coordinators, demoCoordinator{user: u, email: email})
	}
	return nil
}

// summary counts what the database now holds, every status by the app's
// own rule.
func (d *demo) summary(ctx context.Context, st app.ReportStore) (*Summary, error) {
	sum := &Summary{Organisations: len(d.orgs), Learners: d.opt.Learners, Managers: len(d.managers),
		Coordinators: len(d.coordinators), Attempts: d.attempts, Statuses: map[app.LearnerStatus]int{}}
	if len(d.coordinators) > 0 {
		sum.CoordinatorEmail = d.coordinators[0].email
	}
	for _, m := range d.managers {
		if sum.ManagerEmail == "" || m.staff > sum.ManagerStaff {
			sum.ManagerEmail, sum.ManagerStaff = m.email, m.staff
		}
	}
	coordinators := map[int64]bool{}
	for _, c := range d.coordinators {
		coordinators[c.user.ID] = true
	}
	err := st.EachLearner(ctx, app.LearnerQuery{CourseID: d.c.ID, Now: d.opt.Now, Sort: "name"}, func(r *app.LearnerRow) error {
		if !coordinators[r.UserID] && r.UserID >= d.firstID.Load() && d.firstID.Load() > 0 {
			sum.Statuses[r.Status(d.opt.Now)]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count statuses: %w", err)
	}
	return sum, nil
}
