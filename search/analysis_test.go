package search

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

func analysisTestTerms(ts analysis.TokenStream) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}

func analysisTestMustTerms(t *testing.T, analyzer, text string) []string {
	t.Helper()
	terms, err := Terms(analyzer, text)
	if err != nil {
		t.Fatal(err)
	}
	return terms
}

// analysisTestCheckStream checks offsets and positions of any token stream
// over input.
func analysisTestCheckStream(t *testing.T, input []byte, ts analysis.TokenStream, gapless bool) {
	t.Helper()
	last := 0
	for i, tok := range ts {
		if tok.Start < 0 || tok.Start >= tok.End || tok.End > len(input) {
			t.Fatalf("token %d %q: bad offsets [%d,%d) for input of %d bytes", i, tok.Term, tok.Start, tok.End, len(input))
		}
		if !utf8.Valid(input[tok.Start:tok.End]) {
			t.Fatalf("token %d %q: offsets [%d,%d) cut a character", i, tok.Term, tok.Start, tok.End)
		}
		if len(tok.Term) == 0 {
			t.Fatalf("token %d: empty term", i)
		}
		if gapless && tok.Position != i+1 {
			t.Fatalf("token %d %q: position %d, want %d", i, tok.Term, tok.Position, i+1)
		}
		if tok.Position < 1 || tok.Position < last {
			t.Fatalf("token %d %q: position %d after %d", i, tok.Term, tok.Position, last)
		}
		last = tok.Position
	}
}

func TestKagomeOffsetsAndPositions(t *testing.T) {
	// Already normalised inputs: offsets must slice the surface exactly.
	inputs := []string{
		"取引先の事業承継について相談したい",
		"中小企業のdx推進を支援する。bcp策定 と m&a",
		"①事業承継 ② 脱炭素化 カーボンニュートラル 2050年 令和6年度",
		"金融機関による伴走支援の在り方について、行われている取組を紹介します。",
	}
	for _, in := range inputs {
		input := []byte(in)
		ts := kagomeTokenizer{}.Tokenize(input)
		if len(ts) == 0 {
			t.Fatalf("%q: no tokens", in)
		}
		analysisTestCheckStream(t, input, ts, true)
		// Re-run kagome itself to learn which tokens are inflected.
		for _, tok := range ts {
			surface := string(input[tok.Start:tok.End])
			if string(tok.Term) != surface && !analysisTestIsInflected(surface) {
				t.Errorf("%q: term %q has surface %q at [%d,%d)", in, tok.Term, surface, tok.Start, tok.End)
			}
		}
	}
}

// analysisTestIsInflected reports whether kagome tags surface as a verb or
// adjective, the only tokens whose term may differ from their surface.
func analysisTestIsInflected(surface string) bool {
	for _, tk := range kagome().Analyze(surface, tokenizer.Search) {
		if p := tk.POS(); len(p) > 0 && (p[0] == "動詞" || p[0] == "形容詞") {
			return true
		}
	}
	return false
}

func TestKagomeExactTokens(t *testing.T) {
	in := "取引先の事業承継について相談したい"
	ts := kagomeTokenizer{}.Tokenize([]byte(in))
	type tk struct {
		term       string
		start, end int
		pos        int
	}
	want := []tk{
		{"取引", 0, 6, 1},
		{"先", 6, 9, 2},
		{"事業", 12, 18, 3},
		{"承継", 18, 24, 4},
		{"相談", 36, 42, 5},
	}
	var got []tk
	for _, t := range ts {
		got = append(got, tk{string(t.Term), t.Start, t.End, t.Position})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tokenize(%q) =\n %v\nwant\n %v", in, got, want)
	}
}

