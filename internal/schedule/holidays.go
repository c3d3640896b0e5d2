package schedule

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
)

//go:embed holidays.txt
var holidaysTxt string

// Holidays is a calendar of Japanese national holidays.
type Holidays struct {
	names      map[string]string // YYYY-MM-DD → name
	first, end int               // years covered
}

// JapaneseHolidays is the shipped calendar (holidays.txt).
func JapaneseHolidays() *Holidays {
	h, err := ParseHolidays(holidaysTxt)
	if err != nil {
		panic(err) // the shipped file is tested
	}
	return h
}

// ParseHolidays reads 「YYYY-MM-DD name」 lines; # starts a comment.
func ParseHolidays(text string) (*Holidays, error) {
	h := &Holidays{names: map[string]string{}}
	for i, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		date, name, _ := strings.Cut(ln, " ")
		t, err := time.Parse("2006-01-02", date)
		if err != nil {
			return nil, fmt.Errorf("holidays line %d: %q is not a date", i+1, date)
		}
		h.names[date] = strings.TrimSpace(name)
		if h.first == 0 || t.Year() < h.first {
			h.first = t.Year()
		}
		h.end = max(h.end, t.Year())
	}
	return h, nil
}

// Name returns the holiday's name and whether day (in its own zone) is one.
func (h *Holidays) Name(day time.Time) (string, bool) {
	n, ok := h.names[day.Format("2006-01-02")]
	return n, ok
}

// Covers reports whether the calendar lists the holidays of year.
func (h *Holidays) Covers(year int) bool { return year >= h.first && year <= h.end }

// BankHoliday reports whether banks are closed on day: weekends, national
// holidays, and the year-end and new-year closure (12/31, 1/1–1/3).
func (h *Holidays) BankHoliday(day time.Time) bool {
	switch {
	case day.Weekday() == time.Saturday || day.Weekday() == time.Sunday:
		return true
	case day.Month() == time.December && day.Day() == 31, day.Month() == time.January && day.Day() <= 3:
		return true
	}
	_, ok := h.Name(day)
	return ok
}

// NextBusinessDay returns t itself when its day is a bank business day,
// else the same clock time on the next business day.
func (h *Holidays) NextBusinessDay(t time.Time) time.Time {
	for i := 0; i < 14 && h.BankHoliday(t); i++ {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
