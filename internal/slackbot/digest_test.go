package slackbot

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/digest"
)

var _ digest.SlackPoster = (*Adapter)(nil)

func october(t *testing.T) digest.Digest {
	t.Helper()
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	return digest.Compose(c, at("2023-10-01"), 30)
}

func TestDigestGolden(t *testing.T) {
	d := october(t)
	msgs := digestMessages(d)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	for _, m := range msgs {
		checkLimits(t, m)
	}
	golden(t, "digest-2023-10-01", msgs)
	if got := DigestBlocks(d); len(got) != 1 || len(got[0]) != len(msgs[0].Blocks) {
		t.Errorf("DigestBlocks: %d messages", len(got))
	}
	text := textOf(t, mustJSON(t, msgs[0].Blocks))
	for _, want := range []string{"10月4日(水)～10月5日(木)", "大東京信用組合", "あと3日", "第37回「ディープテック特集」", "アイオー信用金庫", "DES", "048-600-0256"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	if strings.Contains(text, "小松川") {
		t.Error("11/15 is outside the period")
	}
}

func TestDigestEmptyAndStale(t *testing.T) {
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	d := digest.Compose(c, at("2024-06-03"), 14)
	msgs := digestMessages(d)
	for _, m := range msgs {
		checkLimits(t, m)
	}
	text := textOf(t, mustJSON(t, msgs[0].Blocks))
	if !strings.Contains(text, "この期間の交流会・期限はありません。") || !strings.Contains(text, d.Stale) {
		t.Errorf("empty stale digest:\n%s", text)
	}
}

// bigDigest has more items than one message can hold.
func bigDigest(n int) digest.Digest {
	d := digest.Digest{From: corpus.Date(2023, 10, 1), To: corpus.Date(2023, 12, 31), Edition: 2023,
		Contact: corpus.Contact{Org: "関東経済産業局", Office: "金融連携推進室", Phone: "048-600-0256"}}
	for i := range n {
		kind := digest.KindEvent
		if i%3 == 0 {
			kind = digest.KindDeadline
		}
		d.Items = append(d.Items, digest.Item{Kind: kind, Title: strings.Repeat("長い<題名>&", 40) + strconv.Itoa(i),
			Start: corpus.Date(2023, 10, 2), End: corpus.Date(2023, 10, 2), Precision: corpus.Day, Format: "対面",
			Host: "信用金庫", Venue: "会場", URL: "https://example.com/?a=1&b=2", Measure: "施策", Countdown: "あと1日"})
	}
	return d
}

func TestDigestSplits(t *testing.T) {
	msgs := digestMessages(bigDigest(150))
	if len(msgs) < 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	items := 0
	for i, m := range msgs {
		checkLimits(t, m)
		if len(m.Blocks) > digestMaxBlocks {
			t.Errorf("message %d: %d blocks", i, len(m.Blocks))
		}
		items += strings.Count(textOf(t, mustJSON(t, m.Blocks)), "<https://example.com/?a=1&amp;b=2|詳細ページ>")
		if i > 0 && !strings.Contains(m.Text, "（続き "+strconv.Itoa(i+1)+"/") {
			t.Errorf("message %d text %q", i, m.Text)
		}
	}
	if items != 150 {
		t.Errorf("%d items rendered, want 150", items)
	}
}

func TestPostDigestPaces(t *testing.T) {
	h := newHarness(t)
	d := bigDigest(150)
	n := len(digestMessages(d))
	if err := h.a.PostDigest(context.Background(), "C0DIGEST", d); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.all()
	if len(posts) != n {
		t.Fatalf("%d posts, want %d", len(posts), n)
	}
	for i, p := range posts {
		if p.Get("channel") != "C0DIGEST" || p.Get("blocks") == "" || p.Get("thread_ts") != "" {
			t.Errorf("post %d: %v", i, p)
		}
	}
	waits := h.sleeper.all()
	if len(waits) != n-1 {
		t.Fatalf("waits %v, want %d of 1 s", waits, n-1)
	}
	for _, w := range waits {
		if w != time.Second {
			t.Errorf("waited %v, want 1s", w)
		}
	}
	// Another channel is not held back by the first.
	if err := h.a.PostDigest(context.Background(), "C0OTHER", october(t)); err != nil {
		t.Fatal(err)
	}
	if got := len(h.sleeper.all()); got != n-1 {
		t.Errorf("%d waits after posting to another channel, want %d", got, n-1)
	}
}

func TestPostDigestFails(t *testing.T) {
	h := newHarness(t)
	h.slack.fail(status(http.StatusNotFound)) // not retried
	err := h.a.PostDigest(context.Background(), "C0DIGEST", october(t))
	if err == nil || !strings.Contains(err.Error(), "slack digest 2023-10-01+30: post to C0DIGEST: 0 of 1 messages sent") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.a.PostDigest(ctx, "C0DIGEST", october(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
