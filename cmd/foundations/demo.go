package main

import (
	"context"
	"errors"
	"io"
)

// demo is being written (helper-11 replaces this file).
func demo(ctx context.Context, cfg *config, args []string, out io.Writer) error {
	return errors.New("demo: not built yet")
}
