// Package search finds the program records that answer a question. It is
// the only package that imports bleve and kagome: corpus records go in, an
// in-memory BM25 index (scorch) is built, and hits come out with the
// evidence needed to decide whether they answer at all.
//
// It must not know about chat platforms, intents or reply wording.
package search

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/kanto-renkei/renkei/corpus"
)

// Kinds of indexed records.
const (
	KindMeasure = "measure"
	KindEvent   = "event"
	KindContact = "contact"
)

// Indexed fields and their weights. Each text field is indexed twice: by
// words (kagome) and by character bigrams.
var fields = []struct {
	name       string
	word, gram float64 // boosts
}{
	{"title", 6, 2.5},
	{"keywords", 3, 1.2},
	{"summary", 2, 0.8},
	{"body", 1, 0.3},
}

// MaxQueryRunes bounds the part of a question that is analysed; longer
// input is cut (a 10,000-character paste must not cost more than a
// question).
const MaxQueryRunes = 256

// Index is an immutable search index over one corpus. It is safe for
// concurrent use.
type Index struct {
	idx  bleve.Index
	syn  *Synonyms
	docs map[string]*doc
	df   map[string]int // word → number of measure docs containing it
	n    int            // number of measure docs
	// all and strong find records containing a string anywhere, or in
	// their title, keywords and summary.
	all, strong *textIndex
	expCache    sync.Map          // synonym word → its terms
	vocab       map[string]bool   // every word of every record
	anagrams    map[string]string // sorted characters → a word of vocab (kanji compounds)
}

type doc struct {
	kind, id    string
	edition     int
	strong      map[string]bool  // words of title, keywords and summary
	all         map[string]bool  // words anywhere
	text        string           // normalised full text, for substring checks
	strongTx    string           // normalised title, keywords and summary
	strongGrams map[[2]rune]bool // character bigrams of strongTx
	allGrams    map[[2]rune]bool // character bigrams of text
	body        string           // normalised body
}

// buildMu serialises index builds (reloads are rare).
var buildMu sync.Mutex

// New indexes the corpus's measures, events and contacts. syn may be nil
// (no expansion).
func New(c *corpus.Corpus, syn *Synonyms) (*Index, error) {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	dm := bleve.NewDocumentMapping()
	kw := bleve.NewTextFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store, kw.IncludeTermVectors, kw.IncludeInAll = false, false, false
	dm.AddFieldMappingsAt("kind", kw)
	for _, f := range fields {
		for _, a := range []struct{ suffix, analyzer string }{{"", AnalyzerJA}, {"_bg", AnalyzerBigram}} {
			fm := bleve.NewTextFieldMapping()
			fm.Analyzer = a.analyzer
			fm.Store, fm.IncludeTermVectors, fm.IncludeInAll, fm.DocValues = false, false, false, false
			dm.AddFieldMappingsAt(f.name+a.suffix, fm)
		}
	}
	im.DefaultMapping = dm
	im.DefaultAnalyzer = AnalyzerJA
	// Remember analysed segments while building (see segmentCache); only
	// one build uses the cache at a time.
	buildMu.Lock()
	defer buildMu.Unlock()
	segmentCache.Store(&sync.Map{})
	defer segmentCache.Store(nil)
	idx, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("search: new index: %w", err)
	}
	x := &Index{idx: idx, syn: syn, docs: map[string]*doc{}, df: map[string]int{}}
	batch := idx.NewBatch()
	var pending []*doc
	add := func(kind, id string, edition int, title, keywords, summary, body string) error {
		d := &doc{kind: kind, id: id, edition: edition, body: corpus.Normalize(body)}
		d.strongTx = corpus.Normalize(title + " " + keywords + " " + summary)
		d.text = d.strongTx + " " + d.body
		x.docs[id] = d
		pending = append(pending, d)
		m := map[string]any{"kind": kind}
		for f, v := range map[string]string{"title": title, "keywords": keywords, "summary": summary, "body": body} {
			v = corpus.Normalize(v)
			m[f], m[f+"_bg"] = v, v
		}
		if err := batch.Index(id, m); err != nil {
			idx.Close()
			return err
		}
		return nil
	}
	for _, m := range c.Measures {
		if err := add(KindMeasure, m.ID, m.Edition, m.Title, measureKeywords(m), m.Summary+"\n"+strings.Join(m.Lead, "\n")+"\n"+m.Collaboration, m.Body()); err != nil {
			return nil, err
		}
	}
	for _, e := range c.Events {
		body := corpus.FormatDate(e.Start, e.Precision) + " " + e.Format + " " + e.Venue
		if err := add(KindEvent, e.ID, e.Edition, e.Title, e.Series+" "+e.Host(), "", body); err != nil {
			return nil, err
		}
	}
	for i, ct := range c.Contacts {
		id := fmt.Sprintf("contact-%d", i)
		if ct.MeasureID != "" {
			id = "contact-" + ct.MeasureID
		}
		if err := add(KindContact, id, 0, ct.Name(), "問い合わせ 連絡先 窓口 "+ct.MeasureID, ct.Phone+" "+ct.Email, ""); err != nil {
			return nil, err
		}
	}
	// The coverage word sets are analysed while bleve indexes: both are
	// kagome-bound, the machine has more than one core, and each finds in
	// the segment cache what the other has analysed already.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, d := range pending {
			d.strongGrams, d.allGrams = runeBigrams(d.strongTx), runeBigrams(d.text)
			d.strong = wordSet(d.strongTx)
			d.all = wordSet(d.body)
			for w := range d.strong {
				d.all[w] = true
			}
		}
	}()
	err = idx.Batch(batch)
	<-done
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("search: index: %w", err)
	}
	x.all = newTextIndex(pending, func(d *doc) string { return d.text })
	x.strong = newTextIndex(pending, func(d *doc) string { return d.strongTx })
	x.vocab, x.anagrams = map[string]bool{}, map[string]string{}
	for _, d := range pending {
		for w := range d.all {
			x.vocab[w] = true
			if utf8.RuneCountInString(w) >= 2 && hasHan(w) {
				x.anagrams[anagramKey(w)] = w
			}
		}
		if d.kind == KindMeasure {
			x.n++
			for w := range d.all {
				x.df[w]++
			}
		}
	}
	return x, nil
}

