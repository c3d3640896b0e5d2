// Package wait holds the one way renkei waits: a sleep that ends early
// when its context does. Retries and paced posts use it; tests inject
// their own function of the same type instead.
package wait

import (
	"context"
	"time"
)

// Sleep waits d, or returns ctx.Err() as soon as ctx ends. A d of zero or
// less returns at once (ctx.Err() when ctx has ended).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
