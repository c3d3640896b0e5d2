// Package schedule parses and runs renkei's cron schedules. It is the only
// package that imports robfig/cron; it triggers plain functions and knows
// nothing of what they do.
package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed cron spec in a time zone, optionally moved off
// bank holidays.
type Schedule struct {
	spec     string
	sched    cron.Schedule
	loc      *time.Location
	holidays *Holidays // nil: activations stay where the spec puts them
}

// SkipHolidays returns the schedule with every activation that falls on a
// bank holiday moved to the same time on the next business day.
func (s Schedule) SkipHolidays(h *Holidays) Schedule {
	s.holidays = h
	return s
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
func (s Schedule) Next(t time.Time) time.Time {
	t = t.In(s.loc)
	next := s.sched.Next(t)
	if s.holidays == nil {
		return next
	}
	// A moved activation may still be ahead of t when the spec's own next
	// one is later: 「月曜が祝日なら火曜」.
	if prev, ok := s.rawPrev(t); ok {
		if moved := s.holidays.NextBusinessDay(prev); moved.After(t) && moved.Before(next) {
			return moved
		}
	}
	return s.holidays.NextBusinessDay(next)
}

// rawPrev is the spec's last activation at or before t, ignoring holidays.
func (s Schedule) rawPrev(t time.Time) (time.Time, bool) {
	from := t.AddDate(0, 0, -15)
	last, found := time.Time{}, false
	for next := s.sched.Next(from); !next.After(t); next = s.sched.Next(next) {
		last, found = next, true
	}
	return last, found
}

// Prev returns the last activation at or before t (holidays moved as in
// Next), searching back 40 days; ok is false when there was none.
func (s Schedule) Prev(t time.Time) (time.Time, bool) {
	t = t.In(s.loc)
	from := t.AddDate(0, 0, -40)
	last, found := time.Time{}, false
	// Walk forward from 40 days ago; cron has no reverse iterator.
	for next := s.Next(from); !next.After(t); next = s.Next(next) {
		last, found = next, true
	}
	return last, found
}

// String is the spec as written.
func (s Schedule) String() string { return s.spec }

// Location is the zone the schedule runs in.
func (s Schedule) Location() *time.Location { return s.loc }
