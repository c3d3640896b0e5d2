package bot

import (
	"context"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Examples shown in help and when nothing was found.
var Examples = []string{"事業承継", "取引先の海外進出を後押ししたい", "BCP", "次の新現役交流会", "城南信用金庫の交流会", "問い合わせ先"}

func (b *Bot) help() Reply {
	return Reply{Intent: IntentHelp, Lead: "連携プログラムの施策・交流会・連絡先についてお答えします。"}
}

// candidateRatio: when the second hit scores at least this share of the
// first, the two are too close to call and both are offered.
const candidateRatio = 0.92

// measures answers a topic question with the best measure, or candidates.
func (b *Bot) measures(ctx context.Context, q string, now time.Time) Reply {
	hits, err := b.find(ctx, q, 5)
	if err != nil {
		b.log.ErrorContext(ctx, "search failed", "err", err)
		return Reply{Intent: IntentError, Lead: errorText}
	}
	if len(hits) == 0 {
		return Reply{Intent: IntentNotFound, Lead: "該当する施策が見つかりませんでした。"}
	}
	r := Reply{Intent: IntentAnswer}
	for i, h := range hits {
		c, ok := b.card(h)
		if !ok {
			continue
		}
		if i == 0 {
			r.Cards = append(r.Cards, c)
		} else {
			r.Others = append(r.Others, c)
		}
	}
	if len(r.Cards) == 0 {
		return Reply{Intent: IntentNotFound, Lead: "該当する施策が見つかりませんでした。"}
	}
	if len(hits) > 1 && hits[1].Score >= candidateRatio*hits[0].Score {
		r.Intent = IntentCandidates
		r.Lead = "もしかして、次のどれかでしょうか。"
	} else {
		r.Lead = "「" + r.Cards[0].Title + "」が該当します。"
	}
	if len(r.Others) > 3 {
		r.Others = r.Others[:3]
	}
	// A measure with a schedule: show what is coming.
	if ev := b.upcoming(r.Cards[0].ID, now, 3); len(ev) > 0 && r.Intent == IntentAnswer {
		r.Cards = append(r.Cards, ev...)
	}
	return r
}

// card renders a hit; ok is false for a record the corpus no longer has.
func (b *Bot) card(h Hit) (Card, bool) {
	switch h.Kind {
	case "measure":
		m, ok := b.corpus.Measure(h.ID)
		if !ok {
			return Card{}, false
		}
		c := b.measureCard(m)
		c.Score, c.Coverage = h.Score, h.Coverage
		return c, true
	case "event":
		for _, e := range b.corpus.Events {
			if e.ID == h.ID {
				c := eventCard(e, time.Time{})
				c.Score = h.Score
				return c, true
			}
		}
	}
	return Card{}, false
}

func (b *Bot) measureCard(m corpus.Measure) Card {
	return Card{
		Kind: "measure", ID: m.ID, Title: m.Title, Category: m.Category,
		Summary: m.Summary, Collaboration: m.Collaboration, URL: m.URL, Page: m.Page,
		Contact: b.corpus.MeasureContact(m.ID), Edition: m.Edition,
	}
}

func eventCard(e corpus.Event, now time.Time) Card {
	return Card{
		Kind: "event", ID: e.ID, Title: e.Title, Category: e.Series, Edition: e.Edition,
		Event: &EventInfo{Start: e.Start, End: e.End, Precision: e.Precision, Format: e.Format,
			Host: e.Host(), Venue: e.Venue, Series: e.Series, Upcoming: !now.IsZero() && !endOf(e).Before(today(now))},
	}
}

func today(now time.Time) time.Time {
	return corpus.Date(now.Year(), now.Month(), now.Day())
}

func endOf(e corpus.Event) time.Time {
	if e.End.IsZero() {
		return e.Start
	}
	return e.End
}

// upcoming lists the next events of a measure from now.
func (b *Bot) upcoming(measureID string, now time.Time, n int) []Card {
	var out []Card
	for _, e := range b.schedule {
		if e.MeasureID == measureID && !endOf(e).Before(today(now)) {
			out = append(out, eventCard(e, now))
			if len(out) == n {
				break
			}
		}
	}
	return out
}

var (
	monthRe     = regexp.MustCompile(`(\d{1,2})\s*月`)
	eventNameRe = regexp.MustCompile(`新現役交流会|新現役|交流会|ベンチャー企業|ベンチャー|ミートアップ|イベント|いつ|次回|次の|今度|今後|開催|予定|日程|会場|場所|web|オンライン|対面|参加|できる|の|は|を|に|で|ですか|\?|？`)
)

// events answers schedule questions: the series asked about (交流会,
// ミートアップ), hosted by inst when given, upcoming first.
func (b *Bot) events(nq, inst string, now time.Time) Reply {
	series := ""
	switch {
	case strings.Contains(nq, "交流会") || strings.Contains(nq, "新現役"):
		series = "交流会"
	case strings.Contains(nq, "ミートアップ") || strings.Contains(nq, "ピッチ") || strings.Contains(nq, "ベンチャー"):
		series = "ミートアップ"
	}
	// A month asked about: 「12月の交流会」, 「来月」, 「今月」.
	month := 0
	switch {
	case strings.Contains(nq, "今月"):
		month = int(now.Month())
	case strings.Contains(nq, "来月"):
		month = int(now.AddDate(0, 1, -now.Day()+1).Month())
	default:
		if m := monthRe.FindStringSubmatch(nq); m != nil {
			month, _ = strconv.Atoi(m[1])
		}
	}
	// A format asked about: WEB/オンライン or 対面.
	format := ""
	switch {
	case strings.Contains(nq, "web") || strings.Contains(nq, "オンライン"):
		format = "WEB"
	case strings.Contains(nq, "対面"):
		format = "対面"
	}
	var up, past []corpus.Event
	for _, e := range b.schedule {
		if series != "" && !strings.Contains(e.Series, series) {
			continue
		}
		if format != "" && !strings.Contains(e.Format, format) {
			continue
		}
		if inst != "" && !b.hostedBy(e, inst) {
			continue
		}
		if month != 0 && int(e.Start.Month()) != month && int(endOf(e).Month()) != month {
			continue
		}
		if endOf(e).Before(today(now)) {
			past = append(past, e)
		} else {
			up = append(up, e)
		}
	}
	sort.SliceStable(past, func(i, j int) bool { return past[i].Start.After(past[j].Start) })
	// An event named in the question (「日本公庫連携のミートアップ」) comes
	// first; otherwise the order is by date.
	named := eventNameRe.ReplaceAllString(nq, " ")
	rel := func(e corpus.Event) int {
		return overlap(named, b.normalized(e.Title+" "+e.Venue))
	}
	byRelevance := func(es []corpus.Event) {
		sort.SliceStable(es, func(i, j int) bool { return rel(es[i]) > rel(es[j]) })
	}
	byRelevance(up)
	byRelevance(past)
	r := Reply{Intent: IntentEvents}
	what := "イベント"
	switch series {
	case "交流会":
		what = "新現役交流会"
	case "ミートアップ":
		what = "ベンチャー企業ミートアップ"
	}
	if inst != "" {
		what = inst + "の" + what
	}
	switch {
	case len(up) > 0:
		r.Lead = "今後の" + what + "は次のとおりです（" + itoa(len(up)) + "件）。"
		if strings.Contains(nq, "次") || strings.Contains(nq, "今度") || strings.Contains(nq, "直近") {
			r.Lead = "次回の" + what + "は " + corpus.FormatDate(up[0].Start, up[0].Precision) + " です。"
		}
	case len(past) > 0:
		r.Lead = "今後予定されている" + what + "は、この資料には掲載されていません。これまでの開催は次のとおりです。"
	default:
		r.Intent = IntentNotFound
		r.Lead = what + "の日程は、この資料には掲載されていません。"
		return r
	}
	for _, e := range append(up, past...) {
		c := eventCard(e, now)
		if len(r.Cards) < 5 {
			r.Cards = append(r.Cards, c)
		} else if len(r.Others) < 5 {
			r.Others = append(r.Others, c)
		}
	}
	if m := b.seriesMeasure(series); m != nil {
		r.Others = append(r.Others, b.measureCard(*m))
	}
	return r
}

func (b *Bot) hostedBy(e corpus.Event, inst string) bool {
	ni := b.normalized(inst)
	for _, h := range e.Hosts {
		if h == inst || strings.Contains(b.normalized(h), ni) {
			return true
		}
	}
	return false
}

// seriesMeasure is the measure that lists a series' schedule.
func (b *Bot) seriesMeasure(series string) *corpus.Measure {
	if series == "" {
		return nil
	}
	for _, e := range b.schedule {
		if strings.Contains(e.Series, series) {
			if m, ok := b.corpus.Measure(e.MeasureID); ok {
				return &m
			}
		}
	}
	return nil
}

// institution answers questions that name a bank: its events, and the
// measures that name it.
func (b *Bot) institution(ctx context.Context, inst, nq string, now time.Time) Reply {
	if eventWordRe.MatchString(nq) || timeWordRe.MatchString(nq) {
		r := b.events(nq, inst, now)
		if r.Intent != IntentNotFound {
			return r
		}
	}
	r := Reply{Intent: IntentInstitution}
	for _, e := range b.schedule {
		if b.hostedBy(e, inst) && !endOf(e).Before(today(now)) {
			r.Cards = append(r.Cards, eventCard(e, now))
		}
	}
	for _, m := range b.corpus.Measures {
		for _, n := range m.Institutions {
			if n == inst {
				r.Cards = append(r.Cards, b.measureCard(m))
				break
			}
		}
	}
	for _, e := range b.schedule {
		if b.hostedBy(e, inst) && endOf(e).Before(today(now)) {
			r.Others = append(r.Others, eventCard(e, now))
		}
	}
	if len(r.Cards) == 0 && len(r.Others) > 0 {
		r.Cards, r.Others = r.Others, nil
	}
	if len(r.Cards) == 0 {
		// Not in the document: answer the rest of the question instead.
		rest := strings.TrimSpace(strings.ReplaceAll(expandBankAbbrev(nq), corpus.Normalize(inst), " "))
		if hasContent(rest) {
			if a := b.measures(ctx, rest, now); a.Intent != IntentNotFound {
				a.Lead = inst + "はこの資料に掲載されていませんが、" + a.Lead
				return a
			}
		}
		return Reply{Intent: IntentNotFound, Lead: inst + "は、この資料の施策・交流会には掲載されていません。"}
	}
	r.Lead = inst + "が掲載されている施策・交流会は次のとおりです。"
	return r
}

// contact answers 問い合わせ先/連絡先/URL questions: the measure asked
// about (its office and link) and the program contact.
func (b *Bot) contact(ctx context.Context, q string, now time.Time) Reply {
	p, _ := b.corpus.Latest()
	r := Reply{Intent: IntentContact}
	topic := contactRe.ReplaceAllString(corpus.Normalize(q), " ")
	if hasContent(topic) {
		if hits, err := b.find(ctx, topic, 3); err == nil && len(hits) > 0 {
			if m, ok := b.corpus.Measure(hits[0].ID); ok {
				c := b.measureCard(m)
				r.Cards = append(r.Cards, Card{Kind: "contact", ID: "contact-" + m.ID, Title: m.Title + " のお問い合わせ先", URL: m.URL, Links: m.Links, Contact: c.Contact, Edition: m.Edition})
				r.Cards = append(r.Cards, c)
				r.Lead = "「" + m.Title + "」のお問い合わせ先です。"
			}
		}
	}
	if len(r.Cards) == 0 || r.Cards[0].Contact != p.Contact {
		r.Cards = append(r.Cards, Card{Kind: "contact", ID: "contact-program", Title: "連携プログラム全体のお問い合わせ先", Contact: p.Contact, Edition: p.Edition})
	}
	if r.Lead == "" {
		r.Lead = "本プログラムのお問い合わせ先は " + p.Contact.Name() + "（TEL " + p.Contact.Phone + "）です。"
	}
	return r
}

// deadlines answers 締切/期限 questions: the dated limits of the measure
// asked about, or every limit still ahead.
func (b *Bot) deadlines(ctx context.Context, q string, now time.Time) Reply {
	measureID := ""
	topic := deadlineRe.ReplaceAllString(corpus.Normalize(q), " ")
	if hasContent(topic) {
		if hits, err := b.find(ctx, topic, 1); err == nil && len(hits) > 0 {
			measureID = hits[0].ID
		}
	}
	r := Reply{Intent: IntentDeadlines}
	var ds []corpus.Deadline
	for _, d := range b.corpus.Deadlines {
		if measureID != "" && d.MeasureID != measureID || d.Date.Before(today(now)) && measureID == "" {
			continue
		}
		ds = append(ds, d)
	}
	// The limits whose sentence shares most with the question first, then
	// those still ahead, soonest first.
	rel := func(d corpus.Deadline) int { return overlap(topic, corpus.Normalize(d.Text)) }
	sort.SliceStable(ds, func(i, j int) bool {
		if ri, rj := rel(ds[i]), rel(ds[j]); ri != rj {
			return ri > rj
		}
		if pi, pj := ds[i].Date.Before(today(now)), ds[j].Date.Before(today(now)); pi != pj {
			return !pi
		}
		return ds[i].Date.Before(ds[j].Date)
	})
	for _, d := range ds {
		m, _ := b.corpus.Measure(d.MeasureID)
		r.Cards = append(r.Cards, Card{Kind: "deadline", ID: d.MeasureID, Title: d.Text, Category: m.Title, URL: m.URL,
			Edition: m.Edition, Deadline: &DeadlineInfo{Date: d.Date, Precision: d.Precision, Kind: d.Kind, Measure: m.Title}})
	}
	if len(r.Cards) == 0 {
		if measureID != "" {
			a := b.measures(ctx, q, now)
			a.Lead = "この施策の期限は資料に記載がありません。" + a.Lead
			return a
		}
		return Reply{Intent: IntentNotFound, Lead: "今後の期限は、この資料には掲載されていません。"}
	}
	if len(r.Cards) > 8 {
		r.Others, r.Cards = r.Cards[8:min(len(r.Cards), 13)], r.Cards[:8]
	}
	r.Lead = "資料に記載のある期限・日付は次のとおりです。"
	if measureID != "" {
		m, _ := b.corpus.Measure(measureID)
		r.Lead = "「" + m.Title + "」に記載のある期限・日付です。"
		r.Others = append(r.Others, b.measureCard(m))
	}
	return r
}

const errorText = "申し訳ありません。内部でエラーが発生しました。時間をおいて再度お試しください。"

// overlap counts the character bigrams of q that occur in text.
func overlap(q, text string) int {
	rs := []rune(q)
	n := 0
	for i := 0; i+1 < len(rs); i++ {
		if g := string(rs[i : i+2]); strings.TrimSpace(g) == g && strings.Contains(text, g) {
			n++
		}
	}
	return n
}

// namesEvent reports whether the question names one event by its title
// (「Jスタートアップローカル連携のミートアップ」), not just a series.
func (b *Bot) namesEvent(nq string) bool {
	named := eventNameRe.ReplaceAllString(nq, " ")
	for _, e := range b.schedule {
		// Most of the event's own title, not a word it shares with the
		// measures (スタートアップ in 「Jスタートアップローカル連携」).
		title := b.normalized(e.Title)
		if n := overlap(named, title); n >= 3 && 2*n >= len(bigrams(title)) {
			return true
		}
	}
	return false
}

// find searches the newest edition's measures, and every edition's when
// the newest has nothing (a measure only an older edition had).
func (b *Bot) find(ctx context.Context, text string, limit int) ([]Hit, error) {
	p, _ := b.corpus.Latest()
	hits, err := b.search.Search(ctx, Query{Text: text, Limit: limit, Edition: p.Edition})
	if err != nil || len(hits) > 0 || len(b.corpus.Programs) < 2 {
		return hits, err
	}
	return b.search.Search(ctx, Query{Text: text, Limit: limit})
}

// bigrams are the character pairs of s without spaces or brackets.
func bigrams(s string) []string {
	rs := []rune(corpus.Fold(s))
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}
