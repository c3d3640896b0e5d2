package schedule

import (
	"context"
	"testing"
	"time"
)

func TestParseNextPrev(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	s, err := Parse("0 9 * * 1", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 2023-10-04 12:00 JST.
	now := time.Date(2023, 10, 4, 12, 0, 0, 0, tokyo)
	if got := s.Next(now); !got.Equal(time.Date(2023, 10, 9, 9, 0, 0, 0, tokyo)) {
		t.Errorf("Next = %v", got)
	}
	if got, ok := s.Prev(now); !ok || !got.Equal(time.Date(2023, 10, 2, 9, 0, 0, 0, tokyo)) {
		t.Errorf("Prev = %v %v", got, ok)
	}
	// At exactly 09:00 the activation counts as this one.
	at := time.Date(2023, 10, 9, 9, 0, 0, 0, tokyo)
	if got, _ := s.Prev(at); !got.Equal(at) {
		t.Errorf("Prev at the activation = %v", got)
	}
	// The zone matters: 09:00 JST is 00:00 UTC.
	if got := s.Next(time.Date(2023, 10, 8, 23, 0, 0, 0, time.UTC)); !got.Equal(at) {
		t.Errorf("Next from UTC = %v", got)
	}
	for _, bad := range []string{"", "every monday", "61 9 * * 1", "0 9 * * 8", "* * * *"} {
		if _, err := Parse(bad, tokyo); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestHolidays2023And2024(t *testing.T) {
	h := JapaneseHolidays()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	d := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02", s, tokyo); return t }
	want := map[string]string{
		"2023-01-01": "元日", "2023-01-02": "振替休日", "2023-01-09": "成人の日", "2023-02-11": "建国記念の日", "2023-02-23": "天皇誕生日",
		"2023-03-21": "春分の日", "2023-04-29": "昭和の日", "2023-05-03": "憲法記念日", "2023-05-04": "みどりの日", "2023-05-05": "こどもの日",
		"2023-07-17": "海の日", "2023-08-11": "山の日", "2023-09-18": "敬老の日", "2023-09-23": "秋分の日", "2023-10-09": "スポーツの日",
		"2023-11-03": "文化の日", "2023-11-23": "勤労感謝の日",
		"2024-01-01": "元日", "2024-01-08": "成人の日", "2024-02-11": "建国記念の日", "2024-02-12": "振替休日", "2024-02-23": "天皇誕生日",
		"2024-03-20": "春分の日", "2024-04-29": "昭和の日", "2024-05-03": "憲法記念日", "2024-05-04": "みどりの日", "2024-05-05": "こどもの日",
		"2024-05-06": "振替休日", "2024-07-15": "海の日", "2024-08-11": "山の日", "2024-08-12": "振替休日", "2024-09-16": "敬老の日",
		"2024-09-22": "秋分の日", "2024-09-23": "振替休日", "2024-10-14": "スポーツの日", "2024-11-03": "文化の日", "2024-11-04": "振替休日",
		"2024-11-23": "勤労感謝の日",
	}
	n := 0
	for day := d("2023-01-01"); day.Year() <= 2024; day = day.AddDate(0, 0, 1) {
		name, ok := h.Name(day)
		if w, listed := want[day.Format("2006-01-02")]; listed != ok || w != name {
			t.Errorf("%s: %q %v, want %q %v", day.Format("2006-01-02"), name, ok, w, listed)
		}
		if ok {
			n++
		}
	}
	if n != 38 {
		t.Errorf("%d holidays in 2023–2024, want 38", n)
	}
	for _, y := range []int{2023, 2024, 2025, 2026, 2027} {
		if !h.Covers(y) {
			t.Errorf("calendar does not cover %d", y)
		}
	}
	if !h.BankHoliday(d("2023-12-31")) || !h.BankHoliday(d("2024-01-03")) || h.BankHoliday(d("2024-01-04")) || !h.BankHoliday(d("2023-10-07")) {
		t.Error("bank closing days")
	}
	if _, err := ParseHolidays("2023-13-01 x\n"); err == nil {
		t.Error("bad date accepted")
	}
}

func TestScheduleSkipsHolidays(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02 15:04", s, tokyo); return t }
	s, _ := Parse("0 9 * * 1", tokyo)
	s = s.SkipHolidays(JapaneseHolidays())
	for _, tc := range []struct{ from, want string }{
		{"2023-10-06 12:00", "2023-10-10 09:00"}, // Mon 10/9 スポーツの日 → Tue
		{"2023-10-09 10:00", "2023-10-10 09:00"}, // started on the holiday itself
		{"2023-10-10 09:00", "2023-10-16 09:00"}, // after the moved run: next Monday
		{"2024-01-05 12:00", "2024-01-09 09:00"}, // Mon 1/8 成人の日
		{"2024-04-30 12:00", "2024-05-07 09:00"}, // Mon 5/6 振替休日
		{"2023-10-13 12:00", "2023-10-16 09:00"}, // an ordinary Monday
		{"2023-12-29 12:00", "2024-01-04 09:00"}, // Mon 1/1 and the new-year closure
	} {
		if got := s.Next(at(tc.from)); !got.Equal(at(tc.want)) {
			t.Errorf("Next(%s) = %s, want %s", tc.from, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
	if got, ok := s.Prev(at("2023-10-10 12:00")); !ok || !got.Equal(at("2023-10-10 09:00")) {
		t.Errorf("Prev = %v", got)
	}
}

func TestRunnerRecoversAndStops(t *testing.T) {
	s, err := Parse("@every 1s", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(nil)
	runs := make(chan int, 10)
	n := 0
	r.Add(context.Background(), s, func(context.Context, time.Time) {
		n++
		runs <- n
		if n == 1 {
			panic("first run fails")
		}
	})
	r.Start()
	for want := 1; want <= 2; want++ {
		select {
		case got := <-runs:
			if got != want {
				t.Errorf("run %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d never came: a panic must not stop the runner", want)
		}
	}
	r.Stop()
}
