// Package dedupe remembers keys (webhook event ids, messages) for a
// while, so that a platform's retry or redelivery is handled once. It is
// in memory: bounded in time and size, and lost on restart.
package dedupe

import (
	"sync"
	"time"
)

// Set remembers keys for a while. It is safe for concurrent use.
type Set struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	queue []seenKey // oldest first; may hold keys since forgotten or re-added
}

type seenKey struct {
	key string
	at  time.Time
}

// New makes a Set keeping each key for ttl, and at most max keys (the
// oldest go first).
func New(ttl time.Duration, max int) *Set {
	return &Set{ttl: ttl, max: max, at: map[string]time.Time{}}
}

// Add records key at now and reports whether it is new. Expired keys and
// the oldest beyond the size bound are forgotten. An empty key (old or
// hand-made payloads) is never a duplicate and is not recorded.
func (d *Set) Add(key string, now time.Time) bool {
	if key == "" {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evict(now)
	if _, ok := d.at[key]; ok {
		return false
	}
	d.at[key] = now
	d.queue = append(d.queue, seenKey{key, now})
	return true
}

// Forget removes key, so that a delivery refused for want of capacity is
// taken when the platform retries it.
func (d *Set) Forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.at, key)
}

func (d *Set) evict(now time.Time) {
	for len(d.queue) > 0 {
		old := d.queue[0]
		if now.Sub(old.at) < d.ttl && len(d.at) < d.max && len(d.queue) < 2*d.max {
			break
		}
		d.queue[0] = seenKey{}
		d.queue = d.queue[1:]
		if at, ok := d.at[old.key]; ok && at.Equal(old.at) {
			delete(d.at, old.key)
		}
	}
}

// Len is the number of keys remembered.
func (d *Set) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.at)
}
