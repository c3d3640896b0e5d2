package slackbot

import (
	"sync"
	"time"
)

// Slack retries an event up to three times within about five minutes; an
// hour covers them with room, and the size bound caps memory under load.
const (
	dedupeTTL = time.Hour
	dedupeMax = 20000
)

// dedupe remembers keys (event ids, messages) for a while, so that a
// retried delivery is answered once.
type dedupe struct {
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

func newDedupe(ttl time.Duration, max int) *dedupe {
	return &dedupe{ttl: ttl, max: max, at: map[string]time.Time{}}
}

// add records key at now and reports whether it is new. Expired keys and
// the oldest beyond the size bound are forgotten.
func (d *dedupe) add(key string, now time.Time) bool {
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

// forget removes key, so that a delivery refused for want of capacity is
// taken when Slack retries it.
func (d *dedupe) forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.at, key)
}

func (d *dedupe) evict(now time.Time) {
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

func (d *dedupe) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.at)
}
