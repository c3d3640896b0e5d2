package corpus

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: any input gives a corpus or an error, never a panic, and a
// corpus is internally consistent.
func FuzzParse(f *testing.F) {
	doc, err := os.ReadFile("data/kinyu-renkei-program-2023.txt")
	if err != nil {
		f.Fatal(err)
	}
	s := string(doc)
	f.Add(s[:len(s)/3])
	f.Add("地域金融機関との連携プログラム2024\n令和6年10月1日\n1. 施策活用・連携項目\n① 事業承継\tP.5\n1. 施策活用・連携項目\n① 事業承継\n- 支援\n")
	f.Add("")
	f.Add("\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse("fuzz.txt", []byte(in))
		if err != nil {
			return
		}
		for _, m := range c.Measures {
			if m.Title == "" || m.Number <= 0 || !strings.HasPrefix(m.ID, strconv.Itoa(c.Programs[0].Edition)) {
				t.Fatalf("bad measure %+v", m)
			}
		}
		for _, e := range c.Events {
			if e.End.Before(e.Start) {
				t.Fatalf("event ends before it starts: %+v", e)
			}
		}
		for _, w := range c.Warnings {
			if !utf8.ValidString(w.Message) {
				t.Fatalf("invalid UTF-8 in a warning: %q", w.Message)
			}
		}
	})
}

// FuzzFindDates: every date found is a real calendar day in Asia/Tokyo,
// ranges do not run backwards, and the offset points into the input.
func FuzzFindDates(f *testing.F) {
	for _, s := range []string{"令和5年10月19日（木）", "5月24日(水)～26日(金)", "当面は23年12月末まで", "2月30日", "令和元年5月1日", "13月1日", "令和99年99月99日"} {
		f.Add(s, 2023)
	}
	f.Fuzz(func(t *testing.T, in string, fy int) {
		for _, d := range FindDates(in, fy%3000) {
			if d.End.Before(d.Start) {
				t.Fatalf("%q: range runs backwards: %v..%v", in, d.Start, d.End)
			}
			if d.Start.Location() != Tokyo || d.Start.Hour() != 0 {
				t.Fatalf("%q: not a Tokyo midnight: %v", in, d.Start)
			}
			if d.Offset < 0 || d.Offset > len(asciiDigits.Replace(in)) {
				t.Fatalf("%q: offset %d out of range", in, d.Offset)
			}
		}
		_, _ = ParseFullDate(in)
		_, _ = FindFiscalYear(in)
	})
}
