package digest

import (
	golden_ "github.com/kanto-renkei/renkei/internal/golden"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
)

func load(t *testing.T) *corpus.Corpus {
	t.Helper()
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", s, corpus.Tokyo)
	return t.Add(9 * time.Hour)
}

func titles(d Digest, kind string) []string {
	var out []string
	for _, it := range d.Items {
		if it.Kind == kind {
			out = append(out, it.Start.Format("01-02")+" "+it.Title)
		}
	}
	return out
}

func TestComposeOctober2023(t *testing.T) {
	d := Compose(load(t), at("2023-10-01"), 30)
	ev := strings.Join(titles(d, KindEvent), "\n")
	for _, want := range []string{"10-04 新現役交流会 No.10（大東京信用組合）", "10-19 第37回「ディープテック特集」", "10-23 新現役交流会 No.11（アイオー信用金庫）"} {
		if !strings.Contains(ev, want) {
			t.Errorf("missing %q in\n%s", want, ev)
		}
	}
	if strings.Contains(ev, "小松川") || strings.Contains(ev, "11-15") {
		t.Errorf("11/15 is outside the period:\n%s", ev)
	}
	if got := d.From.Format("2006-01-02") + ".." + d.To.Format("2006-01-02"); got != "2023-10-01..2023-10-30" {
		t.Errorf("period %s", got)
	}
	if d.Period() != "2023-10-01+30" {
		t.Errorf("Period() = %s", d.Period())
	}
	dl := strings.Join(titles(d, KindDeadline), "\n")
	if !strings.Contains(dl, "DES") {
		t.Errorf("【2023年10月】 items missing:\n%s", dl)
	}
	if d.Stale != "" {
		t.Errorf("FY2023 is current: %q", d.Stale)
	}
	// Events come first, each group by date.
	seenDeadline := false
	for _, it := range d.Items {
		if it.Kind == KindDeadline {
			seenDeadline = true
		} else if seenDeadline {
			t.Fatal("an event after a deadline")
		}
	}
}

func TestComposeDates(t *testing.T) {
	c := load(t)
	for _, tc := range []struct {
		now     string
		days    int
		want    []string // Start dates of events
		nowants []string
	}{
		{"2023-05-22", 7, []string{"2023-05-23"}, []string{"2023-06-08"}},
		{"2023-05-25", 7, []string{"2023-05-23"}, nil},  // still running: 5/23–5/26
		{"2023-11-27", 14, []string{"2023-12-01"}, nil}, // month-precision ミートアップ 12月予定
		{"2024-01-29", 14, []string{"2024-02-01", "2024-02-01"}, []string{"2024-02-14"}},
	} {
		d := Compose(c, at(tc.now), tc.days)
		var got []string
		for _, it := range d.Items {
			if it.Kind == KindEvent {
				got = append(got, it.Start.Format("2006-01-02"))
			}
		}
		joined := strings.Join(got, " ")
		for _, w := range tc.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%s+%d: want %s in %v", tc.now, tc.days, w, got)
			}
		}
		for _, w := range tc.nowants {
			if strings.Contains(joined, w) {
				t.Errorf("%s+%d: %s must not be in %v", tc.now, tc.days, w, got)
			}
		}
	}
}

func TestCountdowns(t *testing.T) {
	today := corpus.Date(2023, 10, 1)
	for _, tc := range []struct {
		start, end time.Time
		p          corpus.Precision
		limit      bool
		want       string
	}{
		{today, today, corpus.Day, false, "本日"},
		{today, today, corpus.Day, true, "本日まで"},
		{today.AddDate(0, 0, 3), today.AddDate(0, 0, 3), corpus.Day, false, "あと3日"},
		{today.AddDate(0, 0, -1), today.AddDate(0, 0, 1), corpus.Day, false, "開催中"},
		{corpus.Date(2023, 12, 1), corpus.Date(2023, 12, 31), corpus.Month, false, "12月予定"},
		{corpus.Date(2023, 10, 1), corpus.Date(2023, 10, 31), corpus.Month, false, "10月中"},
	} {
		if got := countdown(tc.start, tc.end, tc.p, today, tc.limit); got != tc.want {
			t.Errorf("countdown(%v) = %s, want %s", tc.start, got, tc.want)
		}
	}
}

func TestEmptyPeriodPointsFurther(t *testing.T) {
	d := Compose(load(t), at("2023-03-01"), 14)
	if !d.Empty() || d.Next == nil || d.Next.Start.Format("2006-01-02") != "2023-05-23" {
		t.Fatalf("next = %+v, items %d", d.Next, len(d.Items))
	}
	if !strings.Contains(Text(d), "次の予定") {
		t.Error(Text(d))
	}
	after := Compose(load(t), at("2025-06-01"), 14)
	if !after.Empty() || after.Next != nil {
		t.Errorf("nothing after the edition: %+v", after.Next)
	}
	if !strings.Contains(after.Stale, "2023年度版") {
		t.Errorf("stale line: %q", after.Stale)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	golden_.Check(t, filepath.Join("testdata", name), []byte(got))
}

func TestTextGolden(t *testing.T) {
	c := load(t)
	golden(t, "text-2023-10-01.txt", Text(Compose(c, at("2023-10-01"), 30))+"\n")
	golden(t, "text-2023-03-01-empty.txt", Text(Compose(c, at("2023-03-01"), 14))+"\n")
}