// measureKeywords are the measure's short title, category and sub-headings:
// names of the programmes it runs (SISC Kanto, JECOP, 知財経営定着伴走支援事業).
func measureKeywords(m corpus.Measure) string {
	parts := []string{corpus.ShortTitle(m.Title), m.Category}
	for _, h := range m.Headings {
		if !strings.Contains(h, "事業概要") && !strings.Contains(h, "連携イメージ") {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, "\n")
}

func wordSet(text string) map[string]bool {
	terms, _ := Terms(AnalyzerJA, text)
	s := make(map[string]bool, len(terms))
	for _, t := range terms {
		s[t] = true
	}
	return s
}

// Close releases the index.
func (x *Index) Close() error { return x.idx.Close() }

// Query is a question to search.
type Query struct {
	Text    string
	Kinds   []string // empty: measures only
	Limit   int      // 0: 10
	Edition int      // 0: every edition
}

// Hit is one record that matches.
type Hit struct {
	Kind, ID string
	Score    float64 // BM25, summed over fields
	// Coverage is the share (weighted by rarity) of the question's words the
	// record contains, directly or through a synonym; Strong the share found
	// in its title, keywords or summary. Both are in [0, 1].
	Coverage, Strong float64
	// Phrase is the share of the question found verbatim, as one stretch,
	// in the record's title, keywords or summary; PhraseAnywhere the same
	// in its whole text (信用保証協会 in a table of the body).
	Phrase, PhraseAnywhere float64
}

const (
	maxPhraseRunes      = 48
	phraseBonus         = 1.5
	phraseAnywhereBonus = 0.75
)

// phraseShare returns the length of the longest stretch of q (at least two
// characters, not starting or ending in hiragana) that occurs in text, as
// a share of len(q). Candidate stretches are runs of q's bigrams that all
// occur in text; only the longest is confirmed by a substring search.
func phraseShare(q []rune, contains func(string) bool, grams map[[2]rune]bool) float64 {
	if len(q) < 2 {
		return 0
	}
	best := 0
	for i := 0; i < len(q)-1; {
		j := i
		for j < len(q)-1 && grams[[2]rune{q[j], q[j+1]}] {
			j++
		}
		if j == i {
			i++
			continue
		}
		// q[i:j+1] is a run of present bigrams; shrink it until it is a
		// real substring with proper ends.
		for l := i; l < j && j+1-l > best; l++ {
			for r := j + 1; r-l > best && r-l >= 2; r-- {
				if unicode.Is(unicode.Hiragana, q[l]) || unicode.Is(unicode.Hiragana, q[r-1]) {
					continue
				}
				if contains(string(q[l:r])) {
					best = r - l
					break
				}
			}
		}
		i = j + 1
	}
	return float64(best) / float64(len(q))
}

// Result is what a question found.
type Result struct {
	Hits []Hit // best first; empty when nothing answers the question
	// Words are the question's content words (after normalisation and
	// stop-word removal); Expanded what synonyms added.
	Words    []string
	Expanded []Expansion
	// Corrected are question words read as another, known word
	// (mistyped → known).
	Corrected [][2]string
	// Rejected are hits that matched some words but not enough to answer:
	// kept for logs and the bureau's report.
	Rejected []Hit
}

// issuerRe matches the names of the bureau that issues the program.
var issuerRe = regexp.MustCompile(`関東経済産業局|関東経産局|経済産業局|経産局|経済産業省|経産省|当局`)

// questionStop are words of how bank staff ask, not of what they ask about.
var questionStop = map[string]bool{
	"取引": true, "取引先": true, "先": true, "顧客": true, "お客様": true, "客": true, "相談": true, "教える": true,
	"知る": true, "知りる": true, "方法": true, "件": true, "場合": true, "もの": true, "的": true, "向け": true, "当社": true,
	"弊社": true, "当行": true, "当庫": true, "金庫": true, "希望": true, "ほしい": true, "欲しい": true, "良い": true,
	"いい": true, "何": true, "どう": true, "どこ": true, "どんな": true, "誰": true, "施策": true, "制度": true,
	"使える": true, "使う": true, "探す": true, "紹介": true, "後押し": true, "聞く": true, "考える": true, "思う": true,
	"くださる": true, "下さる": true, "おる": true, "いる": true, "ある": true, "する": true, "なる": true, "たい": true,
	"について": true, "関する": true, "関連": true, "情報": true, "内容": true, "概要": true, "くれる": true, "もらう": true,
	"あり": true, "ます": true, "です": true, "支援策": true, "企業": true, "会社": true, "お願い": true, "あれる": true,
	"?": true, "？": true,
}

// Search finds the records that answer q. It returns no hits and no error
// when nothing matches well enough; ctx cancels a long search.
func (x *Index) Search(ctx context.Context, q Query) (Result, error) {
	text := corpus.Normalize(q.Text)
	if utf8.RuneCountInString(text) > MaxQueryRunes {
		text = string([]rune(text)[:MaxQueryRunes])
	}
	var res Result
	// The bureau itself is every measure's owner: naming it says nothing
	// about which measure is meant.
	words, err := Terms(AnalyzerJA, issuerRe.ReplaceAllString(text, " "))
	if err != nil {
		return res, err
	}
	for _, w := range words {
		if questionStop[w] {
			continue
		}
		// A compound the index does not know but whose characters make one
		// it does is the same word mistyped (事業継承 → 承継).
		if c, ok := x.anagrams[anagramKey(w)]; ok && !x.vocab[w] {
			res.Corrected = append(res.Corrected, [2]string{w, c})
			w = c
		}
		res.Words = append(res.Words, w)
	}
	for _, e := range x.syn.Expand(text) {
		if !x.insideKnownPhrase(text, e.Trigger) {
			res.Expanded = append(res.Expanded, e)
		}
	}
	var expWords []string
	for _, e := range res.Expanded {
		for _, w := range e.Words {
			ts := x.expansionTerms(w)
			expWords = append(expWords, ts...)
		}
	}
	// Character bigrams recover words kagome splits differently from the
	// document or does not know; words the index knows need none.
	var unknown []string
	for _, w := range res.Words {
		if !x.vocab[w] {
			unknown = append(unknown, w)
		}
	}
	grams := bigramsOf(strings.Join(unknown, " "))
	if len(res.Words) == 0 && len(expWords) == 0 {
		return res, nil
	}

	var should []query.Query
	term := func(t, field string, boost float64) {
		tq := bleve.NewTermQuery(t)
		tq.SetField(field)
		tq.SetBoost(boost)
		should = append(should, tq)
	}
	// Words go to every field; synonyms and bigrams, which only need to
	// find the right records, not to rank within long bodies, skip the body
	// (fewer term searchers: most of a question's cost is here).
	expWords = uniq(expWords)
	for _, f := range fields {
		for _, w := range res.Words {
			term(w, f.name, f.word)
		}
		if f.name == "body" {
			continue
		}
		for _, w := range expWords {
			term(w, f.name, f.word*expansionWeight)
		}
		for _, g := range grams {
			term(g, f.name+"_bg", f.gram)
		}
	}
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = []string{KindMeasure}
	}
	var kindQ []query.Query
	for _, k := range kinds {
		tq := bleve.NewTermQuery(k)
		tq.SetField("kind")
		kindQ = append(kindQ, tq)
	}
	dq := bleve.NewDisjunctionQuery(should...)
	kq := bleve.NewDisjunctionQuery(kindQ...)
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(dq, kq), 20, 0, false)
	sr, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	inAll := &presence{ti: x.all, memo: map[string]map[*doc]bool{}}
	inStrong := &presence{ti: x.strong, memo: map[string]map[*doc]bool{}}
	for _, h := range sr.Hits {
		d := x.docs[h.ID]
		if d == nil || q.Edition != 0 && d.kind == KindMeasure && d.edition != q.Edition {
			continue
		}
		hit := Hit{Kind: d.kind, ID: d.id, Score: h.Score}
		hit.Coverage, hit.Strong = x.coverage(d, res.Words, res.Expanded, inAll, inStrong)
		if answers(hit, len(res.Words)) {
			res.Hits = append(res.Hits, hit)
		} else {
			res.Rejected = append(res.Rejected, hit)
		}
	}
	// Rank by BM25 (relative to the best hit) tempered by coverage: a
	// record that contains every word asked about beats one that repeats a
	// single word often.
	//
	// A record whose title, keywords or summary contain a long stretch of
	// the question verbatim (新やる気補助金, 人材活用ガイドライン) is named by
	// it: that is worth more than word statistics.
	compact := []rune(strings.ReplaceAll(text, " ", ""))
	if len(compact) > maxPhraseRunes {
		compact = compact[:maxPhraseRunes]
	}
	for i := range res.Hits {
		d := x.docs[res.Hits[i].ID]
		res.Hits[i].Phrase = phraseShare(compact, func(p string) bool { return inStrong.in(d, p) }, d.strongGrams)
		res.Hits[i].PhraseAnywhere = phraseShare(compact, func(p string) bool { return inAll.in(d, p) }, d.allGrams)
	}
	maxScore := 0.0
	for _, h := range res.Hits {
		maxScore = max(maxScore, h.Score)
	}
	rank := func(h Hit) float64 {
		return (0.3 + 0.7*h.Score/maxScore) * (0.1 + h.Coverage) * (0.1 + h.Coverage) * (0.8 + 0.2*h.Strong) *
			(1 + phraseBonus*h.Phrase + phraseAnywhereBonus*h.PhraseAnywhere)
	}
	sort.SliceStable(res.Hits, func(i, j int) bool { return rank(res.Hits[i]) > rank(res.Hits[j]) })
	for i := range res.Hits {
		res.Hits[i].Score = rank(res.Hits[i])
	}
	if len(res.Hits) > limit {
		res.Hits = res.Hits[:limit]
	}
	return res, nil
}

