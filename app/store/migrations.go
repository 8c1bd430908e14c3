package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema change. Once shipped, a migration is
// never edited: a change to the schema is a new migration at the end.
// {{id}} and {{time}} are replaced per dialect.
type migration struct {
	version int
	name    string
	sql     string
	// run, if set, runs after sql in the same transaction: for a change
	// that a rule written in Go must compute (a repair, say).
	run func(ctx context.Context, tx *Store) error
}

var migrations = []migration{
	{1, "accounts, learning and certificates", `
CREATE TABLE organisations (
	id {{id}},
	name TEXT NOT NULL,
	name_norm TEXT NOT NULL UNIQUE,
	created_at {{time}} NOT NULL
);
CREATE TABLE users (
	id {{id}},
	name TEXT NOT NULL,
	name_norm TEXT NOT NULL,
	email TEXT NOT NULL,
	email_norm TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	organisation_id BIGINT NOT NULL REFERENCES organisations(id),
	job_role TEXT NOT NULL,
	manager_email TEXT NOT NULL DEFAULT '',
	roles TEXT NOT NULL DEFAULT 'learner',
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX users_manager_email ON users (manager_email);
CREATE INDEX users_organisation ON users (organisation_id);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE enrolments (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	organisation_id BIGINT NOT NULL REFERENCES organisations(id),
	started_at {{time}} NOT NULL,
	modules_passed INTEGER NOT NULL DEFAULT 0,
	completed_at {{time}},
	PRIMARY KEY (user_id, course_id)
);
CREATE INDEX enrolments_org_completed ON enrolments (organisation_id, completed_at);
CREATE INDEX enrolments_completed ON enrolments (course_id, completed_at);
CREATE TABLE module_progress (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	module_id TEXT NOT NULL,
	started_at {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	seconds_spent INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_percent INTEGER NOT NULL DEFAULT 0,
	passed_at {{time}},
	pass_percent INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, course_id, module_id)
);
CREATE TABLE answers (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	module_id TEXT NOT NULL,
	question_id TEXT NOT NULL,
	options TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT '',
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (user_id, course_id, question_id)
);
CREATE TABLE attempts (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	module_id TEXT NOT NULL,
	number INTEGER NOT NULL,
	correct INTEGER NOT NULL,
	total INTEGER NOT NULL,
	percent INTEGER NOT NULL,
	passed BOOLEAN NOT NULL,
	created_at {{time}} NOT NULL,
	UNIQUE (user_id, course_id, module_id, number)
);
CREATE TABLE attempt_answers (
	attempt_id BIGINT NOT NULL REFERENCES attempts(id),
	question_id TEXT NOT NULL,
	options TEXT NOT NULL,
	correct BOOLEAN NOT NULL,
	PRIMARY KEY (attempt_id, question_id)
);
CREATE TABLE evaluations (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	submitted_at {{time}} NOT NULL,
	PRIMARY KEY (user_id, course_id)
);
CREATE TABLE evaluation_responses (
	user_id BIGINT NOT NULL,
	course_id TEXT NOT NULL,
	item_id TEXT NOT NULL,
	rating INTEGER,
	comment TEXT,
	PRIMARY KEY (user_id, course_id, item_id),
	FOREIGN KEY (user_id, course_id) REFERENCES evaluations (user_id, course_id)
);
CREATE TABLE certificates (
	id {{id}},
	code TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	learner_name TEXT NOT NULL,
	course_title TEXT NOT NULL,
	modules TEXT NOT NULL,
	completed_at {{time}} NOT NULL,
	cpd_minutes INTEGER NOT NULL,
	issued_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	partnership TEXT NOT NULL,
	revoked_at {{time}},
	revoked_reason TEXT NOT NULL DEFAULT '',
	replaced_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX certificates_current ON certificates (user_id, course_id) WHERE revoked_at IS NULL;
CREATE INDEX certificates_expires ON certificates (expires_at);
`, nil},
	{2, "managers, coordinators, confirmations and the audit trail", `
ALTER TABLE enrolments ADD COLUMN modules_started INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN confirmed_at {{time}};
ALTER TABLE enrolments ADD COLUMN certificate_code TEXT NOT NULL DEFAULT '';
ALTER TABLE enrolments ADD COLUMN certificate_expires_at {{time}};
ALTER TABLE enrolments ADD COLUMN certificate_revoked_at {{time}};
UPDATE enrolments SET modules_started = (SELECT COUNT(*) FROM module_progress mp WHERE mp.user_id = enrolments.user_id AND mp.course_id = enrolments.course_id);
UPDATE enrolments SET
	certificate_code = COALESCE((SELECT c.code FROM certificates c WHERE c.user_id = enrolments.user_id AND c.course_id = enrolments.course_id AND c.revoked_at IS NULL), ''),
	certificate_expires_at = (SELECT c.expires_at FROM certificates c WHERE c.user_id = enrolments.user_id AND c.course_id = enrolments.course_id AND c.revoked_at IS NULL);
CREATE INDEX enrolments_expires ON enrolments (course_id, certificate_expires_at);
CREATE INDEX users_name ON users (name_norm, id);
CREATE INDEX users_org_name ON users (organisation_id, name_norm, id);
CREATE TABLE manager_links (
	learner_id BIGINT NOT NULL REFERENCES users(id),
	manager_id BIGINT NOT NULL REFERENCES users(id),
	accepted_at {{time}} NOT NULL,
	PRIMARY KEY (learner_id, manager_id)
);
CREATE INDEX manager_links_manager ON manager_links (manager_id);
CREATE TABLE confirmations (
	learner_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	manager_id BIGINT NOT NULL REFERENCES users(id),
	confirmed_at {{time}} NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (learner_id, course_id)
);
CREATE TABLE audit_log (
	id {{id}},
	actor_id BIGINT NOT NULL REFERENCES users(id),
	action TEXT NOT NULL,
	subject_user_id BIGINT REFERENCES users(id),
	detail TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_subject ON audit_log (subject_user_id, created_at);
CREATE INDEX attempts_first ON attempts (course_id, module_id, number);
CREATE INDEX evaluations_submitted ON evaluations (course_id, submitted_at);
CREATE TABLE module_minutes (
	course_id TEXT NOT NULL,
	module_id TEXT NOT NULL,
	minutes INTEGER NOT NULL,
	learners INTEGER NOT NULL,
	PRIMARY KEY (course_id, module_id, minutes)
);
INSERT INTO module_minutes (course_id, module_id, minutes, learners)
	SELECT course_id, module_id, (seconds_spent + 30) / 60, COUNT(*) FROM module_progress WHERE passed_at IS NOT NULL GROUP BY course_id, module_id, (seconds_spent + 30) / 60;
CREATE TABLE evaluation_totals (
	course_id TEXT NOT NULL,
	item_id TEXT NOT NULL,
	responses INTEGER NOT NULL,
	total INTEGER NOT NULL,
	PRIMARY KEY (course_id, item_id)
);
INSERT INTO evaluation_totals (course_id, item_id, responses, total)
	SELECT course_id, item_id, COUNT(*), SUM(rating) FROM evaluation_responses WHERE rating IS NOT NULL GROUP BY course_id, item_id
`, nil},
	// 3: the summary gains the learner's stage (app.Stage, written only by
	// refreshEnrolment); a learner can take the course again (a cycle),
	// with each cycle's attempts, evaluation, confirmation and certificate
	// kept; and every learner's progress is recomputed from their attempts:
	// a double submit under version 2 could leave a pass in attempts that
	// progress did not show, and the learner stuck.
	{3, "learner stage, refresher cycles, and progress repaired from attempts", `
ALTER TABLE enrolments ADD COLUMN stage TEXT NOT NULL DEFAULT 'in_progress';
ALTER TABLE enrolments ADD COLUMN cycle INTEGER NOT NULL DEFAULT 1;
CREATE INDEX enrolments_stage ON enrolments (course_id, stage, certificate_expires_at);
ALTER TABLE attempts ADD COLUMN cycle INTEGER NOT NULL DEFAULT 1;
ALTER TABLE certificates ADD COLUMN cycle INTEGER NOT NULL DEFAULT 1;
DROP INDEX certificates_current;
CREATE UNIQUE INDEX certificates_current ON certificates (user_id, course_id, cycle) WHERE revoked_at IS NULL;
CREATE TABLE evaluations_by_cycle (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	cycle INTEGER NOT NULL,
	submitted_at {{time}} NOT NULL,
	PRIMARY KEY (user_id, course_id, cycle)
);
INSERT INTO evaluations_by_cycle (user_id, course_id, cycle, submitted_at) SELECT user_id, course_id, 1, submitted_at FROM evaluations;
CREATE TABLE evaluation_responses_by_cycle (
	user_id BIGINT NOT NULL,
	course_id TEXT NOT NULL,
	cycle INTEGER NOT NULL,
	item_id TEXT NOT NULL,
	rating INTEGER,
	comment TEXT,
	PRIMARY KEY (user_id, course_id, cycle, item_id),
	FOREIGN KEY (user_id, course_id, cycle) REFERENCES evaluations_by_cycle (user_id, course_id, cycle)
);
INSERT INTO evaluation_responses_by_cycle (user_id, course_id, cycle, item_id, rating, comment)
	SELECT user_id, course_id, 1, item_id, rating, comment FROM evaluation_responses;
DROP TABLE evaluation_responses;
DROP TABLE evaluations;
ALTER TABLE evaluations_by_cycle RENAME TO evaluations;
ALTER TABLE evaluation_responses_by_cycle RENAME TO evaluation_responses;
CREATE INDEX evaluations_submitted ON evaluations (course_id, submitted_at);
CREATE TABLE confirmations_by_cycle (
	learner_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	cycle INTEGER NOT NULL,
	manager_id BIGINT NOT NULL REFERENCES users(id),
	confirmed_at {{time}} NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (learner_id, course_id, cycle)
);
INSERT INTO confirmations_by_cycle (learner_id, course_id, cycle, manager_id, confirmed_at, note)
	SELECT learner_id, course_id, 1, manager_id, confirmed_at, note FROM confirmations;
DROP TABLE confirmations;
ALTER TABLE confirmations_by_cycle RENAME TO confirmations
`, func(ctx context.Context, tx *Store) error { return tx.RepairProgress(ctx) }},
	{10, "rate-limit counters shared by every instance", `
CREATE TABLE throttle_counters (
	throttle_key TEXT PRIMARY KEY,
	window_start BIGINT NOT NULL,
	hits INTEGER NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX throttle_counters_expires ON throttle_counters (expires_at);
CREATE TABLE throttle_backoff (
	throttle_key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	next_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX throttle_backoff_updated ON throttle_backoff (updated_at)
`, nil},
	{11, "instance settings and periodic job runs", `
CREATE TABLE instance_settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE TABLE job_runs (
	name TEXT PRIMARY KEY,
	ran_at {{time}} NOT NULL
)
`, nil},
	// 20–29: certificates (issue 10).
	{20, "public revocation reasons", `
ALTER TABLE certificates ADD COLUMN public_reason TEXT NOT NULL DEFAULT ''`, nil},
	{21, "badge signing keys", `
CREATE TABLE signing_keys (
	id {{id}},
	kid TEXT NOT NULL UNIQUE,
	algorithm TEXT NOT NULL,
	private_jwk TEXT NOT NULL,
	current_slot INTEGER UNIQUE,
	created_at {{time}} NOT NULL,
	retired_at {{time}}
)`, nil},
	// 30: the optional knowledge check, once per learner, course and phase.
	{30, "knowledge check before and after", `
CREATE TABLE knowledge_checks (
	user_id BIGINT NOT NULL REFERENCES users(id),
	course_id TEXT NOT NULL,
	phase TEXT NOT NULL,
	answers TEXT NOT NULL DEFAULT '{}',
	correct INTEGER NOT NULL,
	total INTEGER NOT NULL,
	percent INTEGER NOT NULL,
	taken_at {{time}} NOT NULL,
	PRIMARY KEY (user_id, course_id, phase)
);
CREATE INDEX knowledge_checks_course ON knowledge_checks (course_id, phase)
`, nil},
	{40, "verified email addresses, link tokens and the email outbox", `
ALTER TABLE users ADD COLUMN email_verified_at {{time}};
UPDATE users SET email_verified_at = created_at;
CREATE TABLE link_tokens (
	token_hash TEXT PRIMARY KEY,
	purpose TEXT NOT NULL,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	email TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	used_at {{time}}
);
CREATE INDEX link_tokens_user ON link_tokens (user_id);
CREATE INDEX link_tokens_expires ON link_tokens (expires_at);
CREATE TABLE emails (
	id {{id}},
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	recipient TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	body_text TEXT NOT NULL DEFAULT '',
	body_html TEXT NOT NULL DEFAULT '',
	unsubscribe TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_reply TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	sent_at {{time}}
);
CREATE INDEX emails_created ON emails (created_at);
CREATE INDEX emails_user ON emails (user_id)
`, nil},
	{41, "email preferences and notifications sent once", `
CREATE TABLE email_preferences (
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	topic TEXT NOT NULL,
	enabled BOOLEAN NOT NULL,
	updated_at {{time}} NOT NULL,
	PRIMARY KEY (user_id, topic)
);
CREATE TABLE notifications_sent (
	notification_key TEXT PRIMARY KEY,
	user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL
);
CREATE INDEX notifications_sent_user ON notifications_sent (user_id)
`, nil},
	{42, "activity and erasure of accounts", `
ALTER TABLE users ADD COLUMN last_active_at {{time}};
ALTER TABLE users ADD COLUMN erasure_warned_at {{time}};
ALTER TABLE users ADD COLUMN erased_at {{time}};
UPDATE users SET last_active_at = COALESCE((SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = users.id), created_at);
CREATE INDEX users_last_active ON users (last_active_at)
`, nil},
	{50, "managers decline or remove people who named them", `
CREATE TABLE manager_declines (
	id {{id}},
	learner_id BIGINT NOT NULL REFERENCES users(id),
	manager_id BIGINT NOT NULL REFERENCES users(id),
	manager_email TEXT NOT NULL,
	declined_at {{time}} NOT NULL
);
CREATE INDEX manager_declines_learner ON manager_declines (learner_id, declined_at)
`, nil},
	{60, "sign-in through organisation accounts and learning platforms", `
CREATE TABLE identities (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	method TEXT NOT NULL,
	issuer TEXT NOT NULL,
	subject TEXT NOT NULL,
	label TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	last_used_at {{time}} NOT NULL,
	UNIQUE (method, issuer, subject)
);
CREATE INDEX identities_user ON identities (user_id)
`, nil},
	{61, "sign-ins under way at an OpenID provider", `
CREATE TABLE oidc_states (
	id {{id}},
	state_hash TEXT NOT NULL UNIQUE,
	browser_hash TEXT NOT NULL,
	provider TEXT NOT NULL,
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	next TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at)
`, nil},
	{65, "outside sign-ins waiting for a step", `
CREATE TABLE pending_sign_ins (
	token_hash TEXT PRIMARY KEY,
	step TEXT NOT NULL,
	account TEXT NOT NULL,
	user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX pending_sign_ins_expires ON pending_sign_ins (expires_at)
`, nil},
	// 70: LTI 1.3: platforms an administrator registered, logins in
	// flight (state and nonce, single use), each subject's latest launch
	// (its line item), the scores owed to platforms (one per learner,
	// platform and event) and the tool's own RS256 keys.
	{70, "LTI 1.3 platforms, launches, scores and tool keys", `
CREATE TABLE lti_platforms (
	id {{id}},
	name TEXT NOT NULL,
	issuer TEXT NOT NULL,
	client_id TEXT NOT NULL,
	deployment_ids TEXT NOT NULL,
	auth_url TEXT NOT NULL,
	token_url TEXT NOT NULL,
	keyset_url TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	UNIQUE (issuer, client_id)
);
CREATE TABLE lti_states (
	state_hash TEXT PRIMARY KEY,
	browser_hash TEXT NOT NULL,
	nonce TEXT NOT NULL,
	platform_id BIGINT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
	expires_at {{time}} NOT NULL
);
CREATE INDEX lti_states_expiry ON lti_states (expires_at);
CREATE TABLE lti_launches (
	platform_id BIGINT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
	subject TEXT NOT NULL,
	deployment_id TEXT NOT NULL,
	resource_link_id TEXT NOT NULL,
	context_id TEXT NOT NULL,
	line_item TEXT NOT NULL,
	line_items TEXT NOT NULL,
	scopes TEXT NOT NULL,
	launched_at {{time}} NOT NULL,
	PRIMARY KEY (platform_id, subject)
);
CREATE TABLE lti_scores (
	id {{id}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	platform_id BIGINT NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
	event TEXT NOT NULL,
	line_item TEXT NOT NULL,
	subject TEXT NOT NULL,
	score_given DOUBLE PRECISION NOT NULL,
	score_maximum DOUBLE PRECISION NOT NULL,
	activity_progress TEXT NOT NULL,
	grading_progress TEXT NOT NULL,
	scored_at {{time}} NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	sent_at {{time}},
	UNIQUE (user_id, platform_id, event)
);
CREATE INDEX lti_scores_platform ON lti_scores (platform_id, status);
CREATE TABLE lti_keys (
	id {{id}},
	kid TEXT NOT NULL UNIQUE,
	algorithm TEXT NOT NULL,
	private_jwk TEXT NOT NULL,
	current_slot INTEGER UNIQUE,
	created_at {{time}} NOT NULL,
	retired_at {{time}}
)`, nil},
}

