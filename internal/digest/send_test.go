package digest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/schedule"
	"github.com/kanto-renkei/renkei/internal/store"
)

// fakeLINE behaves like LINE's multicast: a retry key seen before is not
// delivered again. It records who received what.
type fakeLINE struct {
	mu       sync.Mutex
	keys     map[string]bool
	received map[string]int // user → deliveries
	items    map[string]int // user → items in the last digest
	calls    int
	failFor  map[string]int // retry key → failures left
	crashAt  int            // after this many calls, "crash": deliver, then fail the caller
}

func newFakeLINE() *fakeLINE {
	return &fakeLINE{keys: map[string]bool{}, received: map[string]int{}, items: map[string]int{}, failFor: map[string]int{}}
}

var errCrash = errors.New("process killed")

func (f *fakeLINE) MulticastDigest(ctx context.Context, users []string, d Digest, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failFor[key] > 0 {
		f.failFor[key]--
		return errors.New("LINE API 500")
	}
	if len(users) > MulticastLimit {
		return fmt.Errorf("%d users in one multicast", len(users))
	}
	if !f.keys[key] {
		f.keys[key] = true
		for _, u := range users {
			f.received[u]++
			f.items[u] = len(d.Items)
		}
	}
	if f.crashAt > 0 && f.calls == f.crashAt {
		return errCrash // delivered, but the sender dies before recording it
	}
	return nil
}

type fakeSlack struct {
	mu    sync.Mutex
	posts map[string]int
	fail  map[string]int
}

