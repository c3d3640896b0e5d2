package slackbot

import (
	"strconv"
	"testing"
	"time"
)

func TestDedupe(t *testing.T) {
	d := newDedupe(time.Hour, 3)
	t0 := testNow
	for _, tc := range []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true},
		{"a", time.Minute, false},      // a retry
		{"b", 2 * time.Minute, true},   //
		{"a", 59 * time.Minute, false}, // still remembered
		{"a", 61 * time.Minute, true},  // forgotten after the TTL
		{"c", 62 * time.Minute, true},
		{"d", 63 * time.Minute, true}, // over the size bound: b (the oldest) goes
		{"b", 64 * time.Minute, true},
		{"d", 64 * time.Minute, false},
	} {
		if got := d.add(tc.key, t0.Add(tc.at)); got != tc.want {
			t.Errorf("add(%s) at +%v = %v, want %v", tc.key, tc.at, got, tc.want)
		}
		if n := d.len(); n > 3 {
			t.Errorf("%d keys kept, bound 3", n)
		}
	}
	d.forget("d")
	if !d.add("d", t0.Add(65*time.Minute)) {
		t.Error("a forgotten key is still known")
	}
}

func TestDedupeBounded(t *testing.T) {
	d := newDedupe(time.Hour, 1000)
	for i := range 100000 {
		k := strconv.Itoa(i)
		d.add(k, testNow)
		if i%7 == 0 {
			d.forget(k)
		}
	}
	if n := d.len(); n > 1000 {
		t.Errorf("%d keys", n)
	}
	if n := len(d.queue); n > 2000 {
		t.Errorf("queue of %d", n)
	}
}
