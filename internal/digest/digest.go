// Package digest composes the weekly digest: exchange events and dated
// limits of the program falling in a period, with countdowns. Composing is
// a pure function of the corpus and a date; delivering (Slack, LINE, the
// exactly-once log) is done by the senders that use it.
package digest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
)

// Item kinds.
const (
	KindEvent    = "event"
	KindDeadline = "deadline"
)

// Item is one dated entry of a digest.
type Item struct {
	Kind       string
	Title      string
	Start, End time.Time
	Precision  corpus.Precision
	Format     string
	Host       string
	Venue      string
	URL        string
	MeasureID  string
	Measure    string // title of the measure it belongs to
	DeadlineOf string // deadline kind (until, end, from, planned, dated)
	Countdown  string // 本日, あと3日, 開催中, 12月予定
}

// Digest is what is sent for one period.
type Digest struct {
	From, To time.Time // first and last day, midnight Asia/Tokyo
	Edition  int
	Items    []Item // events first, then deadlines; each by date
	Next     *Item  // when Items is empty: the first thing after To
	Stale    string // set when the edition is older than the fiscal year of From
	Contact  corpus.Contact
}

// Empty reports whether there is nothing to send.
func (d Digest) Empty() bool { return len(d.Items) == 0 }

// Period names the digest's period for delivery keys: "2023-10-02+14".
func (d Digest) Period() string {
	return d.From.Format("2006-01-02") + "+" + strconv.Itoa(int(d.To.Sub(d.From).Hours()/24)+1)
}

func day(t time.Time) time.Time {
	t = t.In(corpus.Tokyo)
	return corpus.Date(t.Year(), t.Month(), t.Day())
}

// Compose lists what falls in the days days starting on now's date.
func Compose(c *corpus.Corpus, now time.Time, days int) Digest {
	if days < 1 {
		days = 1
	}
	from := day(now)
	to := from.AddDate(0, 0, days-1)
	d := Digest{From: from, To: to}
	if p, ok := c.Latest(); ok {
		d.Edition, d.Contact = p.Edition, p.Contact
		if c.Stale(now) {
			d.Stale = "※" + strconv.Itoa(p.Edition) + "年度版の情報です。今年度の日程は関東経済産業局の最新情報をご確認ください。"
		}
	}
	var later []Item
	for _, e := range c.Events {
		it := eventItem(c, e, from)
		switch {
		case overlaps(e.Start, endOf(e), from, to):
			d.Items = append(d.Items, it)
		case e.Start.After(to):
			later = append(later, it)
		}
	}
	seen := map[string]bool{}
	for _, dl := range c.Deadlines {
		if !listed(dl) {
			continue
		}
		key := dl.Date.Format("2006-01-02") + dl.Text
		if seen[key] {
			continue
		}
		seen[key] = true
		it := deadlineItem(c, dl, from)
		start, end := deadlineSpan(dl)
		switch {
		case overlaps(start, end, from, to):
			d.Items = append(d.Items, it)
		case start.After(to):
			later = append(later, it)
		}
	}
	sortItems(d.Items)
	sortItems(later)
	if len(d.Items) == 0 && len(later) > 0 {
		next := later[0]
		for _, it := range later {
			if it.Start.Before(next.Start) {
				next = it
			}
		}
		d.Next = &next
	}
	return d
}

// listed: a deadline worth announcing. 「今年度は募集終了」 is a status, and
// fiscal-year or year precision is too vague to count down to.
func listed(dl corpus.Deadline) bool {
	return dl.Kind != corpus.KindClosed && (dl.Precision == corpus.Day || dl.Precision == corpus.Month)
}

// deadlineSpan is when a deadline is "in" a period: a limit (until, end)
// on its day; a month-precision start or plan during its month.
func deadlineSpan(dl corpus.Deadline) (time.Time, time.Time) {
	if dl.Precision == corpus.Month && dl.Kind != corpus.KindUntil && dl.Kind != corpus.KindEnd {
		first := corpus.Date(dl.Date.Year(), dl.Date.Month(), 1)
		return first, first.AddDate(0, 1, -1)
	}
	return dl.Date, dl.Date
}

func endOf(e corpus.Event) time.Time {
	if e.End.IsZero() {
		return e.Start
	}
	return e.End
}

func overlaps(s, e, from, to time.Time) bool { return !e.Before(from) && !s.After(to) }

func sortItems(items []Item) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Kind != b.Kind {
			return a.Kind == KindEvent
		}
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Title < b.Title
	})
}

