package corpus

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \t\u3000\u00a0\n ", ""},
		{"full-width ASCII", "ＳＤＧｓ", "sdgs"},
		{"full-width DX", "ＤＸ推進", "dx推進"},
		{"full-width digits and symbols", "２０２３年（令和５年）１０％", "2023年(令和5年)10%"},
		{"full-width M&A", "Ｍ＆Ａ", "m&a"},
		{"ASCII lower-cased", "BCP OIMS M&A", "bcp oims m&a"},
		{"non-ASCII case kept", "ΑΒΓ Ⅻ", "ΑΒΓ Ⅻ"},
		{"half-width katakana voiced", "ｼﾞｪｸﾄ", "ジェクト"},
		{"half-width katakana semi-voiced", "ﾌﾟﾛｼﾞｪｸﾄ", "プロジェクト"},
		{"half-width vu", "ｳﾞｨｰｶﾞﾝ", "ヴィーガン"},
		{"half-width prolonged mark", "ｻｰﾋﾞｽ", "サービス"},
		{"half-width punctuation", "｢ｶﾅ｣､ｶﾅ｡ｱ･ｲ", "「カナ」、カナ。ア・イ"},
		{"lone voiced mark", "ﾞｱﾞ", "゛ア゛"},
		{"combining voiced mark", "か\u3099き\u3099ハ\u309a", "がぎパ"},
		{"lone combining mark kept", "ア\u3099", "ア\u3099"},
		{"J-credit full-width", "Ｊ－クレジット", "j-クレジット"},
		{"J-credit hyphen U+2010", "J‐クレジット", "j-クレジット"},
		{"J-credit ASCII hyphen", "J-クレジット", "j-クレジット"},
		{"J-credit minus sign", "J−クレジット", "j-クレジット"},
		{"dash between katakana", "サ‐ビス", "サービス"},
		{"ASCII hyphen between katakana", "コンピュ-タ", "コンピュータ"},
		{"bar between katakana", "デ―タ", "データ"},
		{"minus between katakana", "セ−ル", "セール"},
		{"full-width hyphen between katakana", "ユ－ザ", "ユーザ"},
		{"dash after katakana at end", "サーバ―", "サーバ-"},
		{"dash between kanji", "東京―大阪", "東京-大阪"},
		{"en dash in range", "2020–2025", "2020-2025"},
		{"katakana dash before ascii", "ア-b", "ア-b"},
		{"wave dash", "10月〜12月", "10月~12月"},
		{"full-width tilde", "10月～12月", "10月~12月"},
		{"circled numbers kept", "①②⑳㉑㉟㊿", "①②⑳㉑㉟㊿"},
		{"circled with titles", "① 事業承継\u3000②\tDX", "① 事業承継 ② dx"},
		{"other compatibility chars kept", "㈱㍻Ⅱⅲ", "㈱㍻Ⅱⅲ"},
		{"collapse whitespace", "  事業\t\t承継 \n\r 支援\u00a0\u00a0です  ", "事業 承継 支援 です"},
		{"ideographic spaces", "事業\u3000\u3000承継", "事業 承継"},
		{"control characters are separators", "a\x00b\x7fc", "a b c"},
		{"invisible characters removed", "事業\u200b承継\ufeff\u00ad", "事業承継"},
		{"invisible between katakana", "サ\u200b‐ビス", "サービス"},
		{"emoji kept", "支援😀です", "支援😀です"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"hiragana and kanji untouched", "取引先の事業承継について相談したい", "取引先の事業承継について相談したい"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize not idempotent on %q: %q -> %q", tt.in, got, again)
			}
		})
	}
}

func TestNormalizeJCreditVariantsAgree(t *testing.T) {
	variants := []string{"Ｊ－クレジット", "J‐クレジット", "J-クレジット", "j-クレジット", "Ｊ‐クレジット", "J−クレジット", "J–クレジット"}
	want := Normalize(variants[0])
	for _, v := range variants[1:] {
		if got := Normalize(v); got != want {
			t.Errorf("Normalize(%q) = %q, want %q (same as %q)", v, got, want, variants[0])
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"spaces removed", " 事業 承継\u3000支援 ", "事業承継支援"},
		{"middle dots", "事業承継・引継ぎ支援", "事業承継引継ぎ支援"},
		{"half-width middle dot", "事業承継･引継ぎ", "事業承継引継ぎ"},
		{"hyphens", "J‐クレジット", "jクレジット"},
		{"full-width J-credit", "Ｊ－クレジット", "jクレジット"},
		{"long vowel kept", "サ‐ビス・データ", "サービスデータ"},
		{"brackets", "「地域金融機関との連携プログラム」（2023）", "地域金融機関との連携プログラム2023"},
		{"double brackets", "『ＤＸ』【重要】〈案〉", "dx重要案"},
		{"quotes", "“SDGs”\"経営\"'x'", "sdgs経営x"},
		{"list punctuation", "事業承継、M&A。", "事業承継m&a"},
		{"ampersand and percent kept", "M&A 10%", "m&a10%"},
		{"circled kept", "① 事業承継", "①事業承継"},
		{"wave dash", "10月〜12月", "10月12月"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFoldTitlesAgree(t *testing.T) {
	pairs := [][2]string{
		{"事業承継・引継ぎ支援センター", "事業承継 引継ぎ支援センター"},
		{"Ｊ－クレジット制度", "J-クレジット制度"},
		{"「ＳＤＧｓ」経営", "SDGs経営"},
		{"ｼﾞｪｸﾄ（ﾌﾟﾛｼﾞｪｸﾄ）", "ジェクト(プロジェクト)"},
	}
	for _, p := range pairs {
		if a, b := Fold(p[0]), Fold(p[1]); a != b {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
}

func TestNormalizeLongInput(t *testing.T) {
	in := strings.Repeat("ＡｱﾞＢ\u3000―ｶﾞ", 5000)
	out := Normalize(in)
	if !utf8.ValidString(out) {
		t.Fatal("output is not valid UTF-8")
	}
	if Normalize(out) != out {
		t.Fatal("not idempotent on long input")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "Ｊ－クレジット", "ｼﾞｪｸﾄ", "カ--カ", "カ-ーカ", "ア\u3099ﾞ", "\xff\xfe", "①\t②", "サ\u200b‐ビス"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q has untrimmed or doubled spaces", s, n)
		}
		fo := Fold(s)
		if strings.Contains(fo, " ") {
			t.Fatalf("Fold(%q) = %q contains a space", s, fo)
		}
	})
}
