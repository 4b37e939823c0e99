// Package bench measures Kefu's core requests through the HTTP API on a generated database
// and sets each figure against the bare engine: the same SQL the service runs, executed
// directly through database/sql on the same data. Everything lives in the tests:
//
//	KEFU_BENCH_DB=/path/to/kefu.db go test ./internal/bench/ -run '^$' -bench . -benchtime 1x -timeout 60m
//
// Without KEFU_BENCH_DB the benchmarks skip; TestBenchHarnessSmoke runs every case on a
// small database it builds itself, and checks that the bare queries return the same rows
// as the API. docs/benchmarks.md has the figures and how to reproduce them.
package bench
