// Package bot is renkei's platform-neutral conversation: a question in, a
// structured Reply (text plus cards) out, rendered by the Slack, LINE and
// console adapters.
//
// It knows the corpus types and a small Searcher interface. It must not
// import a chat SDK, bleve or kagome, nor do I/O of its own.
package bot

import (
	"context"
	_ "embed"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/kanto-renkei/renkei/corpus"
)

// Query is what the bot asks its Searcher.
type Query struct {
	Text    string
	Kinds   []string // "measure", "event", "contact"; empty: measures
	Limit   int
	Edition int // 0: every edition
}

// Hit is one record a Searcher found.
type Hit struct {
	Kind, ID string
	Score    float64
	Coverage float64
}

// Searcher finds records for a question. It returns no hits and no error
// when nothing answers well enough.
type Searcher interface {
	Search(ctx context.Context, q Query) ([]Hit, error)
}

// Bot answers questions from one corpus. It is immutable and safe for
// concurrent use; a reloaded corpus gets a new Bot.
type Bot struct {
	corpus       *corpus.Corpus
	search       Searcher
	log          *slog.Logger
	institutions []string          // names found in measures and event hosts, longest first
	schedule     []corpus.Event    // the newest edition's (and the overlay's) schedule
	offTopic     []string          // normalised words of questions the program does not cover
	instNorm     []string          // institutions, normalised
	norm         map[string]string // normalised event titles, venues and hosts, by their text
}

// New makes a Bot. log may be nil.
func New(c *corpus.Corpus, s Searcher, log *slog.Logger) *Bot {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bot{corpus: c, search: s, log: log, offTopic: parseTerms(defaultOffTopic)}
	latest, _ := c.Latest()
	for _, e := range c.Events {
		if e.Edition == latest.Edition || len(c.Programs) < 2 {
			b.schedule = append(b.schedule, e)
		}
	}
	seen := map[string]bool{}
	addInst := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			b.institutions = append(b.institutions, n)
		}
	}
	for _, m := range c.Measures {
		for _, n := range m.Institutions {
			addInst(n)
		}
	}
	for _, e := range c.Events {
		for _, h := range e.Hosts {
			addInst(h)
		}
	}
	sort.SliceStable(b.institutions, func(i, j int) bool { return len(b.institutions[i]) > len(b.institutions[j]) })
	for _, n := range b.institutions {
		b.instNorm = append(b.instNorm, corpus.Normalize(n))
	}
	// Questions compare against these often: normalise them once.
	b.norm = map[string]string{}
	for _, e := range c.Events {
		for _, t := range append([]string{e.Title, e.Title + " " + e.Venue}, e.Hosts...) {
			b.norm[t] = corpus.Normalize(t)
		}
	}
	return b
}

// Corpus returns the corpus the bot answers from.
func (b *Bot) Corpus() *corpus.Corpus { return b.corpus }

// Intents a reply can have.
const (
	IntentAnswer      = "answer"      // one measure answers
	IntentCandidates  = "candidates"  // several are too close to call
	IntentEvents      = "events"      // 交流会・ミートアップ schedules
	IntentDeadlines   = "deadlines"   // dated limits
	IntentContact     = "contact"     // whom to call
	IntentInstitution = "institution" // what names a bank
	IntentHelp        = "help"
	IntentNotFound    = "notfound"
	IntentEmpty       = "empty"
	IntentError       = "error"
)

// Outcome groups intents for metrics and the bureau's report.
func (r Reply) Outcome() string {
	switch r.Intent {
	case IntentNotFound, IntentEmpty:
		return "not_found"
	case IntentCandidates:
		return "candidates"
	case IntentError:
		return "error"
	}
	return "answered"
}

// Reply is the bot's answer, for every platform.
type Reply struct {
	Question string
	Intent   string
	Lead     string // first sentence of the text
	Cards    []Card // best first
	// Others are further candidates (「もしかして…」 or 「ほかの候補」).
	Others  []Card
	Notice  string // staleness and other caveats
	Edition int
	Text    string // the whole reply as plain text
}

