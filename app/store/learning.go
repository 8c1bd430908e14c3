package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"gorm.io/gorm/clause"
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

// ModuleProgress implements app.Store.
func (s *Store) ModuleProgress(ctx context.Context, userID int64, courseID string) ([]app.ModuleProgress, error) {
	var rows []moduleProgressRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND course_id = ?", userID, courseID).Find(&rows).Error; err != nil {
		return nil, wrap(err, "module progress")
	}
	out := make([]app.ModuleProgress, len(rows))
	for i, r := range rows {
		out[i] = app.ModuleProgress{UserID: r.UserID, CourseID: r.CourseID, ModuleID: r.ModuleID, StartedAt: r.StartedAt,
			LastSeenAt: r.LastSeenAt, SecondsSpent: r.SecondsSpent, Attempts: r.Attempts, LastPercent: r.LastPercent,
			PassedAt: r.PassedAt, PassPercent: r.PassPercent}
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// SaveModuleProgress implements app.Store (insert or replace).
func (s *Store) SaveModuleProgress(ctx context.Context, p *app.ModuleProgress) error {
	r := moduleProgressRow{UserID: p.UserID, CourseID: p.CourseID, ModuleID: p.ModuleID, StartedAt: p.StartedAt.UTC(),
		LastSeenAt: p.LastSeenAt.UTC(), SecondsSpent: p.SecondsSpent, Attempts: p.Attempts, LastPercent: p.LastPercent,
		PassedAt: utcPtr(p.PassedAt), PassPercent: p.PassPercent}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "course_id"}, {Name: "module_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_seen_at", "seconds_spent", "attempts", "last_percent", "passed_at", "pass_percent"}),
	}).Create(&r).Error
	return wrap(err, "module progress")
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

