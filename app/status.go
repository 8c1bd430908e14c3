package app

import "time"

// Where a learner stands is decided here, once: Stage (from the facts a
// learner's enrolment summary holds, written only by the store's summary
// writer) and Validity (from the certificate's expiry and the clock)
// together give the LearnerStatus that lists, filters, exports and
// managers' pages show. The store's status filter is derived from
// StatusCases, so SQL never restates the rule.

// RefresherWindow is how long before expiry a certificate is "refresher
// due", and from when the learner may start the course again.
const RefresherWindow = 60 * 24 * time.Hour

// Validity is where a certificate stands against the clock.
type Validity int

// Validities. NoCertificate is a learner without a current certificate.
const (
	NoCertificate Validity = iota
	Current                // more than RefresherWindow before expiry
	RefresherDue           // within RefresherWindow of expiry, not yet expired
	Expired                // at or after expiry
)

// Validities lists every Validity, for deriving filters.
var Validities = []Validity{NoCertificate, Current, RefresherDue, Expired}

// ValidityAt is where a certificate that expires at expires stands at now.
// A certificate expires at the instant ExpiresAt.
func ValidityAt(expires *time.Time, now time.Time) Validity {
	switch {
	case expires == nil:
		return NoCertificate
	case !now.Before(*expires):
		return Expired
	case expires.Sub(now) <= RefresherWindow:
		return RefresherDue
	default:
		return Current
	}
}

// ValidityBounds are the instants that separate the validities at now: a
// certificate is Expired if it expires at or before expiredBy, RefresherDue
// if after expiredBy and at or before dueBy, Current after dueBy. The store
// compares expiry dates with them; ValidityAt is the same rule.
func ValidityBounds(now time.Time) (expiredBy, dueBy time.Time) {
	return now, now.Add(RefresherWindow)
}

// Stage is where a learner stands in a course apart from the clock.
type Stage string

// Stages, in the order a learner meets them.
const (
	StageNotStarted Stage = "not_started" // no module opened: there is no enrolment
	StageInProgress Stage = "in_progress" // a module opened, course not complete
	StageCompleted  Stage = "completed"   // every module passed and the evaluation in
	StageConfirmed  Stage = "confirmed"   // completed and confirmed by the manager
	StageRevoked    Stage = "revoked"     // completed, but the certificate revoked and not reissued
	StageRefresher  Stage = "refresher"   // taking the course again, this time not complete yet
)

// Stages lists every Stage, for deriving filters.
var Stages = []Stage{StageNotStarted, StageInProgress, StageCompleted, StageConfirmed, StageRevoked, StageRefresher}

// Stage applies the rule to a learner's summary: a revoked certificate not
// replaced; a refresher under way; completion (of this cycle) confirmed by
// the manager; completion; a module started; nothing yet. A confirmation
// without completion counts for nothing.
func (r *LearnerRow) Stage() Stage {
	switch {
	case r.CompletedAt != nil && r.CertificateCode == "" && r.CertificateRevokedAt != nil:
		return StageRevoked
	case r.Cycle > 1 && r.CompletedAt == nil:
		return StageRefresher
	case r.CompletedAt != nil && r.ConfirmedAt != nil:
		return StageConfirmed
	case r.CompletedAt != nil:
		return StageCompleted
	case r.StartedAt != nil:
		return StageInProgress
	default:
		return StageNotStarted
	}
}

// Status is the learner's status at now.
func (r *LearnerRow) Status(now time.Time) LearnerStatus {
	return StatusOf(r.Stage(), ValidityAt(r.CertificateExpiresAt, now))
}

// StatusOf is the status of a learner at a stage whose certificate has a
// validity, in order of precedence: revoked; refresher in progress;
// expired; refresher due; confirmed; completed; in progress; not started.
func StatusOf(s Stage, v Validity) LearnerStatus {
	switch {
	case s == StageRevoked:
		return LearnerRevoked
	case s == StageRefresher:
		return LearnerRefresherInProgress
	case v == Expired:
		return LearnerExpired
	case v == RefresherDue:
		return LearnerRefresherDue
	case s == StageConfirmed:
		return LearnerConfirmed
	case s == StageCompleted:
		return LearnerCompleted
	case s == StageInProgress:
		return LearnerInProgress
	default:
		return LearnerNotStarted
	}
}

// StatusCase is one combination of stage and validity.
type StatusCase struct {
	Stage    Stage
	Validity Validity
}

