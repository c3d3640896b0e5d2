package search

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kanto-renkei/renkei/corpus"
)

var (
	testOnce  sync.Once
	testIndex *Index
	testC     *corpus.Corpus
)

func shipped(t testing.TB) (*Index, *corpus.Corpus) {
	t.Helper()
	testOnce.Do(func() {
		c, err := corpus.Default()
		if err != nil {
			panic(err)
		}
		x, err := New(c, DefaultSynonyms())
		if err != nil {
			panic(err)
		}
		testIndex, testC = x, c
	})
	return testIndex, testC
}

func top(t *testing.T, q string) (string, Result) {
	t.Helper()
	x, c := shipped(t)
	res, err := x.Search(context.Background(), Query{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		return "", res
	}
	m, _ := c.Measure(res.Hits[0].ID)
	return m.Title, res
}

func TestRanking(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"事業承継", "事業承継支援"},
		{"価格交渉", "価格転嫁"},
		{"BCP", "事業継続力強化計画"},
		{"ＢＣＰ", "事業継続力強化計画"},
		{"ｶｰﾎﾞﾝﾆｭｰﾄﾗﾙ実現", "カーボンニュートラル実現"},
		{"Ｊ－クレジット", "J-クレジット"},
		{"M&A", "事業承継支援"},
		{"跡継ぎがいない", "事業承継支援"},
		{"海外進出", "グローバル化支援"},
		{"新やる気補助金", "先導的・先進的な知財支援"},     // a phrase beats the 補助金 synonym
		{"人材活用ガイドライン", "人的資本経営"},        // a sub-heading names its measure
		{"EVシフトに悩む部品メーカー", "自動車サプライヤー"}, // natural sentence + abbreviation
		{"メルマガ", "メールマガジン"},
		{"地震や水害への備え", "事業継続力強化計画"},
		{"資金繰りが苦しい", "収益力改善"},
		{"事業継承", "事業承継支援"}, // transposed kanji: a common slip
	} {
		got, res := top(t, tc.q)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%q: top %q, want %q (words %v, expanded %v)", tc.q, got, tc.want, res.Words, res.Expanded)
		}
	}
}

func TestRefusesOffTopic(t *testing.T) {
	for _, q := range []string{"住宅ローンの金利の比較", "明日の東京の天気", "円ドルの為替相場", "キャッシュカードの再発行", "", "の", "？？？"} {
		if got, res := top(t, q); got != "" {
			t.Errorf("%q: answered %q (coverage %.2f strong %.2f)", q, got, res.Hits[0].Coverage, res.Hits[0].Strong)
		}
	}
}

func TestHostileQueries(t *testing.T) {
	x, _ := shipped(t)
	for _, q := range []string{
		strings.Repeat("事業承継", 3000), "+title:承継^100 AND (x OR y) \"", "😀🙏", "\x00\x07\x1b", "\xff\xfe", strings.Repeat(" ", 1000),
		"<b>事業承継</b>", "事業承継\u200b\u202e", "ｼﾞｷﾞｮｳｼｮｳｹｲ",
	} {
		if _, err := x.Search(context.Background(), Query{Text: q}); err != nil {
			t.Errorf("%.30q: %v", q, err)
		}
	}
	// Query syntax is plain text: the words still find their measure.
	if got, _ := top(t, "+事業承継^2 title:"); !strings.Contains(got, "事業承継") {
		t.Errorf("query syntax changed the result: %q", got)
	}
}

func TestSearchKinds(t *testing.T) {
	x, _ := shipped(t)
	res, err := x.Search(context.Background(), Query{Text: "亀有信用金庫 交流会", Kinds: []string{KindEvent}})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Kind != KindEvent || res.Hits[0].ID != "2023-1-13-e01" {
		t.Fatalf("events: %+v %v", res.Hits, err)
	}
	res, _ = x.Search(context.Background(), Query{Text: "金融連携推進室 電話", Kinds: []string{KindContact}})
	if len(res.Hits) == 0 || res.Hits[0].Kind != KindContact {
		t.Errorf("contacts: %+v", res.Hits)
	}
}

func TestSearchCancelled(t *testing.T) {
	x, _ := shipped(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Search(ctx, Query{Text: "事業承継"}); err == nil {
		t.Error("a cancelled search must fail")
	}
}

func TestPhraseShare(t *testing.T) {
	for _, tc := range []struct {
		q, text string
		want    float64
	}{
		{"新やる気補助金", "中小企業知的財産支援事業(新やる気補助金)", 1},
		{"人材活用ガイドラインとは", "「人材活用ガイドライン」の活用", 10.0 / 12},
		{"事業承継", "事業再構築", 0.5}, // 事業
		{"のはが", "のはが", 0},      // hiragana-bounded stretches do not count
		{"x", "x", 0},
	} {
		text := tc.text
		if got := phraseShare([]rune(tc.q), func(p string) bool { return strings.Contains(text, p) }, runeBigrams(tc.text)); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("phraseShare(%q, %q) = %.3f, want %.3f", tc.q, tc.text, got, tc.want)
		}
	}
}

func BenchmarkIndexBuild(b *testing.B) {
	WarmUp()
	c, err := corpus.Default()
	if err != nil {
		b.Fatal(err)
	}
	syn := DefaultSynonyms()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x, err := New(c, syn)
		if err != nil {
			b.Fatal(err)
		}
		x.Close()
	}
}

func BenchmarkSearch(b *testing.B) {
	x, _ := shipped(b)
	qs := []string{"事業承継", "取引先の海外進出を後押ししたい", "BCP", "住宅ローンの金利の比較", "資金繰りが苦しい"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := x.Search(context.Background(), Query{Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
	}
}
