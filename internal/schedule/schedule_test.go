package schedule

import (
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
