package main

import (
	"context"
	"fmt"
	"io"
)

func snapshotCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "nsweb snapshot: not built yet")
	return 1
}
