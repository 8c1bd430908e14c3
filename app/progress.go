package app

import "time"

// ModuleProgress is one learner's state in one module.
type ModuleProgress struct {
	UserID       int64
	CourseID     string
	ModuleID     string
	StartedAt    time.Time
	LastSeenAt   time.Time
	SecondsSpent int
	Attempts     int
	LastPercent  int
	PassedAt     *time.Time
	PassPercent  int // score of the passing attempt
}

// Passed reports whether the module has been passed.
func (p ModuleProgress) Passed() bool { return p.PassedAt != nil }

// ModuleStatus is what the course task list shows for a module.
type ModuleStatus string

// Module statuses, in the order a learner meets them.
const (
	StatusCannotStart ModuleStatus = "cannot_start" // an earlier module is not passed yet
	StatusNotStarted  ModuleStatus = "not_started"
	StatusInProgress  ModuleStatus = "in_progress"
	StatusPassed      ModuleStatus = "passed"
)

// Progress is one learner's whole state in a course: enough to apply every
// eligibility rule without asking the database again.
type Progress struct {
	Course      *Course
	Modules     map[string]ModuleProgress // by module ID; absent = never opened
	Evaluated   bool                      // this cycle's evaluation is in
	Certificate *Certificate              // this cycle's certificate, if any
	Cycle       int                       // 1, then 2 for the first refresher…
	Previous    *Certificate              // during a refresher, the latest certificate of an earlier cycle
}

// InRefresher reports whether the learner is taking the course again.
func (p *Progress) InRefresher() bool { return p.Cycle > 1 }

// Status of a module for this learner.
func (p *Progress) Status(m *Module) ModuleStatus {
	mp, ok := p.Modules[m.ID]
	switch {
	case ok && mp.Passed():
		return StatusPassed
	case !p.CanOpen(m):
		return StatusCannotStart
	case ok:
		return StatusInProgress
	default:
		return StatusNotStarted
	}
}

// CanOpen reports whether the learner may open a module: modules open in
// order, so every earlier module must be passed. A passed module can always
// be revisited.
func (p *Progress) CanOpen(m *Module) bool {
	for _, earlier := range p.Course.Modules {
		if earlier == m {
			return true
		}
		if !p.Modules[earlier.ID].Passed() {
			return false
		}
	}
	return false // not a module of this course
}

// CanAnswer reports whether the learner may change answers in a module: it
// must be open and not yet passed (a passed module is kept as it was passed).
func (p *Progress) CanAnswer(m *Module) bool {
	return p.CanOpen(m) && !p.Modules[m.ID].Passed()
}

// PassedCount is how many modules are passed.
func (p *Progress) PassedCount() int {
	n := 0
	for _, m := range p.Course.Modules {
		if p.Modules[m.ID].Passed() {
			n++
		}
	}
	return n
}

// CanEvaluate reports whether the learner may fill in the course evaluation:
// every module passed and no evaluation yet.
func (p *Progress) CanEvaluate() bool {
	return p.PassedCount() == len(p.Course.Modules) && !p.Evaluated
}

// Completed reports whether the course is complete: every module passed and
// the evaluation in. A certificate is issued at exactly this moment.
func (p *Progress) Completed() bool {
	return p.PassedCount() == len(p.Course.Modules) && p.Evaluated
}

// Started reports whether the learner has opened any module.
func (p *Progress) Started() bool { return len(p.Modules) > 0 }

// CPDMinutes is the continuing professional development time a certificate
// records: the course's estimated length, which is what the partnership
// accredits, not the (often shorter or interrupted) time a learner logged.
func (c *Course) CPDMinutes() int { return c.Minutes() }

// MaxGap is the longest gap between two interactions with a module that
// counts as time spent on it, so that a page left open overnight does not
// count as study. The store adds min(gap since the last recorded visit,
// MaxGap) at most once per VisitInterval, in place.
const MaxGap = 10 * time.Minute