// answers decides whether a hit answers the question at all: most of what
// was asked must be in the record, and some of it in its title, keywords
// or summary — or all of it somewhere.
func answers(h Hit, words int) bool {
	if words == 0 { // only synonyms matched: they are curated
		return h.Strong > 0
	}
	if words <= 3 {
		// A short question is its few words: about half of them (weighted)
		// must be in the record. Longer ones carry more phrasing, so less.
		return h.Coverage >= 0.4 && h.Strong >= 0.25 || h.Coverage >= 0.85
	}
	return h.Coverage >= 0.25 && h.Strong >= 0.25 || h.Coverage >= 0.5 && h.Strong >= 0.1 || h.Coverage >= 0.85
}

// idf weighs a word by rarity among the measures; words no measure contains
// weigh most.
//
// Words that end in hiragana are mostly verbs, adjectives and adverbs
// (上がる, 苦しい, うまく): how a question is phrased more than what it is
// about, so they weigh a quarter. x.idf("") is the weight of a word no
// measure contains.
func (x *Index) idf(w string) float64 {
	idf := math.Log(1 + (float64(x.n)+1)/(float64(x.df[w])+0.5))
	switch r, _ := utf8.DecodeLastRuneInString(w); {
	case w == "":
	case unicode.Is(unicode.Hiragana, r):
		idf *= 0.25
	case utf8.RuneCountInString(w) == 1:
		idf *= 0.5 // a lone character (代, 町) says little
	}
	return idf
}