// Card is one record rendered for people.
type Card struct {
	Kind          string // measure, event, contact, deadline
	ID            string
	Title         string
	Category      string
	Summary       string
	Collaboration string
	URL           string
	Links         []string // further pages the measure quotes
	Page          int
	Contact       corpus.Contact
	Edition       int
	Score         float64
	Coverage      float64 // share of the question the record covers (search hits)
	Event         *EventInfo
	Deadline      *DeadlineInfo
}

// EventInfo is the schedule part of an event card.
type EventInfo struct {
	Start, End time.Time
	Precision  corpus.Precision
	Format     string
	Host       string
	Venue      string
	Series     string
	Upcoming   bool
}

// DeadlineInfo is the date part of a deadline card.
type DeadlineInfo struct {
	Date      time.Time
	Precision corpus.Precision
	Kind      string
	Measure   string
}

// Answer replies to a question asked at now. It never fails: problems are
// logged and the reply says, in Japanese, that something went wrong.
func (b *Bot) Answer(ctx context.Context, question string, now time.Time) Reply {
	now = now.In(corpus.Tokyo)
	q := cleanQuestion(question)
	r := b.route(ctx, q, now)
	r.Question = q
	if p, ok := b.corpus.Latest(); ok {
		r.Edition = p.Edition
		if b.corpus.Stale(now) && r.Intent != IntentEmpty {
			r.Notice = staleNotice(p)
		}
	}
	r.Text = renderText(r, now)
	return r
}

// MaxQuestionRunes bounds what is kept of a question.
const MaxQuestionRunes = 500

// cleanQuestion removes control and format characters and bounds length.
func cleanQuestion(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= MaxQuestionRunes {
			break
		}
		switch {
		case r == '\uFFFD', unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

var (
	helpRe      = regexp.MustCompile(`(?i)^(ヘルプ|help|使い方|つかいかた|\?|？|何ができる|なにができる|できること|コマンド|メニュー)`)
	contactRe   = regexp.MustCompile(`(?i)(問い?合わ?せ|問合せ|連絡先|電話|tel|メールアドレス|メール|e-?mail|url|ホームページ|hp|ウェブサイト|サイト|リンク|窓口|担当(者|課|部署)?|どこに聞け|誰に聞け)`)
	eventWordRe = regexp.MustCompile(`(交流会|ミートアップ|イベント|ピッチ)`)
	timeWordRe  = regexp.MustCompile(`(\d{1,2}\s*月|今後|これから|web|オンライン|対面|会場|場所|どこで|いつ|日程|日時|スケジュール|開催日|開催予定|次回|次の|今度|直近|予定|今月|来月|今週|来週|近々|近日|何月|何日|開催)`)
	deadlineRe  = regexp.MustCompile(`(締切|締め切り|〆切|期限|いつまで|募集期間|公募期間|募集時期|受付期間)`)
	bankRe      = regexp.MustCompile(`[\p{Han}\p{Katakana}\p{Hiragana}ー]{1,12}?(銀行|信用金庫|信用組合|信金|信組)`)
)

func (b *Bot) route(ctx context.Context, q string, now time.Time) Reply {
	nq := corpus.Normalize(q)
	switch {
	case !hasContent(nq):
		return Reply{Intent: IntentEmpty, Lead: "ご質問を入力してください。"}
	case helpRe.MatchString(nq):
		return b.help()
	}
	if term := b.offTopicTerm(nq); term != "" {
		return b.refuseOffTopic(ctx, q, term, now)
	}
	withoutMagazine := strings.NewReplacer("メールマガジン", "", "メルマガ", "").Replace(nq)
	if inst := b.findInstitution(nq); inst != "" {
		return b.institution(ctx, inst, nq, now)
	}
	if contactRe.MatchString(withoutMagazine) {
		return b.contact(ctx, q, now)
	}
	// A schedule question: a series (交流会, ミートアップ) with a time word or
	// an event's name, or an event's name with a time word
	// (「ディープテック特集はいつ」).
	if ev, when := eventWordRe.MatchString(nq), timeWordRe.MatchString(nq); ev && when || (ev || when) && b.namesEvent(nq) {
		return b.events(nq, "", now)
	}
	if deadlineRe.MatchString(nq) {
		return b.deadlines(ctx, q, now)
	}
	return b.measures(ctx, q, now)
}

//go:embed offtopic.txt
var defaultOffTopic string

// parseTerms reads a word list: one term a line, # comments.
func parseTerms(text string) []string {
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" && !strings.HasPrefix(ln, "#") {
			out = append(out, corpus.Normalize(ln))
		}
	}
	return out
}

