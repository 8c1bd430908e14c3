package store

import (
	"context"
	"strings"

	"github.com/foundations/foundations/app"
)

// AddOrganisation implements app.ReportStore.
func (s *Store) AddOrganisation(ctx context.Context, name string) (*app.Organisation, error) {
	r := organisationRow{Name: name, NameNorm: strings.ToLower(name), CreatedAt: Now()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return nil, wrap(err, "organisation")
	}
	return &app.Organisation{ID: r.ID, Name: r.Name}, nil
}

// RenameOrganisation implements app.ReportStore.
func (s *Store) RenameOrganisation(ctx context.Context, id int64, name string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE organisations SET name = ?, name_norm = ? WHERE id = ?`, name, strings.ToLower(name), id)
	if res.Error != nil {
		return wrap(res.Error, "organisation")
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "There is no such organisation.")
	}
	return nil
}

// MergeOrganisation implements app.ReportStore: moves every learner and
// summary row, then deletes the merged organisation.
func (s *Store) MergeOrganisation(ctx context.Context, fromID, intoID int64) error {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Raw(`SELECT COUNT(*) FROM organisations WHERE id IN (?, ?)`, fromID, intoID).Scan(&n).Error; err != nil {
		return wrap(err, "organisations")
	}
	if n != 2 {
		return app.Errorf(app.ENOTFOUND, "There is no such organisation.")
	}
	return s.transact(ctx, func(tx *Store) error {
		var moved []int64
		if err := tx.db.Raw(`UPDATE users SET organisation_id = ? WHERE organisation_id = ? RETURNING id`, intoID, fromID).Scan(&moved).Error; err != nil {
			return wrap(err, "merge organisations")
		}
		now := Now()
		for _, id := range moved {
			if err := tx.refreshLearner(ctx, id, now); err != nil {
				return err
			}
		}
		return wrap(tx.db.Exec(`DELETE FROM organisations WHERE id = ?`, fromID).Error, "merge organisations")
	})
}
