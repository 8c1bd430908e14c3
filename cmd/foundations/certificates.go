package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/badge"
	"github.com/foundations/foundations/app/lti"
	"github.com/foundations/foundations/app/store"
)

// checkNames logs how many names accepted before the name rule cannot be
// printed on a certificate (the count only: never the names). Those
// learners are asked to confirm their name when they next sign in.
func checkNames(ctx context.Context, log *slog.Logger, st *store.Store) error {
	n, err := app.CountUnprintableNames(ctx, st)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Warn("some learners' names cannot be printed on certificates; each is asked to confirm a printable name at next sign-in", "count", n)
	} else {
		log.Info("every learner's name can be printed on certificates", "count", 0)
	}
	return nil
}

// rotateBadgeKey makes a fresh badge signing key current. Badges signed
// with the old key still verify: it stays in the published key set.
func rotateBadgeKey(ctx context.Context, cfg *config, out io.Writer) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	is := &badge.Issuer{Keys: st, BaseURL: cfg.BaseURL, Partnership: cfg.Placeholders["partnership_name"],
		Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	k, err := is.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "New badges are signed with key %s. Earlier keys stay published at %s.\n", k.ID, is.KeySetURL())
	return nil
}

// rotateLTIKey makes a fresh LTI tool key current. The old key stays in
// the published key set for lti.RetiredKeyLife.
func rotateLTIKey(ctx context.Context, cfg *config, out io.Writer) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	tool := lti.New(st, cfg.BaseURL, func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) })
	k, err := tool.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "LTI messages are now signed with key %s. The previous key stays published at %s for 7 days.\n", k.ID, cfg.BaseURL+app.LTIKeySetPath)
	return nil
}