// StatusCases are every combination of stage and validity whose status is
// want: the store's filter for a status matches exactly these, so a filter
// returns exactly the learners whose Status is want.
func StatusCases(want LearnerStatus) []StatusCase {
	var out []StatusCase
	for _, s := range Stages {
		for _, v := range Validities {
			if StatusOf(s, v) == want {
				out = append(out, StatusCase{s, v})
			}
		}
	}
	return out
}

// IsPassed reports whether a module status is passed, for templates.
func (s ModuleStatus) IsPassed() bool { return s == StatusPassed }

// IsInProgress reports whether a module status is in progress, for templates.
func (s ModuleStatus) IsInProgress() bool { return s == StatusInProgress }

// IsNotStarted reports whether a module is open but not started, for templates.
func (s ModuleStatus) IsNotStarted() bool { return s == StatusNotStarted }

// IsCannotStart reports whether a module cannot be started yet, for templates.
func (s ModuleStatus) IsCannotStart() bool { return s == StatusCannotStart }

// EnrolmentFacts are the inputs of a learner's enrolment summary, as the
// store reads them inside the transaction that changed one of them.
type EnrolmentFacts struct {
	OrganisationID   int64
	Cycle            int        // the learner's current cycle
	FirstStartedAt   *time.Time // earliest module opened in this cycle
	ModulesStarted   int
	ModulesPassed    int
	EvaluatedAt      *time.Time // this cycle's evaluation, which completes the course
	ConfirmedAt      *time.Time // the manager's confirmation of this cycle
	CurrentCode      string     // the latest unrevoked certificate of any cycle, if any
	CurrentExpiresAt *time.Time
	LastRevokedAt    *time.Time // the latest revocation, if any
}

// EnrolmentSummary is the per-learner summary row that reports read: the
// store writes it from Summarise and nowhere else.
type EnrolmentSummary struct {
	OrganisationID       int64
	Cycle                int
	Stage                Stage
	StartedAt            *time.Time
	ModulesStarted       int
	ModulesPassed        int
	CompletedAt          *time.Time
	ConfirmedAt          *time.Time
	CertificateCode      string
	CertificateExpiresAt *time.Time
	CertificateRevokedAt *time.Time // set only while no certificate replaces the revoked one
}

// Summarise is the summary those facts give.
func Summarise(f EnrolmentFacts) EnrolmentSummary {
	s := EnrolmentSummary{OrganisationID: f.OrganisationID, Cycle: max(f.Cycle, 1), StartedAt: f.FirstStartedAt, ModulesStarted: f.ModulesStarted,
		ModulesPassed: f.ModulesPassed, CompletedAt: f.EvaluatedAt, ConfirmedAt: f.ConfirmedAt,
		CertificateCode: f.CurrentCode, CertificateExpiresAt: f.CurrentExpiresAt}
	if f.CurrentCode == "" {
		s.CertificateExpiresAt, s.CertificateRevokedAt = nil, f.LastRevokedAt
	}
	row := LearnerRow{Cycle: s.Cycle, StartedAt: s.StartedAt, CompletedAt: s.CompletedAt, ConfirmedAt: s.ConfirmedAt,
		CertificateCode: s.CertificateCode, CertificateRevokedAt: s.CertificateRevokedAt}
	s.Stage = row.Stage()
	return s
}

// Milestone is a point in the course that a learner has reached, whatever
// their status now. The dashboard's totals count learners by milestone, and
// the learner list filters by it, so each total links to exactly its list.
type Milestone string

// Milestones.
const (
	MilestoneStarted   Milestone = "started"   // opened a module
	MilestoneCompleted Milestone = "completed" // completed the course at least once
	MilestoneConfirmed Milestone = "confirmed" // the current completion confirmed by the manager
)

// Milestones in the order filters offer them, with their labels.
var Milestones = []struct {
	Milestone Milestone
	Label     string
}{
	{MilestoneStarted, "Started"},
	{MilestoneCompleted, "Completed at least once"},
	{MilestoneConfirmed, "Confirmed by manager"},
}

// Reached reports whether the learner has reached m: a refresher under way
// still counts as a completion.
func (r *LearnerRow) Reached(m Milestone) bool {
	switch m {
	case MilestoneStarted:
		return r.StartedAt != nil
	case MilestoneCompleted:
		return r.CompletedAt != nil || r.Cycle > 1
	case MilestoneConfirmed:
		return r.ConfirmedAt != nil
	}
	return false
}