func (s *Store) dialectSQL(sql string) string {
	if s.postgres {
		return strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{time}}", "TIMESTAMPTZ").Replace(sql)
	}
	return strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{time}}", "DATETIME").Replace(sql)
}

// Migrate brings the schema up to date: each migration not yet recorded in
// schema_migrations runs in its own transaction with its record, in order.
// On PostgreSQL an advisory lock keeps two starting instances from racing.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(s.dialectSQL(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{time}} NOT NULL)`)).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(7245190)`).Error; err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		var applied []int
		if err := tx.Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&applied).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.version] {
				continue
			}
			err := tx.Transaction(func(tx *gorm.DB) error {
				for _, stmt := range strings.Split(s.dialectSQL(m.sql), ";\n") {
					if strings.TrimSpace(stmt) == "" {
						continue
					}
					if err := tx.Exec(stmt).Error; err != nil {
						return err
					}
				}
				if m.run != nil {
					if err := m.run(ctx, &Store{db: tx, postgres: s.postgres}); err != nil {
						return err
					}
				}
				return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, time.Now().UTC()).Error
			})
			if err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

// MigrationVersions lists every migration's version, in the order they run.
func MigrationVersions() []int {
	v := make([]int, len(migrations))
	for i, m := range migrations {
		v[i] = m.version
	}
	return v
}

// SchemaVersion is the newest migration recorded.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v).Error
	return v, err
}