// expansionWeight scales the boost of words added by synonyms (what the
// question says itself ranks above what it was taken to mean);
// synonymCredit is the coverage a word earns through a synonym only (in
// full: 外国 is as much about 海外展開 as 海外 is).
const (
	expansionWeight = 0.4
	synonymCredit   = 1.0
)

// insideKnownPhrase reports whether the trigger found in q is part of a
// longer phrase of q that the corpus contains verbatim (補助金 within
// 新やる気補助金): the phrase then names its own measure, and the
// synonym would lead away from it.
func (x *Index) insideKnownPhrase(q, trigger string) bool {
	i := strings.Index(q, trigger)
	if i < 0 {
		return false
	}
	rs := []rune(q)
	start := utf8.RuneCountInString(q[:i])
	end := start + utf8.RuneCountInString(trigger)
	// A stretch the corpus contains has every sub-stretch in it too, so
	// the extensions are grown one character at a time and stop at the
	// first miss: usually two look-ups, not every pair of ends.
	left := start
	for left > 0 && start-left < 6 && x.corpusHas(string(rs[left-1:end])) {
		left--
	}
	right := end
	for right < len(rs) && right-end < 6 && x.corpusHas(string(rs[start:right+1])) {
		right++
	}
	for l := left; l <= start; l++ {
		for r := end; r <= right; r++ {
			if l == start && r == end {
				continue
			}
			phrase := string(rs[l:r])
			// A phrase neither starts nor ends with kana that could be a
			// particle (資金繰り|が is no phrase), nor spans punctuation.
			if strings.ContainsAny(phrase, " 、。,.!?？！") || unicode.Is(unicode.Hiragana, rs[l]) || unicode.Is(unicode.Hiragana, rs[r-1]) {
				continue
			}
			if x.corpusHas(phrase) {
				return true
			}
		}
	}
	return false
}

