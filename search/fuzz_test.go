package search

import (
	"context"
	"testing"
	"unicode/utf8"
)

// FuzzAnalyzeAndSearch: analysis never panics, offsets stay inside the
// analysed text, and a search of any input returns without error.
func FuzzAnalyzeAndSearch(f *testing.F) {
	for _, s := range []string{"事業承継", "取引先の海外進出を後押ししたい", "ＢＣＰ", "ｼﾞｷﾞｮｳｼｮｳｹｲ", "+title:x^2", "😀", "\x00\xff", "m&a j-クレジット 12.5%"} {
		f.Add(s)
	}
	x, _ := shipped(f)
	f.Fuzz(func(t *testing.T, in string) {
		for _, a := range []string{AnalyzerJA, AnalyzerBigram} {
			ts, err := Analyze(a, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range ts {
				if tok.Start < 0 || tok.End < tok.Start || len(tok.Term) == 0 || !utf8.Valid(tok.Term) {
					t.Fatalf("%s %q: bad token %+v", a, in, tok)
				}
			}
		}
		if _, err := x.Search(context.Background(), Query{Text: in}); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
	})
}
