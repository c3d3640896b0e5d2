package schedule

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Runner triggers jobs on schedules. Each job is wrapped with panic
// recovery and skip-if-still-running; Stop waits for running jobs.
type Runner struct {
	c *cron.Cron
}

// cronLog adapts slog to cron's logger.
type cronLog struct{ log *slog.Logger }

func (l cronLog) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLog) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// NewRunner makes a stopped runner.
func NewRunner(log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := cronLog{log}
	// Recover must sit inside SkipIfStillRunning: cron's skip wrapper
	// releases its slot only when the job returns, so a panic escaping
	// through it would skip every later run.
	return &Runner{c: cron.New(cron.WithLogger(l), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))}
}

// Add runs job at every activation of s, with a context cancelled by ctx.
func (r *Runner) Add(ctx context.Context, s Schedule, job func(ctx context.Context, at time.Time)) {
	r.c.Schedule(cronSchedule{s}, cron.FuncJob(func() {
		job(ctx, time.Now().In(s.loc))
	}))
}

type cronSchedule struct{ s Schedule }

func (c cronSchedule) Next(t time.Time) time.Time { return c.s.Next(t) }

// Start begins triggering in the background.
func (r *Runner) Start() { r.c.Start() }

// Stop stops triggering and returns once running jobs have finished.
func (r *Runner) Stop() { <-r.c.Stop().Done() }
