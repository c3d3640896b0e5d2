package search

// Japanese text analysis for the bleve index.
//
// Two analysers are registered with bleve's global registry when this
// package is imported (so an index opened from disk finds them by name):
//
//	AnalyzerJA     = normalise → kagome (IPA dictionary, search mode) → lower case
//	AnalyzerBigram = normalise → unigrams+bigrams of characters → lower case
//
// Index a text field with both (two fields) and query both: AnalyzerJA gives
// precise word matches, AnalyzerBigram recall on words kagome splits
// differently or does not know.
//
// The normalising char filter runs corpus.Normalize. Bleve applies char
// filters before tokenising and token offsets then refer to the filtered
// text, which is fine for matching and scoring; but bleve's highlighter
// slices the stored field value with those offsets, so store the text
// already normalised (corpus.Normalize is idempotent, so the char filter
// then changes nothing and offsets point into the stored text).

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"

	"github.com/kanto-renkei/renkei/corpus"
)

// Names under which the analysis components are registered with bleve.
const (
	// CharFilterNormalize applies corpus.Normalize.
	CharFilterNormalize = "renkei_normalize"
	// TokenizerKagome is the morphological tokenizer (see AnalyzerJA).
	TokenizerKagome = "renkei_kagome"
	// TokenizerNgram emits character unigrams and bigrams (see AnalyzerBigram).
	TokenizerNgram = "renkei_ngram"

	// AnalyzerJA: CharFilterNormalize, TokenizerKagome, lower case.
	//
	// Words come from kagome's IPA dictionary in search mode, which splits
	// long compounds (関西国際空港 → 関西/国際/空港, カーボンニュートラル →
	// カーボン/ニュートラル). Particles, auxiliary verbs, symbols,
	// conjunctions, adnominals (この, 大きな), pronouns, dependent nouns and
	// verbs (こと, ため, …ている) and whitespace are dropped. Verbs and
	// adjectives are indexed in their base form (行われ → 行う), and the
	// light words する, ある, いる, なる, できる, れる, られる, せる, させる,
	// ない, おる, いう and 等 are dropped. Nouns keep their surface. Runs of
	// ASCII letters and digits never reach kagome: each is one token, kept
	// whole across '&' and '-' between letters or digits and across '.' and
	// ',' between digits (m&a, covid-19, 12.5), so j-クレジット gives j and
	// クレジット. Positions are 1..n over the kept tokens, without gaps.
	AnalyzerJA = "renkei_ja"

	// AnalyzerBigram: CharFilterNormalize, TokenizerNgram, lower case.
	//
	// Text is cut at whitespace, punctuation and symbols; each remaining
	// run of non-ASCII letters and numbers gives every character and every
	// pair of adjacent characters (事業承継 → 事, 事業, 業, 業承, 承, 承継, 継).
	// ASCII words (as in AnalyzerJA) are kept whole instead of being cut into
	// characters, and n-grams never span an ASCII word. A unigram and the
	// bigram starting at the same character share that character's position
	// (1-based, counting kept characters and ASCII words).
	AnalyzerBigram = "renkei_bigram"
)

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterCharFilter(CharFilterNormalize,
		func(map[string]interface{}, *registry.Cache) (analysis.CharFilter, error) {
			return normalizeCharFilter{}, nil
		}))
	must(registry.RegisterTokenizer(TokenizerKagome,
		func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
			return kagomeTokenizer{}, nil
		}))
	must(registry.RegisterTokenizer(TokenizerNgram,
		func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
			return ngramTokenizer{}, nil
		}))
	must(registry.RegisterAnalyzer(AnalyzerJA, analyzerConstructor(TokenizerKagome)))
	must(registry.RegisterAnalyzer(AnalyzerBigram, analyzerConstructor(TokenizerNgram)))
}

func analyzerConstructor(tokenizerName string) registry.AnalyzerConstructor {
	return func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		cf, err := cache.CharFilterNamed(CharFilterNormalize)
		if err != nil {
			return nil, err
		}
		tok, err := cache.TokenizerNamed(tokenizerName)
		if err != nil {
			return nil, err
		}
		lower, err := cache.TokenFilterNamed(lowercase.Name)
		if err != nil {
			return nil, err
		}
		return &analysis.DefaultAnalyzer{
			CharFilters:  []analysis.CharFilter{cf},
			Tokenizer:    tok,
			TokenFilters: []analysis.TokenFilter{lower},
		}, nil
	}
}

// analyzerCache holds the analysers Analyze and Terms use; registry caches
// are safe for concurrent use.
var analyzerCache = registry.NewCache()

// Analyze runs the named registered analyser (AnalyzerJA, AnalyzerBigram or
// any bleve analyser) over text, exactly as the index does.
func Analyze(analyzer, text string) (analysis.TokenStream, error) {
	a, err := analyzerCache.AnalyzerNamed(analyzer)
	if err != nil {
		return nil, fmt.Errorf("search: analyzer %q: %w", analyzer, err)
	}
	return a.Analyze([]byte(text)), nil
}

