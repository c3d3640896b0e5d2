package corpus

import (
	"encoding/json"
	"time"
)

const isoDate = "2006-01-02"

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Tokyo).Format(isoDate)
}

// MarshalJSON writes dates as YYYY-MM-DD in Asia/Tokyo.
func (p Program) MarshalJSON() ([]byte, error) {
	type plain Program
	return json.Marshal(struct {
		plain
		Published string `json:"published"`
		FiscalEnd string `json:"fiscal_end"`
	}{plain(p), ymd(p.Published), ymd(p.FiscalEnd)})
}

// MarshalJSON writes dates as YYYY-MM-DD and adds the joined host.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	type session struct {
		Format string `json:"format"`
		Start  string `json:"start"`
		End    string `json:"end"`
	}
	var ss []session
	for _, s := range e.Sessions {
		ss = append(ss, session{s.Format, ymd(s.Start), ymd(s.End)})
	}
	return json.Marshal(struct {
		plain
		Start    string    `json:"start"`
		End      string    `json:"end"`
		Host     string    `json:"host"`
		Sessions []session `json:"sessions,omitempty"`
	}{plain(e), ymd(e.Start), ymd(e.End), e.Host(), ss})
}

// MarshalJSON writes the date as YYYY-MM-DD.
func (d Deadline) MarshalJSON() ([]byte, error) {
	type plain Deadline
	return json.Marshal(struct {
		plain
		Date string `json:"date"`
	}{plain(d), ymd(d.Date)})
}
