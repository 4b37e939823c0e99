package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu/internal/search"
)

func init() {
	commands["reindex"] = command{"rebuild the search indexes of messages and customers (after a bulk load or a repair)", reindex}
}

func reindex(ctx context.Context, env Env, args []string) error {
	fs, build := NewFlags(env, "reindex")
	a, err := OpenApp(ctx, env, fs, build, args)
	if err != nil {
		return err
	}
	defer a.Close()
	last := time.Now()
	st, err := search.Rebuild(ctx, a.DB, func(index string, done int) {
		if time.Since(last) > 5*time.Second {
			fmt.Fprintf(env.Stderr, "%s: %d indexed\n", index, done)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "indexed %d messages and %d customers in %s\n", st.Messages, st.Customers, st.Elapsed.Round(time.Millisecond))
	return nil
}
