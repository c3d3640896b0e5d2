package corpus

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Span is a date or a range of dates read from Japanese text.
type Span struct {
	Start, End time.Time // midnight Asia/Tokyo; End == Start for one day
	Precision  Precision
	// EndOfMonth is set for 「…月末」: the span is the month's last day.
	EndOfMonth bool
}

// DateMatch is one date expression found in a text.
type DateMatch struct {
	Span
	Text       string // the matched expression, normalised digits
	Offset     int    // byte offset in the digit-normalised text
	Mismatches []string
}

// Date returns midnight of a calendar day in Asia/Tokyo.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, Tokyo)
}

func lastDay(y int, m time.Month) time.Time { return Date(y, m+1, 0) }

// EraYear converts a Japanese era year to the Gregorian year:
// 令和N = 2018+N, 平成N = 1988+N, 昭和N = 1925+N, a two-digit year NN = 2000+NN.
// era is "" for a bare year; n <= 0 is invalid.
func EraYear(era string, n int) (int, bool) {
	if n <= 0 {
		return 0, false
	}
	switch era {
	case "令和", "R":
		return 2018 + n, true
	case "平成", "H":
		return 1988 + n, true
	case "昭和", "S":
		return 1925 + n, true
	case "":
		switch {
		case n >= 1000:
			return n, true
		case n < 100:
			return 2000 + n, true
		}
	}
	return 0, false
}

// asciiDigits turns full-width digits and a few look-alike marks into the
// forms the date patterns expect, keeping everything else.
var asciiDigits = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"（", "(", "）", ")", "〜", "～", "~", "～", "　", " ",
)

const yearPat = `(?:(令和|平成|昭和)\s*(元|\d{1,2})\s*年|(\d{4})\s*年|(\d{2})\s*年)`

var (
	dateRe = regexp.MustCompile(yearPat + `?\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|(末))?` +
		`(?:\s*\(\s*([月火水木金土日])\s*(?:・?祝)?\s*\))?`)
	rangeTailRe = regexp.MustCompile(`^\s*～\s*` + yearPat + `?\s*(?:(\d{1,2})\s*月)?\s*(\d{1,2})\s*日` +
		`(?:\s*\(\s*([月火水木金土日])\s*(?:・?祝)?\s*\))?`)
	weekdays = map[string]time.Weekday{"日": time.Sunday, "月": time.Monday, "火": time.Tuesday,
		"水": time.Wednesday, "木": time.Thursday, "金": time.Friday, "土": time.Saturday}
)

// yearOf reads the year groups of yearPat starting at index i of m (a
// FindStringSubmatch result). It returns 0 when the text gave no year.
func yearOf(m []string, i int) (int, bool) {
	switch {
	case m[i] != "":
		n := 1
		if m[i+1] != "元" {
			n, _ = strconv.Atoi(m[i+1])
		}
		return EraYear(m[i], n)
	case m[i+2] != "":
		n, _ := strconv.Atoi(m[i+2])
		return EraYear("", n)
	case m[i+3] != "":
		n, _ := strconv.Atoi(m[i+3])
		return EraYear("", n)
	}
	return 0, true
}

// inFiscalYear places a month without a year in fiscal year fy
// (April fy – March fy+1).
func inFiscalYear(fy int, m time.Month) int {
	if m < time.April {
		return fy + 1
	}
	return fy
}

