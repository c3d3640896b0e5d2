// Package corpus turns the Kanto Bureau's 「地域金融機関との連携プログラム」
// document into typed records: the program, its measures (施策), exchange
// events, deadlines, contacts and the institutions each measure names.
//
// It is the domain of renkei: every other package reads these types. It
// parses, normalises and dates text, and must not import anything
// third-party nor know about search, chat platforms or storage.
package corpus

import (
	"fmt"
	"time"
)

// Tokyo is the zone every date in the document is read in.
var Tokyo = mustZone("Asia/Tokyo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Without tzdata (a minimal container) Japan has had no DST since 1951.
		return time.FixedZone(name, 9*60*60)
	}
	return loc
}

// Precision says how exact a date is.
type Precision string

const (
	Day        Precision = "day"         // 令和5年10月19日
	Month      Precision = "month"       // 令和5年12月 予定, 23年12月末
	FiscalYear Precision = "fiscal-year" // 今年度, 2024年度
	Year       Precision = "year"        // 2023年
)

// Program describes one edition of the document.
type Program struct {
	Title     string    `json:"title"`
	Edition   int       `json:"edition"` // 2023 for 「…連携プログラム2023」
	Published time.Time `json:"-"`       // midnight, Asia/Tokyo
	Issuer    string    `json:"issuer"`  // 経済産業省 関東経済産業局
	Source    string    `json:"source"`  // file name it was read from
	Contact   Contact   `json:"contact"` // 本資料のお問い合わせ先
	FiscalEnd time.Time `json:"-"`       // last day of the edition's fiscal year
}

