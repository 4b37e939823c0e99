package widget

import (
	"sync"
	"time"
)

// Rate limits and connection caps are kept per node, in memory: a visitor who spreads their
// requests over N nodes gets N times the allowance. They bound abuse, they are not quotas.

// Rate is a token bucket's refill and size: Per events per Every, bursts of Burst.
type Rate struct {
	Per   int
	Every time.Duration
	Burst int
}

// limiter holds token buckets by key ("msg|1.2.3.4").
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{buckets: map[string]*bucket{}, now: now}
}

// allow takes a token from key's bucket under rate r.
func (l *limiter) allow(key string, r Rate) bool {
	if r.Per <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%4096 == 0 {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(r.Burst), last: now}
		l.buckets[key] = b
	}
	rate := float64(r.Per) / float64(r.Every)
	b.tokens = min(float64(r.Burst), b.tokens+float64(now.Sub(b.last))*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops buckets untouched for ten minutes (full again by then at any sane rate).
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) > 10*time.Minute {
			delete(l.buckets, k)
		}
	}
}

// counter counts open connections by IP.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire takes a place for ip if it has fewer than max; release gives it back.
func (c *counter) acquire(ip string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max > 0 && c.n[ip] >= max {
		return false
	}
	c.n[ip]++
	return true
}

func (c *counter) release(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip] <= 1 {
		delete(c.n, ip)
		return
	}
	c.n[ip]--
}