// expansionTerms analyses a synonym's word once and remembers it.
func (x *Index) expansionTerms(w string) []string {
	if ts, ok := x.expCache.Load(w); ok {
		return ts.([]string)
	}
	ts, _ := Terms(AnalyzerJA, w)
	x.expCache.Store(w, ts)
	return ts
}

func (x *Index) corpusHas(phrase string) bool { return x.all.has(phrase) }

// coverage computes the weighted share of question words found in d (all
// fields, and strong fields). A word that triggered a synonym counts as
// found when one of the synonym's words is.
func (x *Index) coverage(d *doc, words []string, exp []Expansion, inAll, inStrong *presence) (all, strong float64) {
	var total, sumAll, sumStrong float64
	for _, w := range words {
		wt := x.idf(w)
		for _, e := range exp {
			// A word a synonym stands for is what the question is about,
			// whatever its form (値上げ, 後継ぎ).
			if strings.Contains(e.Trigger, w) || strings.Contains(w, e.Trigger) {
				wt = max(wt, x.idf(""))
			}
		}
		total += wt
		a, s := credit(d.all[w] || inAll.in(d, w)), credit(d.strong[w] || inStrong.in(d, w))
		for _, e := range exp {
			if !strings.Contains(e.Trigger, w) && !strings.Contains(w, e.Trigger) {
				continue
			}
			for _, sw := range e.Words {
				a = max(a, synonymCredit*credit(inAll.in(d, sw)))
				s = max(s, synonymCredit*credit(inStrong.in(d, sw)))
			}
		}
		sumAll += a * wt
		sumStrong += s * wt
	}
	if total == 0 {
		// Only synonyms: covered when one of their words is.
		for _, e := range exp {
			for _, sw := range e.Words {
				if inStrong.in(d, sw) {
					return 1, 1
				}
				if inAll.in(d, sw) {
					all = 1
				}
			}
		}
		return all, 0
	}
	return sumAll / total, sumStrong / total
}

// anagramKey is a word's characters in order: the same for 継承 and 承継.
func anagramKey(w string) string {
	rs := []rune(w)
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return string(rs)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func runeBigrams(s string) map[[2]rune]bool {
	rs := []rune(s)
	out := make(map[[2]rune]bool, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		out[[2]rune{rs[i], rs[i+1]}] = true
	}
	return out
}

func credit(found bool) float64 {
	if found {
		return 1
	}
	return 0
}

// bigramsOf returns the character bigrams (and whole ASCII words) of text,
// as the bigram analyser makes them; single characters are used only when
// the question is one character long.
func bigramsOf(text string) []string {
	terms, _ := Terms(AnalyzerBigram, text)
	var out []string
	for _, t := range terms {
		n := utf8.RuneCountInString(t)
		if n >= 2 || len(terms) == 1 {
			out = append(out, t)
		}
	}
	return out
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
