package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// backup writes a consistent copy of the embedded SQLite database while the
// service may be running:
//
//	foundations backup /backups/foundations-2026-12-01.db
//
// Restore by stopping the service and putting the copy in place as
// DATA_DIR/foundations.db. PostgreSQL deployments use pg_dump instead.
func backup(ctx context.Context, cfg *config, args []string, out io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("backup needs one argument, the file to write: foundations backup FILE")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote a copy of the database to %s\n", args[0])
	return nil
}
