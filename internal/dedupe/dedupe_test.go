package dedupe

import (
	"strconv"
	"testing"
	"time"
)

func TestDedupe(t *testing.T) {
	d := New(time.Hour, 3)
	t0 := time.Date(2023, 11, 1, 9, 0, 0, 0, time.UTC)
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
		if got := d.Add(tc.key, t0.Add(tc.at)); got != tc.want {
			t.Errorf("add(%s) at +%v = %v, want %v", tc.key, tc.at, got, tc.want)
		}
		if n := d.Len(); n > 3 {
			t.Errorf("%d keys kept, bound 3", n)
		}
	}
	d.Forget("d")
	if !d.Add("d", t0.Add(65*time.Minute)) {
		t.Error("a forgotten key is still known")
	}
}

func TestDedupeBounded(t *testing.T) {
	d := New(time.Hour, 1000)
	for i := range 100000 {
		k := strconv.Itoa(i)
		d.Add(k, time.Date(2023, 11, 1, 9, 0, 0, 0, time.UTC))
		if i%7 == 0 {
			d.Forget(k)
		}
	}
	if n := d.Len(); n > 1000 {
		t.Errorf("%d keys", n)
	}
	if n := len(d.queue); n > 2000 {
		t.Errorf("queue of %d", n)
	}
}

func TestDedupeForgetsAfterTTL(t *testing.T) {
	d := New(time.Hour, 3)
	t0 := time.Date(2023, 11, 1, 9, 0, 0, 0, time.UTC)
	if !d.Add("a", t0) || d.Add("a", t0.Add(time.Hour/2)) {
		t.Fatal("a")
	}
	if !d.Add("a", t0.Add(time.Hour)) {
		t.Error("a not forgotten after the TTL")
	}
	d.Add("b", t0.Add(time.Hour))
	d.Add("c", t0.Add(time.Hour))
	d.Add("d", t0.Add(time.Hour)) // over max: the oldest goes
	if !d.Add("a", t0.Add(time.Hour)) {
		t.Error("max not enforced")
	}
	d.Forget("d")
	if !d.Add("d", t0.Add(time.Hour)) {
		t.Error("remove")
	}
	if !d.Add("", t0) || !d.Add("", t0) {
		t.Error("empty ids are never duplicates")
	}
}