// Terms returns the distinct terms the named analyser produces for text, in
// order of first occurrence: the terms to build one term query each for.
// It returns no terms (and no error) for text made only of stop words,
// punctuation or spaces.
func Terms(analyzer, text string) ([]string, error) {
	ts, err := Analyze(analyzer, text)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(ts))
	terms := make([]string, 0, len(ts))
	for _, t := range ts {
		s := string(t.Term)
		if !seen[s] {
			seen[s] = true
			terms = append(terms, s)
		}
	}
	return terms, nil
}

// WarmUp loads kagome's dictionary now (about a second) instead of on the
// first analysis. It is safe to call more than once and concurrently.
func WarmUp() { kagome() }

var (
	kagomeOnce sync.Once
	kagomeTok  *tokenizer.Tokenizer
)

// kagome returns the shared kagome tokenizer. Loading the IPA dictionary is
// expensive, so it is done once; a *tokenizer.Tokenizer is safe for
// concurrent use (it is immutable after New, and each Analyze call takes its
// own lattice from a sync.Pool).
//
// The dictionary is loaded without its feature columns (ipa.DictShrink:
// 0.7 s and ~30 MB instead of 1 s and ~90 MB); the one feature renkei
// needs, the base form of verbs and adjectives, comes from baseforms.txt.gz
// (see gen_baseforms.go).
func kagome() *tokenizer.Tokenizer {
	kagomeOnce.Do(func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // decode the small table while the dictionary loads
			defer wg.Done()
			baseForms = loadBaseForms()
		}()
		t, err := tokenizer.New(ipa.DictShrink(), tokenizer.OmitBosEos())
		if err != nil {
			panic(fmt.Sprintf("search: kagome tokenizer: %v", err))
		}
		wg.Wait()
		kagomeTok = t
	})
	return kagomeTok
}

//go:generate go run gen_baseforms.go
//go:embed baseforms.txt.gz
var baseFormsGz []byte

// baseForms maps a dictionary entry ID to its base form; "" for entries
// that are not verbs or adjectives.
var baseForms []string

func loadBaseForms() []string {
	zr, err := gzip.NewReader(bytes.NewReader(baseFormsGz))
	if err != nil {
		panic(fmt.Sprintf("search: baseforms.txt.gz: %v", err))
	}
	sc := bufio.NewScanner(zr)
	var out []string
	intern := map[string]string{}
	id := 0
	for sc.Scan() {
		ln := sc.Text()
		if n, ok := strings.CutPrefix(ln, "# ipa entries "); ok {
			size, _ := strconv.Atoi(n)
			out = make([]string, size)
			continue
		}
		d, base, ok := strings.Cut(ln, " ")
		delta, err := strconv.Atoi(d)
		if !ok || err != nil {
			continue
		}
		id += delta
		if id < len(out) {
			if s, ok := intern[base]; ok {
				base = s
			} else {
				intern[base] = base
			}
			out[id] = base
		}
	}
	return out
}

// baseForm is the base form of a known verb or adjective token, or "".
func baseForm(tk tokenizer.Token) string {
	if tk.Class == tokenizer.KNOWN && tk.ID >= 0 && tk.ID < len(baseForms) {
		return baseForms[tk.ID]
	}
	return ""
}

// normalizeCharFilter is the CharFilterNormalize char filter.
type normalizeCharFilter struct{}

func (normalizeCharFilter) Filter(input []byte) []byte {
	return []byte(corpus.Normalize(string(input)))
}

// kagomeTokenizer is the TokenizerKagome tokenizer.
type kagomeTokenizer struct{}

// kagomeStopWords are dropped after base-form conversion.
var kagomeStopWords = map[string]bool{
	"する": true, "ある": true, "いる": true, "なる": true, "できる": true,
	"れる": true, "られる": true, "せる": true, "させる": true, "ない": true,
	"おる": true, "いう": true, "等": true,
}

// kagomeDropPOS reports whether a token with part of speech pos is dropped.
func kagomeDropPOS(pos []string) bool {
	if len(pos) == 0 {
		return true
	}
	sub := ""
	if len(pos) > 1 {
		sub = pos[1]
	}
	switch pos[0] {
	case "助詞", "助動詞", "記号", "接続詞", "連体詞", "感動詞", "フィラー", "その他":
		return true
	case "名詞":
		return sub == "非自立" || sub == "代名詞"
	case "動詞", "形容詞":
		return sub == "非自立" || sub == "接尾"
	}
	return false
}

func (kagomeTokenizer) Tokenize(input []byte) analysis.TokenStream {
	s := string(input)
	ts := make(analysis.TokenStream, 0, len(s)/6+1)
	emit := func(start, end int, term string, typ analysis.TokenType) {
		ts = append(ts, &analysis.Token{
			Start:    start,
			End:      end,
			Term:     []byte(term), // own copy: token filters may write to it
			Position: len(ts) + 1,
			Type:     typ,
		})
	}
	k := kagome()
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isTokenSeparator(r, size):
			i += size
			continue
		case isASCIIAlnum(r):
			end := scanASCIIWord(s, i)
			emit(i, end, s[i:end], asciiWordType(s[i:end]))
			i = end
			continue
		}
		// A segment for kagome: up to the next separator or ASCII word.
		j := i + size
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if isTokenSeparator(r, size) || isASCIIAlnum(r) {
				break
			}
			j += size
		}
		for _, w := range segmentWords(k, s[i:j]) {
			emit(i+w.start, i+w.end, w.term, w.typ)
		}
		i = j
	}
	return ts
}

