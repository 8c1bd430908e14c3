package store

import (
	"context"
	"time"

	"github.com/foundations/foundations/app"
)

type oidcStateRow struct {
	ID          int64 `gorm:"primaryKey"`
	StateHash   string
	BrowserHash string
	Provider    string
	Nonce       string
	Verifier    string
	Next        string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

func (oidcStateRow) TableName() string { return "oidc_states" }

// SaveOIDCState implements app.OIDCStateStore. Expired states are swept
// here, so the table holds only the last few minutes' sign-ins.
func (s *Store) SaveOIDCState(ctx context.Context, st *app.OIDCState) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM oidc_states WHERE expires_at < ?`, st.CreatedAt.UTC()).Error; err != nil {
		return wrap(err, "expired sign-in states")
	}
	r := oidcStateRow{StateHash: st.StateHash, BrowserHash: st.BrowserHash, Provider: st.Provider, Nonce: st.Nonce,
		Verifier: st.Verifier, Next: st.Next, CreatedAt: st.CreatedAt.UTC(), ExpiresAt: st.ExpiresAt.UTC()}
	return wrap(db.Create(&r).Error, "sign-in state")
}

// TakeOIDCState implements app.OIDCStateStore: the DELETE is conditional
// on the row still being there, so of two requests that read it only one
// deletes it and gets it.
func (s *Store) TakeOIDCState(ctx context.Context, stateHash, browserHash string, now time.Time) (*app.OIDCState, error) {
	db := s.db.WithContext(ctx)
	var r oidcStateRow
	err := db.Where("state_hash = ? AND browser_hash = ? AND expires_at > ?", stateHash, browserHash, now.UTC()).Take(&r).Error
	if err != nil {
		return nil, wrap(err, "sign-in state")
	}
	res := db.Exec(`DELETE FROM oidc_states WHERE id = ?`, r.ID)
	if res.Error != nil {
		return nil, wrap(res.Error, "sign-in state")
	}
	if res.RowsAffected != 1 {
		return nil, &app.Error{Code: app.ENOTFOUND, Message: "sign-in state not found"}
	}
	return &app.OIDCState{StateHash: r.StateHash, BrowserHash: r.BrowserHash, Provider: r.Provider, Nonce: r.Nonce,
		Verifier: r.Verifier, Next: r.Next, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}, nil
}