func (f *fakeSlack) PostDigest(ctx context.Context, ch string, d Digest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[ch] > 0 {
		f.fail[ch]--
		return errors.New("slack 500")
	}
	f.posts[ch]++
	return nil
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func subscribe(t *testing.T, st *store.Store, n int, topics func(i int) []string) []string {
	t.Helper()
	var ids []string
	now := time.Date(2023, 9, 1, 9, 0, 0, 0, corpus.Tokyo)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("U%05d", i)
		if err := st.Subscribe(context.Background(), id, now); err != nil {
			t.Fatal(err)
		}
		if topics != nil && topics(i) != nil {
			if err := st.SetTopics(context.Background(), id, topics(i), now); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

func noSleep(context.Context, time.Duration) error { return nil }

// crashingLog stops recording after a number of writes: the process died.
type crashingLog struct {
	DeliveryLog
	left int
}

func (c *crashingLog) FinishDeliveries(ctx context.Context, p string, ts []string, now time.Time, err error) error {
	if c.left == 0 {
		return errCrash
	}
	c.left--
	return c.DeliveryLog.FinishDeliveries(ctx, p, ts, now, err)
}

func TestSendExactlyOnceAcrossACrash(t *testing.T) {
	st := openStore(t)
	users := subscribe(t, st, 1203, func(i int) []string {
		switch i % 10 {
		case 1:
			return []string{TopicEvent}
		case 2:
			return []string{TopicDeadline}
		}
		return nil
	})
	c, _ := corpus.Default()
	d := Compose(c, time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo), 30)
	line, slack := newFakeLINE(), &fakeSlack{posts: map[string]int{}, fail: map[string]int{}}
	line.crashAt = 2 // the second multicast is delivered, then the process dies
	first := &Sender{Log: &crashingLog{DeliveryLog: st, left: 3}, Subs: st, LINE: line, Slack: slack, Channels: []string{"C1", "C2"},
		Sleep: noSleep, Passes: 1}
	if _, err := first.Send(context.Background(), d); err == nil {
		t.Fatal("the crashed run reported success")
	}
	// A new subscriber arrives before the restart: the plan is fixed, so
	// the chunks (and their retry keys) do not shift.
	subscribe(t, st, 1204, nil)
	line.crashAt = 0
	second := &Sender{Log: st, Subs: st, LINE: line, Slack: slack, Channels: []string{"C1", "C2"}, Sleep: noSleep}
	res, err := second.Send(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if line.received[u] != 1 {
			t.Fatalf("user %s received the digest %d times", u, line.received[u])
		}
	}
	if line.received["U01203"] != 0 {
		t.Error("a user who subscribed after the period's plan got it")
	}
	for _, ch := range []string{"C1", "C2"} {
		if slack.posts[ch] != 1 {
			t.Errorf("channel %s got %d posts", ch, slack.posts[ch])
		}
	}
	// Topics: events-only users get events only.
	if line.items["U00001"] == line.items["U00000"] || line.items["U00001"] == 0 {
		t.Errorf("topic filtering: all %d items, events-only %d", line.items["U00000"], line.items["U00001"])
	}
	// A third run sends nothing.
	calls := line.calls
	res, err = second.Send(context.Background(), d)
	if err != nil || res.Sent != 0 || line.calls != calls {
		t.Errorf("third run: %+v %v, %d new calls", res, err, line.calls-calls)
	}
	ds, _ := st.Deliveries(context.Background(), d.Period())
	for _, r := range ds {
		if r.Status != store.DeliverySent {
			t.Errorf("%s is %s", r.Target, r.Status)
		}
	}
}

func TestSendRetriesFailuresWithoutBlockingOthers(t *testing.T) {
	st := openStore(t)
	subscribe(t, st, 1100, nil)
	c, _ := corpus.Default()
	d := Compose(c, time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo), 30)
	line := newFakeLINE()
	line.failFor[RetryKey(d.Period(), "all", 1)] = 100 // the second chunk keeps failing
	slack := &fakeSlack{posts: map[string]int{}, fail: map[string]int{"C1": 1}}
	var waits []time.Duration
	s := &Sender{Log: st, Subs: st, LINE: line, Slack: slack, Channels: []string{"C1", "C2"}, Passes: 3, Backoff: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	res, err := s.Send(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if slack.posts["C1"] != 1 || slack.posts["C2"] != 1 {
		t.Errorf("slack posts %v: C1 must succeed on the second pass", slack.posts)
	}
	if res.Failed != 500 {
		t.Errorf("failed = %d, want the 500 users of the failing chunk", res.Failed)
	}
	if fmt.Sprint(waits) != "[1s 4s]" {
		t.Errorf("backoff waits %v", waits)
	}
	got := 0
	for _, n := range line.received {
		got += n
	}
	if got != 600 {
		t.Errorf("%d users received it, want 600", got)
	}
}

func TestRetryKeyIsAStableUUID(t *testing.T) {
	k := RetryKey("2023-10-02+14", "all", 0)
	if k != RetryKey("2023-10-02+14", "all", 0) || k == RetryKey("2023-10-02+14", "all", 1) || k == RetryKey("2023-10-09+14", "all", 0) {
		t.Error("keys must be stable per period and chunk")
	}
	if len(k) != 36 || strings.Count(k, "-") != 4 || k[14] != '5' {
		t.Errorf("not a UUID: %s", k)
	}
}

func TestDueCatchUp(t *testing.T) {
	s, _ := schedule.Parse("0 9 * * 1", corpus.Tokyo)
	s = s.SkipHolidays(schedule.JapaneseHolidays())
	at := func(v string) time.Time { t, _ := time.ParseInLocation("2006-01-02 15:04", v, corpus.Tokyo); return t }
	for _, tc := range []struct {
		now  string
		want string // "" = nothing due
	}{
		{"2023-10-02 12:00", "2023-10-02 09:00"}, // down at 9:00, up at noon: within 6 h
		{"2023-10-02 16:00", ""},                 // 7 h late: too late
		{"2023-10-10 10:00", "2023-10-10 09:00"}, // the holiday-moved run
		{"2023-10-04 09:30", ""},
	} {
		got, ok := Due(s, at(tc.now), 6*time.Hour)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s: %v due", tc.now, got)
		case tc.want != "" && (!ok || !got.Equal(at(tc.want))):
			t.Errorf("%s: due %v %v, want %s", tc.now, got, ok, tc.want)
		}
	}
}

func TestJobSkipsEmpty(t *testing.T) {
	c, _ := corpus.Default()
	line := newFakeLINE()
	st := openStore(t)
	subscribe(t, st, 3, nil)
	j := &Job{Corpus: func() *corpus.Corpus { return c }, Days: 14, SkipEmpty: true,
		Sender: &Sender{Log: st, Subs: st, LINE: line, Sleep: noSleep}}
	if res, err := j.Run(context.Background(), time.Date(2023, 3, 1, 9, 0, 0, 0, corpus.Tokyo)); err != nil || res.Sent != 0 || line.calls != 0 {
		t.Errorf("empty period: %+v %v calls %d", res, err, line.calls)
	}
	if res, err := j.Run(context.Background(), time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo)); err != nil || res.Sent != 3 {
		t.Errorf("period with events: %+v %v", res, err)
	}
}

func TestJobLock(t *testing.T) {
	c, _ := corpus.Default()
	line := newFakeLINE()
	st := openStore(t)
	subscribe(t, st, 2, nil)
	held := true
	j := &Job{Corpus: func() *corpus.Corpus { return c }, Days: 30,
		Sender: &Sender{Log: st, Subs: st, LINE: line, Sleep: noSleep},
		Lock:   func() (func(), bool) { return func() {}, !held }}
	if _, err := j.Run(context.Background(), time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo)); !errors.Is(err, ErrBusy) || line.calls != 0 {
		t.Errorf("while another process sends: %v, %d calls", err, line.calls)
	}
	held = false
	if res, err := j.Run(context.Background(), time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo)); err != nil || res.Sent != 2 {
		t.Errorf("%+v %v", res, err)
	}
}
