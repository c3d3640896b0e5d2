package corpus

import (
	"testing"
	"time"
)

func TestEraYear(t *testing.T) {
	for _, tc := range []struct {
		era  string
		n    int
		want int
		ok   bool
	}{
		{"令和", 5, 2023, true},
		{"令和", 1, 2019, true},
		{"平成", 23, 2011, true},
		{"平成", 31, 2019, true},
		{"", 23, 2023, true},
		{"", 2024, 2024, true},
		{"", 0, 0, false},
		{"令和", -1, 0, false},
		{"大正", 5, 0, false},
	} {
		got, ok := EraYear(tc.era, tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("EraYear(%q, %d) = %d, %v; want %d, %v", tc.era, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFindDates(t *testing.T) {
	d := func(y, m, day int) string { return Date(y, time.Month(m), day).Format("2006-01-02") }
	for _, tc := range []struct {
		in         string
		fy         int
		start, end string
		prec       Precision
		mismatch   bool
	}{
		{"令和5年10月19日（木）", 0, d(2023, 10, 19), d(2023, 10, 19), Day, false},
		{"令和５年１０月１９日", 0, d(2023, 10, 19), d(2023, 10, 19), Day, false},
		{"令和元年5月1日", 0, d(2019, 5, 1), d(2019, 5, 1), Day, false},
		{"平成23年4月1日", 0, d(2011, 4, 1), d(2011, 4, 1), Day, false},
		{"令和5年12月 予定", 0, d(2023, 12, 1), d(2023, 12, 31), Month, false},
		{"令和6年 1月 予定", 0, d(2024, 1, 1), d(2024, 1, 31), Month, false},
		{"当面は23年12月末まで", 0, d(2023, 12, 31), d(2023, 12, 31), Month, false},
		{"24年2月末", 0, d(2024, 2, 29), d(2024, 2, 29), Month, false},
		{"2023年10月", 0, d(2023, 10, 1), d(2023, 10, 31), Month, false},
		{"6月8日(木)", 2023, d(2023, 6, 8), d(2023, 6, 8), Day, false},
		{"2月1日(木)～2月2日(金)", 2023, d(2024, 2, 1), d(2024, 2, 2), Day, false},
		{"7月11日(火)～7月12日(水)", 2023, d(2023, 7, 11), d(2023, 7, 12), Day, false},
		{"5月24日(水)～26日(金)", 2023, d(2023, 5, 24), d(2023, 5, 26), Day, false},
		{"3月30日(土)～4月2日(火)", 2023, d(2024, 3, 30), d(2024, 4, 2), Day, false},
		{"6月8日(金)", 2023, d(2023, 6, 8), d(2023, 6, 8), Day, true},
		{"7月11日(火)～7月12日(木)", 2023, d(2023, 7, 11), d(2023, 7, 12), Day, true},
	} {
		got, ok := ParseDate(tc.in, tc.fy)
		if !ok {
			t.Errorf("ParseDate(%q): no date", tc.in)
			continue
		}
		if s, e := got.Start.Format("2006-01-02"), got.End.Format("2006-01-02"); s != tc.start || e != tc.end || got.Precision != tc.prec {
			t.Errorf("ParseDate(%q) = %s..%s %s; want %s..%s %s", tc.in, s, e, got.Precision, tc.start, tc.end, tc.prec)
		}
		if (len(got.Mismatches) > 0) != tc.mismatch {
			t.Errorf("ParseDate(%q) weekday mismatches %v, want mismatch=%v", tc.in, got.Mismatches, tc.mismatch)
		}
		if got.Start.Location().String() != "Asia/Tokyo" {
			t.Errorf("ParseDate(%q) zone %v", tc.in, got.Start.Location())
		}
	}
}

func TestFindDatesRejects(t *testing.T) {
	for _, in := range []string{"", "2050年カーボンニュートラル", "13月1日", "2月30日", "6月8日", "第10回公募", "P.20"} {
		if got, ok := ParseDate(in, 0); ok {
			t.Errorf("ParseDate(%q) = %v, want none", in, got)
		}
	}
	if _, ok := ParseDate("2月30日", 2023); ok {
		t.Error("2月30日 accepted")
	}
}

func TestFindFiscalYear(t *testing.T) {
	for in, want := range map[string]int{"令和5年度新現役交流会": 2023, "【2024年度】": 2024, "平成23年度～令和4年度": 2011} {
		if got, ok := FindFiscalYear(in); !ok || got != want {
			t.Errorf("FindFiscalYear(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := FindFiscalYear("来年度"); ok {
		t.Error("来年度 has no year")
	}
}

func TestFiscalYearOf(t *testing.T) {
	if got := FiscalYearOf(Date(2024, time.March, 31)); got != 2023 {
		t.Errorf("2024-03-31 in FY %d", got)
	}
	if got := FiscalYearOf(Date(2024, time.April, 1)); got != 2024 {
		t.Errorf("2024-04-01 in FY %d", got)
	}
	// 2024-03-31 23:30 UTC is already April 1st in Tokyo.
	if got := FiscalYearOf(time.Date(2024, 3, 31, 23, 30, 0, 0, time.UTC)); got != 2024 {
		t.Errorf("UTC evening of 3/31 in FY %d", got)
	}
}

func TestFormatDate(t *testing.T) {
	if got := FormatDate(Date(2023, 10, 19), Day); got != "2023年10月19日(木)" {
		t.Error(got)
	}
	if got := FormatDate(Date(2023, 12, 1), Month); got != "2023年12月" {
		t.Error(got)
	}
}

func TestCircled(t *testing.T) {
	for n, want := range map[int]string{1: "①", 20: "⑳", 21: "㉑", 35: "㉟", 36: "㊱", 50: "㊿", 51: "(51)"} {
		if got := Circled(n); got != want {
			t.Errorf("Circled(%d) = %s", n, got)
		}
		if n <= 50 {
			if v, rest := cutNumeral(want + " x"); v != n || rest != " x" {
				t.Errorf("cutNumeral(%s) = %d %q", want, v, rest)
			}
		}
	}
	if v, rest := cutNumeral("②1 RIDC"); v != 21 || rest != " RIDC" {
		t.Errorf("damaged ㉑: %d %q", v, rest)
	}
	if v, _ := cutNumeral("RIDC"); v != 0 {
		t.Error("no numeral")
	}
}
