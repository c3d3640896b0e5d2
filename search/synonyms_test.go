package search

import (
	"strings"
	"testing"
)

func TestParseSynonyms(t *testing.T) {
	s, err := ParseSynonyms("# comment\n\n事業承継 後継者 : 跡継ぎ, Ｍ＆Ａ\nBCP計画：BCP\n")
	if err != nil {
		t.Fatal(err)
	}
	exp := s.Expand("跡継ぎとm&aの相談")
	if len(exp) != 2 || exp[0].Trigger != "跡継ぎ" || strings.Join(exp[0].Words, " ") != "事業承継 後継者" || exp[1].Trigger != "m&a" {
		t.Errorf("Expand = %+v", exp)
	}
	for _, bad := range []string{"事業承継 跡継ぎ\n", "x :\n", " : y\n"} {
		_, err := ParseSynonyms("# ok\n" + bad)
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestExpandASCIIWholeWords(t *testing.T) {
	s, _ := ParseSynonyms("サーキュラーエコノミー : CE\n知財 : IP\n")
	for q, want := range map[string]int{"ce": 1, "ceの取組": 1, "service": 0, "ip戦略": 1, "shipping": 0, "ipo": 0} {
		if got := len(s.Expand(q)); got != want {
			t.Errorf("Expand(%q) fired %d rules, want %d", q, got, want)
		}
	}
}

func TestShippedSynonyms(t *testing.T) {
	s := DefaultSynonyms()
	if len(s.rules) < 30 {
		t.Fatalf("only %d rules", len(s.rules))
	}
	for _, q := range []string{"bcp", "m&a", "メルマガ", "知財", "海外進出", "跡継ぎ", "ev", "gx", "dx", "cn"} {
		if len(s.Expand(q)) == 0 {
			t.Errorf("%q expands to nothing", q)
		}
	}
}

func TestInsideKnownPhrase(t *testing.T) {
	x, _ := shipped(t)
	if !x.insideKnownPhrase("新やる気補助金", "補助金") {
		t.Error("新やる気補助金 is a phrase of the corpus")
	}
	if x.insideKnownPhrase("補助金が欲しい", "補助金") {
		t.Error("「補助金が」 is no phrase")
	}
	if x.insideKnownPhrase("資金繰りが苦しい", "資金繰り") {
		t.Error("a phrase must not end in a particle")
	}
}