func TestKagomeDropsFunctionWords(t *testing.T) {
	terms := analysisTestMustTerms(t, AnalyzerJA, "取引先の事業承継について相談したい")
	for _, w := range []string{"取引", "事業", "承継", "相談"} {
		if !slices.Contains(terms, w) {
			t.Errorf("terms %q lack %q", terms, w)
		}
	}
	for _, w := range []string{"の", "について", "たい", "し", "する"} {
		if slices.Contains(terms, w) {
			t.Errorf("terms %q contain %q", terms, w)
		}
	}

	tests := []struct {
		in   string
		want []string
	}{
		{"相談したい", []string{"相談"}},
		{"行われている取組のため、この支援は考えられる", []string{"行う", "取組", "支援", "考える"}},
		{"負担が大きかった", []string{"負担", "大きい"}},
		{"できることがない", []string{}},
		{"及び又は並びに", []string{}},
		{"事業者等", []string{"事業", "者"}},
		{"関西国際空港", []string{"関西", "国際", "空港"}}, // search mode splits compounds
		{"カーボンニュートラル", []string{"カーボン", "ニュートラル"}},
	}
	for _, tt := range tests {
		got := analysisTestMustTerms(t, AnalyzerJA, tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms(JA, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKagomeASCIIAndWidth(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"DX推進とBCP、OIMS", []string{"dx", "推進", "bcp", "oims"}},
		{"ＤＸ推進とＢＣＰ", []string{"dx", "推進", "bcp"}},
		{"Ｍ＆Ａの支援", []string{"m&a", "支援"}},
		{"M&A", []string{"m&a"}},
		{"ＳＤＧｓ経営", []string{"sdgs", "経営"}},
		{"Ｊ－クレジット", []string{"j", "クレジット"}},
		{"J‐クレジット", []string{"j", "クレジット"}},
		{"J-クレジット", []string{"j", "クレジット"}},
		{"covid-19 e-tax", []string{"covid-19", "e-tax"}},
		{"12.5%、1,000円", []string{"12.5", "1,000", "円"}},
		{"令和６年度", []string{"令和", "6", "年度"}},
		{"ｼﾞｪｸﾄ", []string{"ジェクト"}},
		{"①事業承継 ②", []string{"①", "事業", "承継", "②"}},
		{"a--b c-", []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		got := analysisTestMustTerms(t, AnalyzerJA, tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms(JA, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Width variants analyse identically.
	for _, pair := range [][2]string{{"ｼﾞｪｸﾄ", "ジェクト"}, {"ＤＸ", "dx"}, {"Ｊ－クレジット", "j-クレジット"}} {
		for _, a := range []string{AnalyzerJA, AnalyzerBigram} {
			x, y := analysisTestMustTerms(t, a, pair[0]), analysisTestMustTerms(t, a, pair[1])
			if !slices.Equal(x, y) {
				t.Errorf("%s: %q → %q but %q → %q", a, pair[0], x, pair[1], y)
			}
		}
	}
}

func TestNgramTokenizer(t *testing.T) {
	in := "事業承継"
	ts := ngramTokenizer{}.Tokenize([]byte(in))
	type tk struct {
		term       string
		start, end int
		pos        int
	}
	want := []tk{
		{"事", 0, 3, 1}, {"事業", 0, 6, 1},
		{"業", 3, 6, 2}, {"業承", 3, 9, 2},
		{"承", 6, 9, 3}, {"承継", 6, 12, 3},
		{"継", 9, 12, 4},
	}
	var got []tk
	for _, t := range ts {
		got = append(got, tk{string(t.Term), t.Start, t.End, t.Position})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tokenize(%q) =\n %v\nwant\n %v", in, got, want)
	}
	for _, tok := range ts {
		if string(tok.Term) != in[tok.Start:tok.End] {
			t.Errorf("term %q != input[%d:%d] %q", tok.Term, tok.Start, tok.End, in[tok.Start:tok.End])
		}
	}

	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"事", []string{"事"}},
		{"事業 承継", []string{"事", "事業", "業", "承", "承継", "継"}},
		{"事業、承継", []string{"事", "事業", "業", "承", "承継", "継"}},
		{"DX推進", []string{"dx", "推", "推進", "進"}},
		{"推進dx", []string{"推", "推進", "進", "dx"}},
		{"Ｍ＆Ａ・ＢＣＰ", []string{"m&a", "bcp"}},
		{"ｼﾞｪｸﾄ", []string{"ジ", "ジェ", "ェ", "ェク", "ク", "クト", "ト"}},
		{"①②", []string{"①", "①②", "②"}},
		{"支援😀です", []string{"支", "支援", "援", "で", "です", "す"}},
	}
	for _, tt := range tests {
		ts, err := Analyze(AnalyzerBigram, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := analysisTestTerms(ts); !slices.Equal(got, tt.want) {
			t.Errorf("Analyze(bigram, %q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTerms(t *testing.T) {
	got := analysisTestMustTerms(t, AnalyzerJA, "ＤＸ 事業承継 事業 dx")
	if want := []string{"dx", "事業", "承継"}; !slices.Equal(got, want) {
		t.Errorf("Terms = %q, want %q (distinct, first-occurrence order)", got, want)
	}
	if got := analysisTestMustTerms(t, AnalyzerJA, " 、。 "); len(got) != 0 {
		t.Errorf("Terms of punctuation = %q, want none", got)
	}
	if _, err := Terms("no_such_analyzer", "x"); err == nil {
		t.Error("Terms with an unknown analyzer: no error")
	}
	ts, err := Analyze(AnalyzerJA, "事業承継")
	if err != nil || len(ts) != 2 {
		t.Errorf("Analyze = %v, %v", ts, err)
	}
}

func TestAnalysisNoPanicOnOddInput(t *testing.T) {
	long := strings.Repeat("事業承継支援、ＤＸ推進とM&A。ｼﾞｪｸﾄ ①\t", 450) // > 10,000 characters
	if n := utf8.RuneCountInString(long); n < 10000 {
		t.Fatalf("long input has only %d characters", n)
	}
	var mixed strings.Builder
	for i := 0; mixed.Len() < 40000; i++ {
		mixed.WriteRune(rune((i*7919)%0x3100 + 1))
	}
	inputs := []string{
		"", " ", "\u3000", "\x00", "\x00\x01\x02\x1f\x7f", "a", "&", "-", "--a--", "a&", "1.", ".1", "a-",
		"😀", "👍🏽👨‍👩‍👧", "支援😀です", "\xff\xfe\xfd", "事業\xff承継", "\u200b\ufeff",
		"ﾞﾟ", "ア\u3099", "~~~", "、。・「」", strings.Repeat("ー", 100), strings.Repeat("a", 5000),
		strings.Repeat("1,", 1000), long, mixed.String(),
	}
	analyzers := []string{AnalyzerJA, AnalyzerBigram}
	for _, in := range inputs {
		for _, a := range analyzers {
			if _, err := Analyze(a, in); err != nil {
				t.Fatal(err)
			}
		}
		// The tokenizers alone, on raw (unnormalised, even invalid) input.
		b := []byte(in)
		analysisTestCheckStream(t, b, kagomeTokenizer{}.Tokenize(b), true)
		analysisTestCheckStream(t, b, ngramTokenizer{}.Tokenize(b), false)
	}
	ts, err := Analyze(AnalyzerJA, long)
	if err != nil || len(ts) < 1000 {
		t.Fatalf("long input: %d tokens, %v", len(ts), err)
	}
}

func TestAnalysisConcurrent(t *testing.T) {
	texts := []string{
		"取引先の事業承継について相談したい",
		"中小企業のＤＸ推進を支援する。ＢＣＰ策定とＭ＆Ａ",
		"関西国際空港とカーボンニュートラル、サプライチェーンの強靭化",
		"行われている取組のため、この支援は考えられる",
	}
	want := map[string][]string{}
	for _, s := range texts {
		for _, a := range []string{AnalyzerJA, AnalyzerBigram} {
			want[a+s] = analysisTestMustTerms(t, a, s)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				s := texts[(g+i)%len(texts)]
				a := []string{AnalyzerJA, AnalyzerBigram}[i%2]
				got, err := Terms(a, s)
				if err != nil || !slices.Equal(got, want[a+s]) {
					select {
					case errs <- fmt.Sprintf("%s %q: %q, %v", a, s, got, err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// analysisTestIndex builds an in-memory scorch index scored with BM25, with
// the text in a field per analyser.
func analysisTestIndex(t *testing.T) bleve.Index {
	t.Helper()
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring // "bm25"; the default is "tfidf"
	doc := bleve.NewDocumentStaticMapping()
	ja := bleve.NewTextFieldMapping()
	ja.Analyzer = AnalyzerJA
	bigram := bleve.NewTextFieldMapping()
	bigram.Analyzer = AnalyzerBigram
	bigram.Store = false
	doc.AddFieldMappingsAt("ja", ja)
	doc.AddFieldMappingsAt("bigram", bigram)
	im.DefaultMapping = doc

	// scorch with an empty path keeps everything in memory (bleve.NewMemOnly
	// would use the upsidedown index type, which has no BM25 statistics).
	idx, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if adv, err := idx.Advanced(); err != nil {
		t.Fatal(err)
	} else if _, ok := adv.(*scorch.Scorch); !ok {
		t.Fatalf("index type %T, want *scorch.Scorch", adv)
	}

	docs := map[string]string{
		"m1": "事業承継支援の取組を紹介します",
		"m2": "脱炭素化に向けた設備投資への融資",
		"m3": "ＤＸ推進とＭ＆Ａ、Ｊ－クレジットの活用",
		"m4": "取引先の事業再構築について",
	}
	b := idx.NewBatch()
	for id, text := range docs {
		if err := b.Index(id, map[string]string{"ja": text, "bigram": text}); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	return idx
}

func analysisTestHits(t *testing.T, idx bleve.Index, field, term string) []string {
	t.Helper()
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	req := bleve.NewSearchRequest(q)
	req.Explain = true
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
		if !analysisTestExplHas(h.Expl, "saturation") {
			t.Errorf("hit %s for %s:%s not scored with BM25: %v", h.ID, field, term, h.Expl)
		}
	}
	slices.Sort(ids)
	return ids
}

func analysisTestExplHas(e *bsearch.Explanation, s string) bool {
	if e == nil {
		return false
	}
	if strings.Contains(e.Message, s) {
		return true
	}
	for _, c := range e.Children {
		if analysisTestExplHas(c, s) {
			return true
		}
	}
	return false
}

func TestAnalyzersInScorchBM25Index(t *testing.T) {
	idx := analysisTestIndex(t)
	tests := []struct {
		field string
		query string // run through Terms like the query builder does
		want  []string
	}{
		{"ja", "承継", []string{"m1"}},
		{"bigram", "承継", []string{"m1"}},
		{"ja", "事業", []string{"m1", "m4"}},
		{"ja", "ＤＸ", []string{"m3"}},
		{"ja", "m&a", []string{"m3"}},
		{"ja", "クレジット", []string{"m3"}},
		{"bigram", "炭素", []string{"m2"}},
		{"bigram", "dx", []string{"m3"}},
	}
	for _, tt := range tests {
		analyzer := AnalyzerJA
		if tt.field == "bigram" {
			analyzer = AnalyzerBigram
		}
		terms := analysisTestMustTerms(t, analyzer, tt.query)
		if len(terms) == 0 {
			t.Fatalf("no terms for %q", tt.query)
		}
		// For the bigram field a two-character query is one bigram term;
		// for JA a keyword is usually one word.
		term := terms[0]
		if tt.field == "bigram" && len(terms) > 1 {
			term = terms[1] // the bigram following the first unigram
		}
		if got := analysisTestHits(t, idx, tt.field, term); !slices.Equal(got, tt.want) {
			t.Errorf("%s:%q (term %q) hits %q, want %q", tt.field, tt.query, term, got, tt.want)
		}
	}
}

func BenchmarkKagomeAnalyze(b *testing.B) {
	// About 100 characters of the document's register.
	text := "地域金融機関と連携し、取引先の事業承継やＤＸ推進、脱炭素化に向けた設備投資への支援を行うとともに、" +
		"経営改善計画の策定支援や事業再構築補助金の活用について、関東財務局が相談に応じます。"
	WarmUp()
	a, err := analyzerCache.AnalyzerNamed(AnalyzerJA)
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(text)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(input)
	}
}

func BenchmarkBigramAnalyze(b *testing.B) {
	text := "地域金融機関と連携し、取引先の事業承継やＤＸ推進、脱炭素化に向けた設備投資への支援を行うとともに、" +
		"経営改善計画の策定支援や事業再構築補助金の活用について、関東財務局が相談に応じます。"
	a, err := analyzerCache.AnalyzerNamed(AnalyzerBigram)
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(text)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(input)
	}
}

// BenchmarkKagomeDictLoad measures what the first analysis pays once:
// loading the IPA dictionary as ipa.Dict does (which caches it, hence the
// file is loaded directly here).
// BenchmarkKagomeDictLoad measures what start-up pays for the dictionary
// as renkei loads it (shrunk, features dropped) and the base-form table.
func BenchmarkKagomeDictLoad(b *testing.B) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ikawaha/kagome-dict/ipa").Output()
	if err != nil {
		b.Skipf("locating the ipa module: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "ipa.dict")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dict.LoadShrink(path); err != nil {
			b.Skipf("loading %s: %v", path, err)
		}
		if len(loadBaseForms()) == 0 {
			b.Fatal("no base forms")
		}
	}
}
