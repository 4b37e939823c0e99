package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/loadgen"
)

func init() {
	Register("loadtest", "load a local node: kefu loadtest chat --url http://127.0.0.1:8080 --conns 10000 --chatting 2000 --duration 60s --token T", loadtestCmd)
}

func loadtestCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "chat" {
		fmt.Fprintln(env.Stderr, "usage: kefu loadtest chat --url http://127.0.0.1:8080 --conns N --chatting M --duration D --token T")
		return errUsage
	}
	fs := flag.NewFlagSet("loadtest chat", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var o loadgen.Options
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "the node to load (loopback addresses only)")
	fs.IntVar(&o.Conns, "conns", 1000, "widget connections to hold open")
	fs.IntVar(&o.Chatting, "chatting", 100, "connections that start a chat and exchange messages with the agent")
	fs.DurationVar(&o.Duration, "duration", 60*time.Second, "how long the chats last once every connection is open (at most 1h)")
	fs.StringVar(&o.Token, "token", "", "a staff API token for the agent side (an admin's also reads /metrics)")
	fs.StringVar(&o.AdminToken, "admin-token", "", "an admin's API token for the server's /metrics (default --token)")
	fs.StringVar(&o.MetricsURL, "metrics-url", "", "the server's metrics (default URL/metrics; the --metrics-addr listener if the node has one)")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "a chatting visitor's pause between messages")
	fs.IntVar(&o.PerIP, "per-ip", 16, "connections per loopback source address (the server allows 20 per IP)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	o.Log = env.Stderr
	rep, err := loadgen.Run(ctx, o)
	if rep != nil {
		rep.Write(env.Stdout)
	}
	return err
}
