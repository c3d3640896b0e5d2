// Package schedule parses and runs renkei's cron schedules. It is the only
// package that imports robfig/cron; it triggers plain functions and knows
// nothing of what they do.
package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed cron spec in a time zone.
type Schedule struct {
	spec  string
	sched cron.Schedule
	loc   *time.Location
}

// Parse reads a standard five-field cron spec (「0 9 * * 1」: 09:00 every
// Monday) or a descriptor (@daily, @weekly) in zone loc.
func Parse(spec string, loc *time.Location) (Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	return Schedule{spec: spec, sched: s, loc: loc}, nil
}

// Next returns the first activation strictly after t, in the schedule's zone.
func (s Schedule) Next(t time.Time) time.Time { return s.sched.Next(t.In(s.loc)) }

// Prev returns the last activation at or before t, searching back at most
// a year; ok is false when there was none.
func (s Schedule) Prev(t time.Time) (time.Time, bool) {
	t = t.In(s.loc)
	from := t.AddDate(-1, 0, 0)
	last, found := time.Time{}, false
	// Walk forward from a year ago; cron has no reverse iterator. Weekly
	// schedules take ~52 steps.
	for next := s.sched.Next(from); !next.After(t); next = s.sched.Next(next) {
		last, found = next, true
	}
	return last, found
}

// String is the spec as written.
func (s Schedule) String() string { return s.spec }

// Location is the zone the schedule runs in.
func (s Schedule) Location() *time.Location { return s.loc }
