package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"
)

// Analyze refreshes the planner's statistics and the visibility map after
// a large load (the demo data), as autovacuum would soon after. Only
// PostgreSQL needs it; on SQLite it does nothing. VACUUM cannot run in a
// transaction, nor prepared, so it goes through pgx directly.
func (s *Store) Analyze(ctx context.Context) error {
	if !s.postgres {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL driver is %T, not pgx", dc)
		}
		_, err := sc.Conn().PgConn().Exec(ctx, `VACUUM (ANALYZE) users, enrolments, module_progress, answers, attempts, attempt_answers,
			evaluations, evaluation_responses, certificates, manager_links, confirmations, audit_log, module_minutes, evaluation_totals`).ReadAll()
		return err
	})
}