// Answers implements app.Store.
func (s *Store) Answers(ctx context.Context, userID int64, courseID, moduleID string) (app.Answers, error) {
	var rows []answerRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND course_id = ? AND module_id = ?", userID, courseID, moduleID).Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "answers")
	}
	out := make(app.Answers, len(rows))
	for _, r := range rows {
		out[r.QuestionID] = app.Answer{UserID: r.UserID, CourseID: r.CourseID, ModuleID: r.ModuleID, QuestionID: r.QuestionID,
			Options: splitOptions(r.Options), Text: r.Text, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

var answerUpsert = clause.OnConflict{
	Columns:   []clause.Column{{Name: "user_id"}, {Name: "course_id"}, {Name: "question_id"}},
	DoUpdates: clause.AssignmentColumns([]string{"module_id", "options", "text", "updated_at"}),
}

// SaveAnswer implements app.Store: one statement, durable when it returns.
func (s *Store) SaveAnswer(ctx context.Context, a app.Answer) error {
	db := s.db.WithContext(ctx)
	if a.Empty() {
		return wrap(db.Exec(`DELETE FROM answers WHERE user_id = ? AND course_id = ? AND question_id = ?`, a.UserID, a.CourseID, a.QuestionID).Error, "answer")
	}
	r := answerRow{UserID: a.UserID, CourseID: a.CourseID, QuestionID: a.QuestionID, ModuleID: a.ModuleID,
		Options: strings.Join(a.Options, ","), Text: a.Text, UpdatedAt: a.UpdatedAt.UTC()}
	return wrap(db.Clauses(answerUpsert).Create(&r).Error, "answer")
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
}

func (attemptRow) TableName() string { return "attempts" }

type attemptAnswerRow struct {
	AttemptID  int64  `gorm:"primaryKey"`
	QuestionID string `gorm:"primaryKey"`
	Options    string
	Correct    bool
}

func (attemptAnswerRow) TableName() string { return "attempt_answers" }

// AddAttempt implements app.Store. The attempt keeps the chosen options of
// every answered choice question with whether it was right (for the
// question analysis); reflections stay only in answers, private.
func (s *Store) AddAttempt(ctx context.Context, a *app.Attempt) error {
	db := s.db.WithContext(ctx)
	r := attemptRow{UserID: a.UserID, CourseID: a.CourseID, ModuleID: a.ModuleID, Number: a.Number, Correct: a.Correct,
		Total: a.Total, Percent: a.Percent, Passed: a.Passed, CreatedAt: a.CreatedAt.UTC()}
	if err := db.Create(&r).Error; err != nil {
		return wrap(err, "attempt")
	}
	a.ID = r.ID
	var rows []attemptAnswerRow
	for qid, ans := range a.Answers {
		if len(ans.Options) == 0 { // reflections and unanswered optional questions
			continue
		}
		rows = append(rows, attemptAnswerRow{AttemptID: r.ID, QuestionID: qid, Options: strings.Join(ans.Options, ","), Correct: a.Right[qid]})
	}
	if len(rows) > 0 {
		if err := db.Create(&rows).Error; err != nil {
			return wrap(err, "attempt answers")
		}
	}
	return nil
}

// Attempts implements app.Store, oldest first, with their answers.
func (s *Store) Attempts(ctx context.Context, userID int64, courseID, moduleID string) ([]app.Attempt, error) {
	db := s.db.WithContext(ctx)
	var rows []attemptRow
	if err := db.Where("user_id = ? AND course_id = ? AND module_id = ?", userID, courseID, moduleID).Order("number").Find(&rows).Error; err != nil {
		return nil, wrap(err, "attempts")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var answers []attemptAnswerRow
	if err := db.Where("attempt_id IN ?", ids).Find(&answers).Error; err != nil {
		return nil, wrap(err, "attempt answers")
	}
	byAttempt := map[int64]app.Answers{}
	for _, a := range answers {
		if byAttempt[a.AttemptID] == nil {
			byAttempt[a.AttemptID] = app.Answers{}
		}
		byAttempt[a.AttemptID][a.QuestionID] = app.Answer{QuestionID: a.QuestionID, ModuleID: moduleID, Options: splitOptions(a.Options)}
	}
	out := make([]app.Attempt, len(rows))
	for i, r := range rows {
		out[i] = app.Attempt{ID: r.ID, UserID: r.UserID, CourseID: r.CourseID, ModuleID: r.ModuleID, Number: r.Number,
			Correct: r.Correct, Total: r.Total, Percent: r.Percent, Passed: r.Passed, CreatedAt: r.CreatedAt, Answers: byAttempt[r.ID]}
		if out[i].Answers == nil {
			out[i].Answers = app.Answers{}
		}
	}
	return out, nil
}

// StartEnrolment implements app.Store: called when a learner first opens
// a module, it creates the summary row or counts one more module started.
func (s *Store) StartEnrolment(ctx context.Context, userID int64, courseID string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO enrolments (user_id, course_id, organisation_id, started_at, modules_passed, modules_started)
		SELECT id, ?, organisation_id, ?, 0, 1 FROM users WHERE id = ?
		ON CONFLICT (user_id, course_id) DO UPDATE SET modules_started = enrolments.modules_started + 1`, courseID, at.UTC(), userID).Error
	return wrap(err, "enrolment")
}

// SetEnrolmentCertificate implements app.Store.
func (s *Store) SetEnrolmentCertificate(ctx context.Context, userID int64, courseID, code string, expiresAt, revokedAt *time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE enrolments SET certificate_code = ?, certificate_expires_at = ?, certificate_revoked_at = ? WHERE user_id = ? AND course_id = ?`,
		code, utcPtr(expiresAt), utcPtr(revokedAt), userID, courseID).Error
	return wrap(err, "enrolment")
}

// RecordPassTime implements app.Store.
func (s *Store) RecordPassTime(ctx context.Context, courseID, moduleID string, minutes int) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO module_minutes (course_id, module_id, minutes, learners) VALUES (?, ?, ?, 1)
		ON CONFLICT (course_id, module_id, minutes) DO UPDATE SET learners = module_minutes.learners + 1`, courseID, moduleID, minutes).Error
	return wrap(err, "module minutes")
}

// UpdateEnrolment implements app.Store.
func (s *Store) UpdateEnrolment(ctx context.Context, userID int64, courseID string, modulesPassed int, completedAt *time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE enrolments SET modules_passed = ?, completed_at = COALESCE(?, completed_at) WHERE user_id = ? AND course_id = ?`,
		modulesPassed, utcPtr(completedAt), userID, courseID).Error
	return wrap(err, "enrolment")
}