// FindDates returns every month- or day-precision date expression in s, in
// order. Dates without a year are placed in fiscal year fy (令和5年度: 2月1日
// is 2024-02-01); with fy == 0 they are skipped. A weekday in parentheses
// that does not match the computed day is reported in Mismatches, never
// silently accepted.
func FindDates(s string, fy int) []DateMatch {
	s = asciiDigits.Replace(s)
	var out []DateMatch
	for _, loc := range dateRe.FindAllStringSubmatchIndex(s, -1) {
		m := submatches(s, loc)
		y, ok := yearOf(m, 1)
		if !ok {
			continue
		}
		mon, _ := strconv.Atoi(m[5])
		if mon < 1 || mon > 12 {
			continue
		}
		month := time.Month(mon)
		if y == 0 {
			if fy == 0 {
				continue
			}
			y = inFiscalYear(fy, month)
		}
		dm := DateMatch{Offset: loc[0]}
		end := loc[1]
		switch {
		case m[6] != "":
			d, _ := strconv.Atoi(m[6])
			start := Date(y, month, d)
			if start.Month() != month || d < 1 {
				continue // 2月30日
			}
			dm.Start, dm.End, dm.Precision = start, start, Day
			if w := m[8]; w != "" && weekdays[w] != start.Weekday() {
				dm.Mismatches = append(dm.Mismatches, mismatch(start, w))
			}
			if tail := rangeTailRe.FindStringSubmatchIndex(s[end:]); tail != nil {
				t := submatches(s[end:], tail)
				ey, _ := yearOf(t, 1)
				emon := month
				if t[5] != "" {
					n, _ := strconv.Atoi(t[5])
					emon = time.Month(n)
				}
				if ey == 0 {
					ey = y
					if emon < month {
						ey++
					}
				}
				ed, _ := strconv.Atoi(t[6])
				e := Date(ey, emon, ed)
				if e.Month() == emon && !e.Before(start) {
					dm.End = e
					end += tail[1]
					if w := t[7]; w != "" && weekdays[w] != e.Weekday() {
						dm.Mismatches = append(dm.Mismatches, mismatch(e, w))
					}
				}
			}
		case m[7] != "":
			d := lastDay(y, month)
			dm.Start, dm.End, dm.Precision, dm.EndOfMonth = d, d, Month, true
		default:
			dm.Start, dm.End, dm.Precision = Date(y, month, 1), lastDay(y, month), Month
		}
		dm.Text = strings.TrimSpace(s[loc[0]:end])
		out = append(out, dm)
	}
	return out
}

// ParseDate reads the first date expression in s (see FindDates).
func ParseDate(s string, fy int) (DateMatch, bool) {
	ds := FindDates(s, fy)
	if len(ds) == 0 {
		return DateMatch{}, false
	}
	return ds[0], true
}

var fiscalRe = regexp.MustCompile(yearPat + `度`)

// FindFiscalYear returns the fiscal year named in s (令和5年度 → 2023,
// 2024年度 → 2024) and whether one was found.
func FindFiscalYear(s string) (int, bool) {
	s = asciiDigits.Replace(s)
	m := fiscalRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	y, ok := yearOf(m, 1)
	return y, ok && y != 0
}

var fullDateRe = regexp.MustCompile(yearPat + `\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日`)

// ParseFullDate reads a date that names its year, month and day
// (令和5年10月19日, 2023年10月19日).
func ParseFullDate(s string) (time.Time, bool) {
	s = asciiDigits.Replace(s)
	m := fullDateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, ok := yearOf(m, 1)
	if !ok || y == 0 {
		return time.Time{}, false
	}
	mon, _ := strconv.Atoi(m[5])
	d, _ := strconv.Atoi(m[6])
	t := Date(y, time.Month(mon), d)
	if mon < 1 || mon > 12 || d < 1 || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func submatches(s string, loc []int) []string {
	out := make([]string, len(loc)/2)
	for i := range out {
		if loc[2*i] >= 0 {
			out[i] = s[loc[2*i]:loc[2*i+1]]
		}
	}
	return out
}

var weekdayJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// WeekdayJa is the one-character Japanese weekday (月, 火 …).
func WeekdayJa(t time.Time) string { return weekdayJa[t.Weekday()] }

func mismatch(t time.Time, written string) string {
	return t.Format("2006-01-02") + " は" + WeekdayJa(t) + "曜日ですが、本文は(" + written + ")です"
}

// FormatDate renders a date for people: 2023年10月19日(木), or 2023年12月 for
// month precision.
func FormatDate(t time.Time, p Precision) string {
	switch p {
	case Month:
		return t.Format("2006年1月")
	case FiscalYear:
		return strconv.Itoa(FiscalYearOf(t)) + "年度"
	case Year:
		return t.Format("2006年")
	}
	return t.Format("2006年1月2日") + "(" + WeekdayJa(t) + ")"
}