func eventItem(c *corpus.Corpus, e corpus.Event, today time.Time) Item {
	it := Item{Kind: KindEvent, Title: e.Title, Start: e.Start, End: endOf(e), Precision: e.Precision,
		Format: e.Format, Host: e.Host(), Venue: e.Venue, MeasureID: e.MeasureID}
	if m, ok := c.Measure(e.MeasureID); ok {
		it.Measure, it.URL = m.Title, m.URL
	}
	it.Countdown = countdown(it.Start, it.End, e.Precision, today, false)
	return it
}

func deadlineItem(c *corpus.Corpus, dl corpus.Deadline, today time.Time) Item {
	it := Item{Kind: KindDeadline, Title: dl.Text, Start: dl.Date, End: dl.Date, Precision: dl.Precision,
		MeasureID: dl.MeasureID, DeadlineOf: dl.Kind}
	if m, ok := c.Measure(dl.MeasureID); ok {
		it.Measure, it.URL = m.Title, m.URL
	}
	if s, e := deadlineSpan(dl); !s.Equal(e) {
		it.Start, it.End = s, e
	}
	it.Countdown = countdown(it.Start, it.End, dl.Precision, today, true)
	return it
}

// countdown is the badge people read: 本日, あと3日, 開催中, 12月予定,
// 本日まで.
func countdown(start, end time.Time, p corpus.Precision, today time.Time, limit bool) string {
	if p == corpus.Month && !start.Equal(end) {
		if !today.Before(start) {
			return strconv.Itoa(int(start.Month())) + "月中"
		}
		return strconv.Itoa(int(start.Month())) + "月予定"
	}
	days := int(start.Sub(today).Hours() / 24)
	switch {
	case days == 0 && limit:
		return "本日まで"
	case days == 0:
		return "本日"
	case days > 0:
		return "あと" + strconv.Itoa(days) + "日"
	case !end.Before(today):
		return "開催中"
	}
	return "終了"
}

// When renders an item's date for people: 10月4日(水)～10月5日(木), 2023年12月.
func (it Item) When() string {
	if it.Precision == corpus.Month {
		if it.Kind == KindDeadline && it.Start.Equal(it.End) {
			return it.Start.Format("2006年1月") + "末"
		}
		return it.Start.Format("2006年1月")
	}
	s := it.Start.Format("1月2日") + "(" + corpus.WeekdayJa(it.Start) + ")"
	if !it.End.Equal(it.Start) {
		s += "～" + it.End.Format("1月2日") + "(" + corpus.WeekdayJa(it.End) + ")"
	}
	return s
}

// Text renders the digest as plain text (the fallback of every platform).
func Text(d Digest) string {
	var b strings.Builder
	b.WriteString("【連携プログラム 週次ダイジェスト】" + d.From.Format("1月2日") + "～" + d.To.Format("1月2日") + "\n")
	if d.Empty() {
		b.WriteString("\nこの期間の交流会・期限はありません。\n")
		if d.Next != nil {
			b.WriteString("次の予定: " + d.Next.When() + " " + d.Next.Title + "\n")
		}
	}
	for _, kind := range []string{KindEvent, KindDeadline} {
		first := true
		for _, it := range d.Items {
			if it.Kind != kind {
				continue
			}
			if first {
				b.WriteString("\n" + Heading(kind) + "\n")
				first = false
			}
			b.WriteString("・" + it.When() + "［" + it.Countdown + "］" + it.Title + "\n")
			var parts []string
			if it.Format != "" {
				parts = append(parts, it.Format)
			}
			if it.Venue != "" {
				parts = append(parts, it.Venue)
			}
			if kind == KindDeadline && it.Measure != "" {
				parts = append(parts, it.Measure)
			}
			if len(parts) > 0 {
				b.WriteString("  " + strings.Join(parts, " / ") + "\n")
			}
			if it.URL != "" {
				b.WriteString("  " + it.URL + "\n")
			}
		}
	}
	if d.Contact.Phone != "" {
		b.WriteString("\nお問い合わせ: " + d.Contact.Name() + " TEL " + d.Contact.Phone + "\n")
	}
	if d.Stale != "" {
		b.WriteString(d.Stale + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Heading is the section title of a kind of item.
func Heading(kind string) string {
	if kind == KindEvent {
		return "■ 交流会・イベント"
	}
	return "■ 期限・日付のある施策"
}