type evaluationRow struct {
	UserID      int64  `gorm:"primaryKey"`
	CourseID    string `gorm:"primaryKey"`
	SubmittedAt time.Time
}

func (evaluationRow) TableName() string { return "evaluations" }

type evaluationResponseRow struct {
	UserID   int64  `gorm:"primaryKey"`
	CourseID string `gorm:"primaryKey"`
	ItemID   string `gorm:"primaryKey"`
	Rating   *int
	Comment  *string
}

func (evaluationResponseRow) TableName() string { return "evaluation_responses" }

// Evaluation implements app.Store.
func (s *Store) Evaluation(ctx context.Context, userID int64, courseID string) (*app.Evaluation, error) {
	db := s.db.WithContext(ctx)
	var r evaluationRow
	if err := db.Where("user_id = ? AND course_id = ?", userID, courseID).Take(&r).Error; err != nil {
		return nil, wrap(err, "evaluation")
	}
	var rs []evaluationResponseRow
	if err := db.Where("user_id = ? AND course_id = ?", userID, courseID).Find(&rs).Error; err != nil {
		return nil, wrap(err, "evaluation responses")
	}
	ev := &app.Evaluation{UserID: userID, CourseID: courseID, SubmittedAt: r.SubmittedAt, Ratings: map[string]int{}, Comments: map[string]string{}}
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

// SaveEvaluation implements app.Store; a second evaluation is ECONFLICT.
func (s *Store) SaveEvaluation(ctx context.Context, e *app.Evaluation) error {
	db := s.db.WithContext(ctx)
	if err := db.Create(&evaluationRow{UserID: e.UserID, CourseID: e.CourseID, SubmittedAt: e.SubmittedAt.UTC()}).Error; err != nil {
		return wrap(err, "evaluation")
	}
	var rows []evaluationResponseRow
	for id, v := range e.Ratings {
		rows = append(rows, evaluationResponseRow{UserID: e.UserID, CourseID: e.CourseID, ItemID: id, Rating: &v})
	}
	for id, v := range e.Comments {
		rows = append(rows, evaluationResponseRow{UserID: e.UserID, CourseID: e.CourseID, ItemID: id, Comment: &v})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := db.Create(&rows).Error; err != nil {
		return wrap(err, "evaluation responses")
	}
	for id, v := range e.Ratings {
		err := db.Exec(`INSERT INTO evaluation_totals (course_id, item_id, responses, total) VALUES (?, ?, 1, ?)
			ON CONFLICT (course_id, item_id) DO UPDATE SET responses = evaluation_totals.responses + 1, total = evaluation_totals.total + excluded.total`, e.CourseID, id, v).Error
		if err != nil {
			return wrap(err, "evaluation totals")
		}
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
}

func (certificateRow) TableName() string { return "certificates" }

func (r *certificateRow) certificate() *app.Certificate {
	c := &app.Certificate{ID: r.ID, Code: r.Code, UserID: r.UserID, CourseID: r.CourseID, LearnerName: r.LearnerName,
		CourseTitle: r.CourseTitle, CompletedAt: r.CompletedAt, CPDMinutes: r.CPDMinutes, IssuedAt: r.IssuedAt,
		ExpiresAt: r.ExpiresAt, Partnership: r.Partnership, RevokedAt: r.RevokedAt, RevokedReason: r.RevokedReason, PublicReason: r.PublicReason, ReplacedBy: r.ReplacedBy}
	_ = json.Unmarshal([]byte(r.Modules), &c.Modules) // written by CreateCertificate; always valid JSON
	return c
}

// CreateCertificate implements app.Store. A learner holds at most one
// unrevoked certificate per course: a second is ECONFLICT.
func (s *Store) CreateCertificate(ctx context.Context, c *app.Certificate) error {
	mods, _ := json.Marshal(c.Modules)
	r := certificateRow{Code: c.Code, UserID: c.UserID, CourseID: c.CourseID, LearnerName: c.LearnerName, CourseTitle: c.CourseTitle,
		Modules: string(mods), CompletedAt: c.CompletedAt.UTC(), CPDMinutes: c.CPDMinutes, IssuedAt: c.IssuedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(), Partnership: c.Partnership, RevokedAt: utcPtr(c.RevokedAt), RevokedReason: c.RevokedReason, ReplacedBy: c.ReplacedBy}
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
