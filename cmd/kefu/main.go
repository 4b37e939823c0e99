// Command kefu is the Kefu customer-service center: one binary for the server, its
// database migrations, staff and token management, the demo company and the benchmark
// data generator.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kefuhq/kefu/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}