// offTopicTerm returns the off-topic word the question contains, if any.
func (b *Bot) offTopicTerm(nq string) string {
	for _, t := range b.offTopic {
		if strings.Contains(nq, t) {
			return t
		}
	}
	return ""
}

// offTopicCoverage: a question with an off-topic word is still answered
// when a measure covers this share of it (「事業承継と相続税」).
const offTopicCoverage = 0.8

func (b *Bot) refuseOffTopic(ctx context.Context, q, term string, now time.Time) Reply {
	r := b.measures(ctx, q, now)
	if len(r.Cards) > 0 && r.Cards[0].Coverage >= offTopicCoverage {
		return r
	}
	return Reply{Intent: IntentNotFound, Lead: "「" + term + "」に関するご質問は、連携プログラムの対象外のためお答えできません。"}
}

func hasContent(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// findInstitution returns the institution the question names: one the
// corpus knows (信金 and 信組 read as 信用金庫 and 信用組合), or any name that
// looks like a bank's.
func (b *Bot) findInstitution(nq string) string {
	expanded := expandBankAbbrev(nq)
	for i, n := range b.instNorm {
		if strings.Contains(expanded, n) {
			return b.institutions[i]
		}
	}
	if m := bankRe.FindString(expanded); m != "" && !genericBank(m) {
		return m
	}
	return ""
}

var bankAbbrev = regexp.MustCompile(`(信金|信組)($|[^\p{Han}])`)

//go:embed aliases.txt
var aliasesTxt string

// aliases are institutions' short names and the document's names.
var aliases = func() [][2]string {
	var out [][2]string
	for _, ln := range strings.Split(aliasesTxt, "\n") {
		short, name, ok := strings.Cut(ln, "=")
		if ln = strings.TrimSpace(ln); !ok || strings.HasPrefix(ln, "#") {
			continue
		}
		out = append(out, [2]string{corpus.Normalize(short), corpus.Normalize(name)})
	}
	return out
}()

// expandBankAbbrev writes institutions' short names out in full: aliases,
// then …信金 → …信用金庫 and …信組 → …信用組合.
func expandBankAbbrev(s string) string {
	for _, a := range aliases {
		if strings.Contains(s, a[0]) && !strings.Contains(s, a[1]) {
			s = strings.ReplaceAll(s, a[0], a[1])
		}
	}
	return bankAbbrev.ReplaceAllStringFunc(s, func(m string) string {
		return strings.NewReplacer("信金", "信用金庫", "信組", "信用組合").Replace(m)
	})
}

func genericBank(name string) bool {
	for _, g := range []string{"地方銀行", "地域銀行", "金融機関", "都市銀行", "の銀行", "が銀行", "は銀行", "地銀", "メガバンク"} {
		if strings.HasSuffix(name, g) || name == strings.TrimPrefix(g, "の") {
			return true
		}
	}
	for _, g := range []string{"銀行", "信用金庫", "信用組合", "信金", "信組"} {
		if name == g {
			return true
		}
	}
	return strings.HasPrefix(name, "の") || strings.HasPrefix(name, "は")
}

func staleNotice(p corpus.Program) string {
	return "※" + itoa(p.Edition) + "年度版の情報です（" + corpus.FormatDate(p.Published, corpus.Day) + "発行）。最新の内容は各リンク先または関東経済産業局にご確認ください。"
}

// normalized is corpus.Normalize, from the cache for event texts.
func (b *Bot) normalized(s string) string {
	if n, ok := b.norm[s]; ok {
		return n
	}
	return corpus.Normalize(s)
}
