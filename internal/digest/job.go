package digest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/schedule"
)

// Job composes and sends the digest of the period starting at a given
// time. cron only triggers it; renkei digest --send and the start-up
// catch-up call Run directly.
type Job struct {
	Corpus    func() *corpus.Corpus // the corpus answering now
	Sender    *Sender
	Days      int
	SkipEmpty bool
	Logger    *slog.Logger
	// Lock, when set, keeps two processes (the scheduler and a manual
	// renkei digest --send) from sending at once: ok is false when another
	// holds it. The lock must end with its process (a crash frees it).
	Lock func() (unlock func(), ok bool)
}

// ErrBusy is returned when another process is sending a digest.
var ErrBusy = errors.New("別の renkei がダイジェストを送信中です。終わってからもう一度お試しください")

// Run sends the digest of the Days days from at. An empty digest is not
// sent when SkipEmpty is set.
func (j *Job) Run(ctx context.Context, at time.Time) (Result, error) {
	d := Compose(j.Corpus(), at, j.Days)
	log := j.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if d.Empty() && j.SkipEmpty {
		log.InfoContext(ctx, "digest: nothing in the period; not sent", "period", d.Period())
		return Result{Period: d.Period()}, nil
	}
	if j.Lock != nil {
		unlock, ok := j.Lock()
		if !ok {
			log.WarnContext(ctx, "digest: another process is sending; not sent now", "period", d.Period())
			return Result{Period: d.Period()}, ErrBusy
		}
		defer unlock()
	}
	return j.Sender.Send(ctx, d)
}

// Due returns the activation a process starting at now should still
// honour: the last one before now, if it is at most grace old. The
// delivery log makes running it again harmless when it did run.
func Due(s schedule.Schedule, now time.Time, grace time.Duration) (time.Time, bool) {
	prev, ok := s.Prev(now)
	if !ok || now.Sub(prev) > grace {
		return time.Time{}, false
	}
	return prev, true
}