// FiscalYearOf returns the Japanese fiscal year (April–March) containing t.
func FiscalYearOf(t time.Time) int {
	t = t.In(Tokyo)
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// Section numbers of the document's three parts.
const (
	SectionCollaboration = 1 // 施策活用・連携項目
	SectionIntroduction  = 2 // 取組紹介項目
	SectionBasic         = 3 // 基本サービス項目
)

// Part is one sub-heading of a measure's body and the plain text under it.
type Part struct {
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

// Measure is one 施策 of the catalogue.
type Measure struct {
	ID       string `json:"id"`       // "2023-1-05": edition, section, number
	Edition  int    `json:"edition"`  // program edition it belongs to
	Section  int    `json:"section"`  // 1, 2 or 3
	Category string `json:"category"` // 施策活用・連携項目 …
	Number   int    `json:"number"`   // ① = 1
	Title    string `json:"title"`    // from the index list
	Page     int    `json:"page"`     // P.5 → 5; 0 when the index gives none
	URL      string `json:"url"`      // from 各事業に係る詳細リンク集; empty in section 3

	Lead          []string `json:"lead,omitempty"`          // bullets before the first sub-heading
	Parts         []Part   `json:"parts,omitempty"`         // sub-headings with text, in document order
	Headings      []string `json:"headings,omitempty"`      // every sub-heading, also those with no text of their own
	Summary       string   `json:"summary,omitempty"`       // 事業概要 (or the lead when absent)
	Collaboration string   `json:"collaboration,omitempty"` // 地域金融機関との連携イメージ
	Links         []string `json:"links,omitempty"`         // other URLs quoted in the body
	Office        string   `json:"office,omitempty"`        // office named in the body (…室まで御相談ください)
	Institutions  []string `json:"institutions,omitempty"`  // banks, 信用金庫, 信用組合 … named in the body
}

// Numeral renders the measure number as the document does (①).
func (m Measure) Numeral() string { return Circled(m.Number) }

// Label is "①価格転嫁に向けた地域企業支援"-style text for lists.
func (m Measure) Label() string { return m.Numeral() + " " + m.Title }

// Body joins the lead and all parts as plain text.
func (m Measure) Body() string {
	s := ""
	for _, l := range m.Lead {
		s += l + "\n"
	}
	for _, p := range m.Parts {
		if p.Heading != "" {
			s += p.Heading + "\n"
		}
		if p.Text != "" {
			s += p.Text + "\n"
		}
	}
	return s
}

// Session is one part of an event held on different days in different
// formats (対面開催 5月23日, WEB開催 5月24日～26日).
type Session struct {
	Format string    `json:"format"`
	Start  time.Time `json:"-"`
	End    time.Time `json:"-"`
}

// Event is a dated exchange event: a 新現役交流会 or a ミートアップ.
type Event struct {
	ID        string    `json:"id"`
	Edition   int       `json:"edition"`
	Series    string    `json:"series"`  // 新現役交流会, 地方発！ベンチャー企業ミートアップ
	MeasureID string    `json:"measure"` // measure whose body lists it
	Number    int       `json:"number,omitempty"`
	Title     string    `json:"title"`
	Start     time.Time `json:"-"`
	End       time.Time `json:"-"` // equal to Start for one-day events
	Precision Precision `json:"precision"`
	Format    string    `json:"format,omitempty"` // 対面, WEB, 対面・WEB
	Hosts     []string  `json:"hosts,omitempty"`
	Venue     string    `json:"venue,omitempty"`
	Sessions  []Session `json:"-"`
	Source    string    `json:"source"` // document file or overlay file:line
}

// Host joins the hosting institutions for display.
func (e Event) Host() string { return joinJa(e.Hosts) }

// Deadline kinds.
const (
	KindUntil   = "until"   // …まで
	KindEnd     = "end"     // …で終了
	KindFrom    = "from"    // …から, …～
	KindPlanned = "planned" // …予定
	KindClosed  = "closed"  // 今年度は募集終了
	KindDated   = "dated"   // a dated step without a direction (【2023年10月】)
)

// Deadline is a dated limit or milestone found in a measure's text.
type Deadline struct {
	MeasureID string    `json:"measure"`
	Date      time.Time `json:"-"` // the last day the limit covers
	Precision Precision `json:"precision"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"` // the sentence it was found in
	Source    string    `json:"source"`
}

// Contact is whom to call: the program's office or one named in a measure.
type Contact struct {
	MeasureID string `json:"measure,omitempty"` // empty for the program contact
	Org       string `json:"org"`               // 関東経済産業局
	Office    string `json:"office"`            // 金融連携推進室
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Name is the organisation and office for display.
func (c Contact) Name() string {
	if c.Org == "" {
		return c.Office
	}
	if c.Office == "" {
		return c.Org
	}
	return c.Org + " " + c.Office
}

// Warning is something the parser could not match or found inconsistent.
type Warning struct {
	Source  string `json:"source"` // file[:line]
	Message string `json:"message"`
}

func (w Warning) String() string { return w.Source + ": " + w.Message }

// Corpus is every record read from a folder of documents (or the embedded
// default). Records of all editions are kept; Latest is the edition that
// answers by default.
type Corpus struct {
	Programs  []Program  `json:"programs"`
	Measures  []Measure  `json:"measures"`
	Events    []Event    `json:"events"`
	Deadlines []Deadline `json:"deadlines"`
	Contacts  []Contact  `json:"contacts"`
	Warnings  []Warning  `json:"warnings"`
	Notes     []Warning  `json:"notes"` // tolerated irregularities (a typo matched fuzzily)
}

// Latest returns the newest edition's program; ok is false for an empty corpus.
func (c *Corpus) Latest() (Program, bool) {
	var best Program
	found := false
	for _, p := range c.Programs {
		if !found || p.Edition > best.Edition {
			best, found = p, true
		}
	}
	return best, found
}

// Program returns the program of an edition.
func (c *Corpus) Program(edition int) (Program, bool) {
	for _, p := range c.Programs {
		if p.Edition == edition {
			return p, true
		}
	}
	return Program{}, false
}

// Measure looks a measure up by ID.
func (c *Corpus) Measure(id string) (Measure, bool) {
	for _, m := range c.Measures {
		if m.ID == id {
			return m, true
		}
	}
	return Measure{}, false
}

// MeasureContact returns whom to call about a measure: its own office when
// the body names one, else the program contact of its edition.
func (c *Corpus) MeasureContact(id string) Contact {
	for _, ct := range c.Contacts {
		if ct.MeasureID == id {
			return ct
		}
	}
	if m, ok := c.Measure(id); ok {
		if p, ok := c.Program(m.Edition); ok {
			return p.Contact
		}
	}
	return Contact{}
}

func measureID(edition, section, number int) string {
	return fmt.Sprintf("%d-%d-%02d", edition, section, number)
}

// SectionName is the document's name for a section number.
func SectionName(section int) string {
	switch section {
	case SectionCollaboration:
		return "施策活用・連携項目"
	case SectionIntroduction:
		return "取組紹介項目"
	case SectionBasic:
		return "基本サービス項目"
	}
	return ""
}

func joinJa(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += "、"
		}
		s += x
	}
	return s
}