// segWord is one kept word of a segment, offsets relative to the segment.
type segWord struct {
	start, end int
	term       string
	typ        analysis.TokenType
}

// segmentCache, while an index is being built, remembers the words of
// every segment analysed: the same lines come back in several fields and
// in the coverage sets, and kagome is most of the build's cost. It is nil
// otherwise, so queries never grow it.
var segmentCache atomic.Pointer[sync.Map]

// segmentWords runs kagome over one segment (no separators, no ASCII
// words) and keeps the words the analyser indexes.
func segmentWords(k *tokenizer.Tokenizer, seg string) []segWord {
	cache := segmentCache.Load()
	if cache != nil {
		if ws, ok := cache.Load(seg); ok {
			return ws.([]segWord)
		}
	}
	var out []segWord
	for _, tk := range k.Analyze(seg, tokenizer.Search) {
		if tk.Class == tokenizer.DUMMY || tk.Surface == "" {
			continue
		}
		pos := tk.POS()
		if kagomeDropPOS(pos) {
			continue
		}
		term := tk.Surface
		if pos[0] == "動詞" || pos[0] == "形容詞" {
			if bf := baseForm(tk); bf != "" {
				term = bf
			}
		}
		if kagomeStopWords[term] || !hasLetterOrNumber(term) {
			continue
		}
		out = append(out, segWord{start: tk.Position, end: tk.Position + len(tk.Surface), term: term, typ: wordType(tk.Surface)})
	}
	if cache != nil {
		cache.Store(seg, out)
	}
	return out
}

// ngramTokenizer is the TokenizerNgram tokenizer.
type ngramTokenizer struct{}

func (ngramTokenizer) Tokenize(input []byte) analysis.TokenStream {
	s := string(input)
	ts := make(analysis.TokenStream, 0, 2*utf8.RuneCountInString(s)/3+1)
	position := 0
	emit := func(start, end int, typ analysis.TokenType) {
		ts = append(ts, &analysis.Token{
			Start:    start,
			End:      end,
			Term:     []byte(s[start:end]),
			Position: position,
			Type:     typ,
		})
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isASCIIAlnum(r):
			end := scanASCIIWord(s, i)
			position++
			emit(i, end, asciiWordType(s[i:end]))
			i = end
		case isGramRune(r, size):
			position++
			emit(i, i+size, analysis.Single)
			if i+size < len(s) {
				r2, size2 := utf8.DecodeRuneInString(s[i+size:])
				if isGramRune(r2, size2) {
					emit(i, i+size+size2, analysis.Double)
				}
			}
			i += size
		default:
			i += size
		}
	}
	return ts
}

// isTokenSeparator reports whether r (decoded with the given size) always
// separates tokens: whitespace, control characters and invalid UTF-8.
func isTokenSeparator(r rune, size int) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || (r == utf8.RuneError && size <= 1)
}

// isGramRune reports whether r is a non-ASCII character that
// TokenizerNgram cuts into n-grams: a letter, number or mark.
func isGramRune(r rune, size int) bool {
	if r < utf8.RuneSelf || (r == utf8.RuneError && size <= 1) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func isASCIIAlnum(r rune) bool {
	return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

func isASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

// scanASCIIWord returns the end of the ASCII word starting at s[i], which
// must be an ASCII letter or digit. A word is a run of ASCII letters and
// digits, joined across a single '&' or '-' between two letters or digits
// and across a single '.' or ',' between two digits.
func scanASCIIWord(s string, i int) int {
	j := i + 1
	for j < len(s) {
		c := s[j]
		if isASCIIAlnum(rune(c)) {
			j++
			continue
		}
		if j+1 < len(s) {
			prev, next := s[j-1], s[j+1]
			switch c {
			case '&', '-':
				if isASCIIAlnum(rune(next)) {
					j += 2
					continue
				}
			case '.', ',':
				if isASCIIDigit(prev) && isASCIIDigit(next) {
					j += 2
					continue
				}
			}
		}
		break
	}
	return j
}

func asciiWordType(w string) analysis.TokenType {
	for i := 0; i < len(w); i++ {
		if !isASCIIDigit(w[i]) && w[i] != '.' && w[i] != ',' {
			return analysis.AlphaNumeric
		}
	}
	return analysis.Numeric
}

// wordType classifies a kagome token for bleve.
func wordType(w string) analysis.TokenType {
	numeric := true
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' {
			return analysis.Ideographic
		}
		if !unicode.IsNumber(r) {
			numeric = false
		}
	}
	if numeric {
		return analysis.Numeric
	}
	return analysis.AlphaNumeric
}

func hasLetterOrNumber(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}
