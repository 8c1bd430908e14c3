package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
)

type moduleProgressRow struct {
	UserID       int64  `gorm:"primaryKey"`
	CourseID     string `gorm:"primaryKey"`
	ModuleID     string `gorm:"primaryKey"`
	StartedAt    time.Time
	LastSeenAt   time.Time
	SecondsSpent int
	Attempts     int
	LastPercent  int
	PassedAt     *time.Time
	PassPercent  int
}

func (moduleProgressRow) TableName() string { return "module_progress" }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type answerRow struct {
	UserID     int64  `gorm:"primaryKey"`
	CourseID   string `gorm:"primaryKey"`
	QuestionID string `gorm:"primaryKey"`
	ModuleID   string
	Options    string
	Text       string
	UpdatedAt  time.Time
}

func (answerRow) TableName() string { return "answers" }

func splitOptions(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type attemptRow struct {
	ID        int64
	UserID    int64
	CourseID  string
	ModuleID  string
	Number    int
	Correct   int
	Total     int
	Percent   int
	Passed    bool
	CreatedAt time.Time
	Cycle     int
}

func (attemptRow) TableName() string { return "attempts" }

type attemptAnswerRow struct {
	AttemptID  int64  `gorm:"primaryKey"`
	QuestionID string `gorm:"primaryKey"`
	Options    string
	Correct    bool
}

func (attemptAnswerRow) TableName() string { return "attempt_answers" }

type evaluationRow struct {
	UserID      int64  `gorm:"primaryKey"`
	CourseID    string `gorm:"primaryKey"`
	Cycle       int    `gorm:"primaryKey"`
	SubmittedAt time.Time
}

func (evaluationRow) TableName() string { return "evaluations" }

type evaluationResponseRow struct {
	UserID   int64  `gorm:"primaryKey"`
	CourseID string `gorm:"primaryKey"`
	Cycle    int    `gorm:"primaryKey"`
	ItemID   string `gorm:"primaryKey"`
	Rating   *int
	Comment  *string
}

func (evaluationResponseRow) TableName() string { return "evaluation_responses" }

// Evaluation implements app.Store.
func (s *Store) Evaluation(ctx context.Context, userID int64, courseID string) (*app.Evaluation, error) {
	db := s.db.WithContext(ctx)
	var r evaluationRow
	if err := db.Where("user_id = ? AND course_id = ? AND cycle = "+cycleSQL, userID, courseID, userID, courseID).Take(&r).Error; err != nil {
		return nil, wrap(err, "evaluation")
	}
	var rs []evaluationResponseRow
	if err := db.Where("user_id = ? AND course_id = ? AND cycle = ?", userID, courseID, r.Cycle).Find(&rs).Error; err != nil {
		return nil, wrap(err, "evaluation responses")
	}
	ev := &app.Evaluation{UserID: userID, CourseID: courseID, Cycle: r.Cycle, SubmittedAt: r.SubmittedAt, Ratings: map[string]int{}, Comments: map[string]string{}}
	for _, x := range rs {
		if x.Rating != nil {
			ev.Ratings[x.ItemID] = *x.Rating
		}
		if x.Comment != nil {
			ev.Comments[x.ItemID] = *x.Comment
		}
	}
	return ev, nil
}

// saveEvaluation records an evaluation and adds its ratings to the
// totals; a second evaluation is ECONFLICT.
func (s *Store) saveEvaluation(ctx context.Context, e *app.Evaluation) error {
	db := s.db.WithContext(ctx)
	cycle := max(e.Cycle, 1)
	if err := db.Create(&evaluationRow{UserID: e.UserID, CourseID: e.CourseID, Cycle: cycle, SubmittedAt: e.SubmittedAt.UTC()}).Error; err != nil {
		return wrap(err, "evaluation")
	}
	var rows []evaluationResponseRow
	for id, v := range e.Ratings {
		rows = append(rows, evaluationResponseRow{UserID: e.UserID, CourseID: e.CourseID, Cycle: cycle, ItemID: id, Rating: &v})
	}
	for id, v := range e.Comments {
		rows = append(rows, evaluationResponseRow{UserID: e.UserID, CourseID: e.CourseID, Cycle: cycle, ItemID: id, Comment: &v})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := db.Create(&rows).Error; err != nil {
		return wrap(err, "evaluation responses")
	}
	// Every rating is added to its item's totals in one statement (the
	// items are distinct, so no row is changed twice).
	if len(e.Ratings) == 0 {
		return nil
	}
	ids := make([]string, 0, len(e.Ratings))
	for id := range e.Ratings {
		ids = append(ids, id)
	}
	sort.Strings(ids) // one order for every evaluation: two at once lock the rows in the same order
	values, args := make([]string, len(ids)), make([]any, 0, 3*len(ids))
	for i, id := range ids {
		values[i] = "(?, ?, 1, ?)"
		args = append(args, e.CourseID, id, e.Ratings[id])
	}
	err := db.Exec(`INSERT INTO evaluation_totals (course_id, item_id, responses, total) VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT (course_id, item_id) DO UPDATE SET responses = evaluation_totals.responses + 1, total = evaluation_totals.total + excluded.total`, args...).Error
	if err != nil {
		return wrap(err, "evaluation totals")
	}
	return nil
}

type certificateRow struct {
	ID            int64
	Code          string
	UserID        int64
	CourseID      string
	LearnerName   string
	CourseTitle   string
	Modules       string
	CompletedAt   time.Time
	CPDMinutes    int `gorm:"column:cpd_minutes"`
	IssuedAt      time.Time
	ExpiresAt     time.Time
	Partnership   string
	RevokedAt     *time.Time
	RevokedReason string
	PublicReason  string `gorm:"->"` // written only by SetPublicReason (certificate.go)
	ReplacedBy    string
	Cycle         int
}

func (certificateRow) TableName() string { return "certificates" }

func (r *certificateRow) certificate() *app.Certificate {
	c := &app.Certificate{ID: r.ID, Code: r.Code, UserID: r.UserID, CourseID: r.CourseID, LearnerName: r.LearnerName,
		CourseTitle: r.CourseTitle, CompletedAt: r.CompletedAt, CPDMinutes: r.CPDMinutes, IssuedAt: r.IssuedAt,
		ExpiresAt: r.ExpiresAt, Partnership: r.Partnership, RevokedAt: r.RevokedAt, RevokedReason: r.RevokedReason, PublicReason: r.PublicReason,
		ReplacedBy: r.ReplacedBy, Cycle: r.Cycle}
	_ = json.Unmarshal([]byte(r.Modules), &c.Modules) // written by CreateCertificate; always valid JSON
	return c
}

// createCertificate records a certificate. A learner holds at most one
// unrevoked certificate per course: a second is ECONFLICT.
func (s *Store) createCertificate(ctx context.Context, c *app.Certificate) error {
	mods, _ := json.Marshal(c.Modules)
	r := certificateRow{Code: c.Code, UserID: c.UserID, CourseID: c.CourseID, LearnerName: c.LearnerName, CourseTitle: c.CourseTitle,
		Modules: string(mods), CompletedAt: c.CompletedAt.UTC(), CPDMinutes: c.CPDMinutes, IssuedAt: c.IssuedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(), Partnership: c.Partnership, RevokedAt: utcPtr(c.RevokedAt), RevokedReason: c.RevokedReason, ReplacedBy: c.ReplacedBy, Cycle: max(c.Cycle, 1)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return wrap(err, "certificate")
	}
	c.ID = r.ID
	return nil
}

// CertificateForUser implements app.Store: the current (unrevoked)
// certificate, or else the most recently issued one.
func (s *Store) CertificateForUser(ctx context.Context, userID int64, courseID string) (*app.Certificate, error) {
	var r certificateRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND course_id = ?", userID, courseID).
		Order("CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, issued_at DESC").Take(&r).Error
	if err != nil {
		return nil, wrap(err, "certificate")
	}
	return r.certificate(), nil
}

// CertificateByCode implements app.Store.
func (s *Store) CertificateByCode(ctx context.Context, code string) (*app.Certificate, error) {
	var r certificateRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return nil, wrap(err, "certificate")
	}
	return r.certificate(), nil
}
