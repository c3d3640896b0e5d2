package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize canonicalises Japanese text so that the same words written with
// different character variants compare, index and match as one. It is
// applied to document text before indexing and to every query before
// analysis, and it is idempotent: Normalize(Normalize(s)) == Normalize(s).
//
// In order, it
//
//   - maps full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic
//     space U+3000 to ' ';
//   - maps half-width katakana and punctuation (U+FF61–U+FF9F) to their
//     full-width forms, composing a following voiced or semi-voiced sound
//     mark (ｶﾞ→ガ, ﾊﾟ→パ, ｳﾞ→ヴ); the combining marks U+3099/U+309A are
//     composed the same way after full-width kana (か+゙→が, as produced by
//     NFD text); a mark with nothing to compose with becomes ゛ or ゜;
//   - lower-cases ASCII letters (only ASCII: other scripts keep their case);
//   - rewrites dash look-alikes — '-', U+2010–U+2015, U+2212, U+FE63 and
//     U+FF0D — to the prolonged sound mark 'ー' when they stand between two
//     katakana (サ‐ビス→サービス) and to ASCII '-' everywhere else
//     (Ｊ－クレジット, J‐クレジット and J-クレジット all become j-クレジット);
//     U+FF70 (ｰ) always becomes 'ー';
//   - maps the wave dashes 〜 (U+301C), ～ (U+FF5E) and ∼ (U+223C) to ASCII
//     '~', so that 「10月〜12月」 and 「10月～12月」 agree; the search
//     analysers then treat '~' as punctuation;
//   - deletes invisible format characters (U+200B zero-width space, U+2060
//     word joiner, U+FEFF byte-order mark, U+00AD soft hyphen);
//   - turns every other whitespace (tabs, newlines, NBSP, U+2000–U+200A, …)
//     and control character into a space, collapses runs of spaces into one
//     and trims both ends.
//
// Unicode NFKC is deliberately not used: it would turn the circled numbers
// that label the document's measures (①–⑳, ㉑–㊿) into plain digits, and
// ㈱, ㍻ or Roman numerals into multi-character strings. Those are kept as
// they are. Invalid UTF-8 bytes become U+FFFD.
func Normalize(s string) string {
	if s == "" {
		return ""
	}
	rs := normWidth(s)
	normDashes(rs)

	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range rs {
		switch {
		case r == ' ' || unicode.IsSpace(r) || unicode.IsControl(r):
			pendingSpace = true
			continue
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Fold is Normalize followed by the removal of every space and of the
// punctuation used as word separators or wrappers in titles: middle dots
// (・), hyphens ('-', after Normalize), '_', '/', '\', '~', brackets of all
// kinds (() [] {} <> 「」 『』 【】 〈〉 《》 〔〕), quotes (" ' ` “ ” ‘ ’ 〝 〟
// « ») and list punctuation (, . 、 。 : ;  ! ?). It is meant for fuzzy
// comparison of titles, not for display: 「事業承継・引継ぎ支援」 and
// 「事業承継 引継ぎ支援」 fold to the same string. The prolonged sound mark
// 'ー' is a letter and is kept, as are '&', '%', '+', digits and circled
// numbers.
func Fold(s string) string {
	n := Normalize(s)
	var b strings.Builder
	b.Grow(len(n))
	for _, r := range n {
		if normIsFoldSeparator(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normWidth decodes s, applying the width mappings and the composition of
// voiced and semi-voiced sound marks.
func normWidth(s string) []rune {
	rs := make([]rune, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		switch {
		case normIsInvisible(r):
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		case r == 0x301C || r == 0x223C: // 〜 wave dash, ∼ tilde operator
			r = '~'
		case r == 0xFF9E || r == 0x3099: // (half-width / combining) voiced mark
			if n := len(rs); n > 0 {
				if c, ok := normVoiced[rs[n-1]]; ok {
					rs[n-1] = c
					continue
				}
			}
			if r == 0xFF9E {
				r = 0x309B // ゛
			}
		case r == 0xFF9F || r == 0x309A: // (half-width / combining) semi-voiced mark
			if n := len(rs); n > 0 {
				if c, ok := normSemiVoiced[rs[n-1]]; ok {
					rs[n-1] = c
					continue
				}
			}
			if r == 0xFF9F {
				r = 0x309C // ゜
			}
		case r >= 0xFF61 && r <= 0xFF9D: // half-width katakana and punctuation
			r = normHalfKana[r-0xFF61]
		}
		rs = append(rs, r)
	}
	return rs
}

// normDashes rewrites dash look-alikes in place: to 'ー' between two
// katakana, to '-' elsewhere. The left neighbour is looked at after its own
// rewrite and the right one before, which keeps Normalize idempotent.
func normDashes(rs []rune) {
	for i, r := range rs {
		if !normIsDash(r) {
			continue
		}
		if i > 0 && i+1 < len(rs) && normIsKatakana(rs[i-1]) && normIsKatakana(rs[i+1]) {
			rs[i] = 'ー'
		} else {
			rs[i] = '-'
		}
	}
}

func normIsDash(r rune) bool {
	switch r {
	case '-', 0x2212, 0xFE63, 0xFF0D:
		return true
	}
	return r >= 0x2010 && r <= 0x2015
}

// normIsKatakana reports whether r is a katakana letter or the prolonged
// sound mark (the middle dot ・ is not).
func normIsKatakana(r rune) bool {
	switch {
	case r >= 0x30A1 && r <= 0x30FA: // ァ..ヺ
		return true
	case r >= 0x30FC && r <= 0x30FE: // ー ヽ ヾ
		return true
	case r >= 0x31F0 && r <= 0x31FF: // small katakana extension
		return true
	}
	return false
}

func normIsInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x2060, 0xFEFF, 0x00AD:
		return true
	}
	return false
}

func normIsFoldSeparator(r rune) bool {
	switch r {
	case ' ', '・', '-', '_', '/', '\\', '~',
		'(', ')', '[', ']', '{', '}', '<', '>',
		'「', '」', '『', '』', '【', '】', '〈', '〉', '《', '》', '〔', '〕',
		'"', '\'', '`', '“', '”', '‘', '’', '〝', '〟', '«', '»',
		',', '.', '、', '。', ':', ';', '!', '?':
		return true
	}
	return false
}

// normHalfKana maps U+FF61..U+FF9D to full width.
var normHalfKana = [...]rune{
	'。', '「', '」', '、', '・', 'ヲ', // FF61-FF66
	'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー', // FF67-FF70
	'ア', 'イ', 'ウ', 'エ', 'オ', // FF71-FF75
	'カ', 'キ', 'ク', 'ケ', 'コ',
	'サ', 'シ', 'ス', 'セ', 'ソ',
	'タ', 'チ', 'ツ', 'テ', 'ト',
	'ナ', 'ニ', 'ヌ', 'ネ', 'ノ',
	'ハ', 'ヒ', 'フ', 'ヘ', 'ホ',
	'マ', 'ミ', 'ム', 'メ', 'モ',
	'ヤ', 'ユ', 'ヨ',
	'ラ', 'リ', 'ル', 'レ', 'ロ',
	'ワ', 'ン', // FF9C-FF9D
}

var normVoiced, normSemiVoiced = func() (map[rune]rune, map[rune]rune) {
	v := map[rune]rune{
		'ウ': 'ヴ', 'ワ': 'ヷ', 'ヰ': 'ヸ', 'ヱ': 'ヹ', 'ヲ': 'ヺ',
		'う': 'ゔ',
	}
	sv := map[rune]rune{}
	// In both kana blocks the voiced form directly follows the plain one
	// for カ..ト (skipping the small ッ/っ) and ハ..ホ, whose semi-voiced
	// form follows the voiced one.
	for _, base := range "カキクケコサシスセソタチツテトハヒフヘホかきくけこさしすせそたちつてとはひふへほ" {
		v[base] = base + 1
	}
	for _, base := range "ハヒフヘホはひふへほ" {
		sv[base] = base + 2
	}
	return v, sv
}()
