package corpus

import (
	"strconv"
	"unicode/utf8"
)

// Circled renders 1–50 as a circled numeral (① … ⑳, ㉑ … ㉟, ㊱ … ㊿); other
// numbers as (n).
func Circled(n int) string {
	switch {
	case n >= 1 && n <= 20:
		return string(rune(0x2460 + n - 1))
	case n >= 21 && n <= 35:
		return string(rune(0x3251 + n - 21))
	case n >= 36 && n <= 50:
		return string(rune(0x32B1 + n - 36))
	}
	return "(" + strconv.Itoa(n) + ")"
}

func circledValue(r rune) int {
	switch {
	case r >= 0x2460 && r <= 0x2473:
		return int(r-0x2460) + 1
	case r >= 0x3251 && r <= 0x325F:
		return int(r-0x3251) + 21
	case r >= 0x32B1 && r <= 0x32BF:
		return int(r-0x32B1) + 36
	}
	return 0
}

// cutNumeral splits a leading circled numeral off s. Damaged forms where a
// PDF split ㉑ into 「②1」 are read as 21. It returns 0 when s does not start
// with a circled numeral.
func cutNumeral(s string) (n int, rest string) {
	r, size := utf8.DecodeRuneInString(s)
	n = circledValue(r)
	if n == 0 {
		return 0, s
	}
	rest = s[size:]
	if n <= 9 && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' &&
		(len(rest) == 1 || rest[1] < '0' || rest[1] > '9') {
		n = n*10 + int(rest[0]-'0')
		rest = rest[1:]
	}
	return n, rest
}
