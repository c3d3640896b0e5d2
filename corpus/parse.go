package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNotProgram is returned for input that is not a program document at all
// (empty, binary, or without the program title).
var ErrNotProgram = errors.New("not a 連携プログラム document")

// line is one line of the document with its 1-based number.
type line struct {
	n    int
	text string
}

type indexEntry struct {
	section  int
	category string
	number   int
	title    string
	page     int
	line     int
	matched  bool // a body heading was found
	body     []line
	url      string
	urlFound bool
}

type parser struct {
	name     string
	lines    []line
	prog     Program
	entries  []*indexEntry
	warnings []Warning
	notes    []Warning
}

func (p *parser) warn(n int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Source: p.where(n), Message: fmt.Sprintf(format, args...)})
}

func (p *parser) note(n int, format string, args ...any) {
	p.notes = append(p.notes, Warning{Source: p.where(n), Message: fmt.Sprintf(format, args...)})
}

func (p *parser) where(n int) string {
	if n <= 0 {
		return p.name
	}
	return p.name + ":" + strconv.Itoa(n)
}

var (
	sectionRe  = regexp.MustCompile(`^\s*(?:#+\s*)?([1-9])\s*[.．]\s*(\S+項目)\s*$`)
	pageRe     = regexp.MustCompile(`P\.?\s*(\d+)\s*$`)
	onlyPageRe = regexp.MustCompile(`^\s*P\.\s*(\d+)\s*$`)
	urlRe      = regexp.MustCompile(`https?://[^\s<>）)」』、。]+`)
	linkLineRe = regexp.MustCompile(`^\s*(.+?)\t+\s*(https?://\S+)\s*$`)
	tagRe      = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^>]*)?/?>`)
	angleURLRe = regexp.MustCompile(`<(https?://[^>\s]+)>`)
	phoneRe    = regexp.MustCompile(`0\d{1,4}-\d{1,4}-\d{3,4}`)
	emailRe    = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	editionRe  = regexp.MustCompile(`(\d{4})\s*$`)
)

// Parse reads one program document. name is used in warnings and sources.
// It returns ErrNotProgram (wrapped) when the text is not a program document;
// anything it could read but not match becomes a warning in the result.
func Parse(name string, text []byte) (*Corpus, error) {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, fmt.Errorf("%s: empty file: %w", name, ErrNotProgram)
	}
	if !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 {
		return nil, fmt.Errorf("%s: not UTF-8 text: %w", name, ErrNotProgram)
	}
	p := &parser{name: name}
	for i, l := range strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n") {
		p.lines = append(p.lines, line{n: i + 1, text: l})
	}
	if err := p.header(); err != nil {
		return nil, err
	}
	bodyStart := p.index()
	if len(p.entries) == 0 {
		return nil, fmt.Errorf("%s: no 事業一覧 (measure index) found: %w", name, ErrNotProgram)
	}
	p.bodies(bodyStart)
	p.links(bodyStart)
	p.contact()

	c := &Corpus{Programs: []Program{p.prog}}
	for _, e := range p.entries {
		m := p.measure(e)
		c.Measures = append(c.Measures, m)
		if m.Office != "" {
			c.Contacts = append(c.Contacts, Contact{MeasureID: m.ID, Org: p.prog.Contact.Org, Office: m.Office, URL: m.URL})
		}
		c.Events = append(c.Events, p.events(e, m)...)
		c.Deadlines = append(c.Deadlines, p.deadlines(e, m)...)
	}
	c.Contacts = append([]Contact{p.prog.Contact}, c.Contacts...)
	c.Warnings, c.Notes = p.warnings, p.notes
	return c, nil
}

// header reads the program title, edition, publication date and issuer
// from the top of the document.
func (p *parser) header() error {
	for _, l := range p.lines {
		t := strings.TrimSpace(l.text)
		if strings.Contains(t, "連携プログラム") && editionRe.MatchString(asciiDigits.Replace(t)) {
			p.prog.Title = t
			p.prog.Edition, _ = strconv.Atoi(editionRe.FindStringSubmatch(asciiDigits.Replace(t))[1])
			break
		}
		if l.n > 40 {
			break
		}
	}
	if p.prog.Title == "" {
		return fmt.Errorf("%s: no program title with an edition year (…連携プログラム2023) near the top: %w", p.name, ErrNotProgram)
	}
	for _, l := range p.lines[:min(len(p.lines), 40)] {
		t := strings.TrimSpace(l.text)
		if p.prog.Published.IsZero() {
			if d, ok := ParseFullDate(t); ok && utf8.RuneCountInString(t) <= 20 {
				p.prog.Published = d
				continue
			}
		}
		if p.prog.Issuer == "" && strings.Contains(t, "経済産業") && !strings.Contains(t, "プログラム") && utf8.RuneCountInString(t) <= 30 {
			p.prog.Issuer = t
		}
	}
	if p.prog.Published.IsZero() {
		p.warn(0, "発行日（令和N年M月D日）が冒頭に見つかりません")
	}
	p.prog.Source = p.name
	p.prog.FiscalEnd = Date(p.prog.Edition+1, time.March, 31)
	if p.prog.Issuer == "" {
		p.prog.Issuer = "関東経済産業局"
	}
	return nil
}

// index reads the measure lists (事業一覧) and returns the index of the
// first body line: where a section header repeats.
func (p *parser) index() int {
	seen := map[int]bool{}
	section, category, defaultPage := 0, "", 0
	for i, l := range p.lines {
		if m := sectionRe.FindStringSubmatch(l.text); m != nil {
			s, _ := strconv.Atoi(m[1])
			if seen[s] {
				return i
			}
			seen[s], section, category, defaultPage = true, s, m[2], 0
			continue
		}
		if section == 0 {
			continue
		}
		if m := onlyPageRe.FindStringSubmatch(l.text); m != nil {
			defaultPage, _ = strconv.Atoi(m[1])
			continue
		}
		t := strings.TrimSpace(strings.Trim(strings.TrimSpace(l.text), "-|*# "))
		t = strings.ReplaceAll(t, "|", "\t")
		n, rest := cutNumeral(t)
		if n == 0 {
			continue
		}
		page := defaultPage
		rest = strings.TrimSpace(rest)
		if m := pageRe.FindStringSubmatchIndex(rest); m != nil {
			page, _ = strconv.Atoi(rest[m[2]:m[3]])
			rest = strings.TrimSpace(rest[:m[0]])
		}
		title := strings.TrimSpace(strings.Trim(rest, "\t |"))
		if title == "" {
			continue
		}
		for _, e := range p.entries {
			if e.section == section && e.number == n {
				p.warn(l.n, "事業一覧で%s%sが重複しています", category, Circled(n))
			}
		}
		p.entries = append(p.entries, &indexEntry{section: section, category: category, number: n, title: title, page: page, line: l.n})
	}
	return len(p.lines)
}

// ShortTitle drops a trailing parenthetical: 「新現役交流会（シニア人材…）」 → 新現役交流会.
func ShortTitle(t string) string {
	t = strings.TrimSpace(t)
	for _, pair := range [][2]string{{"（", "）"}, {"(", ")"}} {
		if strings.HasSuffix(t, pair[1]) {
			if i := strings.LastIndex(t, pair[0]); i > 0 {
				return strings.TrimSpace(t[:i])
			}
		}
	}
	return t
}

// dice is the Sørensen–Dice coefficient of the character bigrams of a and b.
func dice(a, b string) float64 {
	ba, bb := bigrams(a), bigrams(b)
	if len(ba) == 0 || len(bb) == 0 {
		if a == b {
			return 1
		}
		return 0
	}
	count := map[string]int{}
	for _, g := range ba {
		count[g]++
	}
	common := 0
	for _, g := range bb {
		if count[g] > 0 {
			count[g]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(ba)+len(bb))
}

func bigrams(s string) []string {
	r := []rune(s)
	var out []string
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
}

// matchTitle finds the index entry a heading or link names. exact is false
// when only a fuzzy match (a typo, a damaged heading) was found.
func (p *parser) matchTitle(text string, section int, want func(*indexEntry) bool) (e *indexEntry, exact bool) {
	f := Fold(text)
	if f == "" {
		return nil, false
	}
	best, bestScore := (*indexEntry)(nil), 0.0
	for _, e := range p.entries {
		if !want(e) || (section != 0 && e.section != section) {
			continue
		}
		full, short := Fold(e.title), Fold(ShortTitle(e.title))
		if f == full || f == short {
			return e, true
		}
		if s := max(dice(f, full), dice(f, short)); s > bestScore {
			best, bestScore = e, s
		}
	}
	if bestScore >= 0.8 {
		return best, false
	}
	return nil, false
}

// bodies assigns body lines to the measure whose heading precedes them.
// Headings are recognised by title, not by their (often damaged) numeral.
func (p *parser) bodies(start int) {
	var cur *indexEntry
	section := 0
	skipSubtitle := false
	for _, l := range p.lines[start:] {
		raw := l.text
		if m := sectionRe.FindStringSubmatch(raw); m != nil {
			section, _ = strconv.Atoi(m[1])
			cur = nil
			continue
		}
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(raw), "-#*● "))
		switch {
		case strings.Contains(t, "リンク集"), strings.HasPrefix(t, "【参考】"):
			cur, section = nil, -1
			continue
		case linkLineRe.MatchString(raw) && startsWithNumeral(t):
			continue
		}
		if section < 0 {
			continue
		}
		if n, rest := cutNumeral(t); n != 0 && !strings.Contains(raw, "\t") {
			if e, exact := p.matchTitle(rest, section, func(e *indexEntry) bool { return !e.matched }); e != nil {
				if !exact {
					p.note(l.n, "見出し「%s」を事業一覧の%s「%s」に対応付けました", t, Circled(e.number), e.title)
				}
				if n != e.number {
					p.note(l.n, "見出しの番号%sは事業一覧の%sと異なります（%s）", Circled(n), Circled(e.number), e.title)
				}
				e.matched, cur, skipSubtitle = true, e, true
				continue
			}
		}
		if cur == nil {
			continue
		}
		if skipSubtitle && strings.TrimSpace(raw) != "" {
			skipSubtitle = false
			if s := strings.TrimSpace(raw); (strings.HasPrefix(s, "(") || strings.HasPrefix(s, "（")) &&
				strings.Contains(Fold(cur.title), Fold(s)) {
				continue
			}
		}
		cur.body = append(cur.body, l)
	}
	for _, e := range p.entries {
		if !e.matched {
			p.warn(e.line, "%s%s「%s」の本文が見つかりません", e.category, Circled(e.number), e.title)
		}
	}
}

func startsWithNumeral(s string) bool {
	n, _ := cutNumeral(s)
	return n != 0
}

// links reads 各事業に係る詳細リンク集 and attaches each URL to its measure.
func (p *parser) links(start int) {
	section := 0
	inLinks := false
	for _, l := range p.lines[start:] {
		if m := sectionRe.FindStringSubmatch(l.text); m != nil {
			section, _ = strconv.Atoi(m[1])
			continue
		}
		if strings.Contains(l.text, "リンク集") {
			inLinks = true
			continue
		}
		m := linkLineRe.FindStringSubmatch(l.text)
		if m == nil || !inLinks {
			continue
		}
		n, rest := cutNumeral(strings.TrimSpace(m[1]))
		if n == 0 {
			continue
		}
		label := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(rest, "（外部サイト）", ""), "(外部サイト)", ""))
		e, exact := p.matchTitle(label, section, func(e *indexEntry) bool { return !e.urlFound })
		if e == nil {
			p.warn(l.n, "リンク集の「%s」に対応する施策が事業一覧にありません", strings.TrimSpace(m[1]))
			continue
		}
		if !exact {
			p.note(l.n, "リンク集の「%s」を%s「%s」に対応付けました（表記ゆれ）", label, Circled(e.number), e.title)
		}
		e.url, e.urlFound = m[2], true
	}
	for _, e := range p.entries {
		if !e.urlFound && e.section != SectionBasic {
			p.warn(e.line, "%s%s「%s」のURLがリンク集にありません", e.category, Circled(e.number), e.title)
		}
	}
}

// contact reads 本資料のお問い合わせ先: office, phone and e-mail.
func (p *parser) contact() {
	c := Contact{Org: "関東経済産業局"}
	at := -1
	for i, l := range p.lines {
		if strings.Contains(l.text, "お問い合わせ") || strings.Contains(l.text, "問合せ先") {
			at = i
		}
	}
	if at < 0 {
		p.warn(0, "お問い合わせ先が見つかりません")
		p.prog.Contact = c
		return
	}
	for _, l := range p.lines[at+1:] {
		t := strings.TrimSpace(strings.Trim(strings.TrimSpace(l.text), "■□◆-"))
		switch {
		case t == "":
		case c.Phone == "" && phoneRe.MatchString(asciiDigits.Replace(t)):
			c.Phone = phoneRe.FindString(asciiDigits.Replace(t))
		case c.Email == "" && emailRe.MatchString(t):
			c.Email = emailRe.FindString(t)
		case c.Office == "" && (strings.HasSuffix(t, "室") || strings.HasSuffix(t, "課")):
			if f := strings.Fields(t); len(f) >= 2 {
				c.Org, c.Office = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
			} else {
				c.Office = t
			}
		}
	}
	if c.Phone == "" && c.Email == "" {
		p.warn(p.lines[at].n, "お問い合わせ先に電話番号もメールアドレスもありません")
	}
	p.prog.Contact = c
}

// cleanLine turns a line of the extracted PDF into plain text: HTML tags,
// emphasis marks, table pipes and bullets go; tabs become spaces. bullet
// reports whether the line was a list item.
func cleanLine(s string) (text string, bullet bool) {
	s = angleURLRe.ReplaceAllString(s, "$1")
	s = tagRe.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, "\u00a0", " ")
	s = strings.TrimSpace(s)
	for {
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 {
			break
		}
		if strings.ContainsRune("-・●◆▶▼✓○■➡•◇◎|", r) {
			s = strings.TrimSpace(s[size:])
			bullet = true
			continue
		}
		break
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == '|' }), " ")
	s = strings.Join(strings.Fields(s), " ")
	return s, bullet
}

func isSubheading(t string, bullet bool) bool {
	if bullet || t == "" || utf8.RuneCountInString(t) > 40 {
		return false
	}
	if strings.Contains(t, "。") || strings.Contains(t, "http") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if strings.ContainsRune("※(（<【＜", r) || unicode.IsDigit(r) {
		return false
	}
	return strings.Contains(t, "事業概要") || strings.Contains(t, "連携イメージ") ||
		strings.Contains(t, "地域金融機関の連携") || strings.Contains(t, "活動実績") || strings.Contains(t, "主なコンテンツ") ||
		!strings.ContainsAny(t, "、。") && hasKanji(t) && utf8.RuneCountInString(t) >= 6
}

func hasKanji(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// measure builds a Measure from an index entry and its body lines.
func (p *parser) measure(e *indexEntry) Measure {
	m := Measure{
		ID: measureID(p.prog.Edition, e.section, e.number), Edition: p.prog.Edition,
		Section: e.section, Category: e.category, Number: e.number, Title: e.title, Page: e.page, URL: e.url,
	}
	var cur *Part
	var all []string
	for _, l := range e.body {
		t, bullet := cleanLine(l.text)
		if t == "" {
			continue
		}
		all = append(all, t)
		if isSubheading(t, bullet) {
			m.Headings = append(m.Headings, t)
			m.Parts = append(m.Parts, Part{Heading: t})
			cur = &m.Parts[len(m.Parts)-1]
			continue
		}
		if cur == nil {
			m.Lead = append(m.Lead, t)
			continue
		}
		if cur.Text != "" {
			cur.Text += "\n"
		}
		cur.Text += t
	}
	parts := m.Parts[:0]
	for _, pt := range m.Parts {
		if pt.Text != "" {
			parts = append(parts, pt)
		}
	}
	m.Parts = parts
	var summary, collab []string
	for _, pt := range m.Parts {
		if strings.Contains(pt.Heading, "事業概要") {
			summary = append(summary, pt.Text)
		}
		if strings.Contains(pt.Heading, "連携イメージ") || strings.Contains(pt.Heading, "地域金融機関の連携") {
			collab = append(collab, pt.Text)
		}
	}
	m.Summary = strings.Join(summary, "\n")
	if m.Summary == "" {
		m.Summary = strings.Join(m.Lead, "\n")
	}
	m.Collaboration = strings.Join(collab, "\n")
	text := strings.Join(all, "\n")
	for _, u := range urlRe.FindAllString(text, -1) {
		if u != m.URL && !contains(m.Links, u) {
			m.Links = append(m.Links, u)
		}
	}
	m.Office = findOffice(text)
	m.Institutions = FindInstitutions(text)
	return m
}

var officeRe = regexp.MustCompile(`([^\s、。「」（）()]{2,30}?(?:室|課))まで(?:御|ご)?相談`)

func findOffice(text string) string {
	m := officeRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var (
	institutionRe = regexp.MustCompile(`([\p{Han}\p{Katakana}\p{Hiragana}ー]{1,12})(信用協同組合連合会|信用金庫協会|信用組合|信用金庫|銀行|信金|信組)`)
	genericInst   = map[string]bool{"地方": true, "第二地方": true, "地域": true, "民間": true, "都市": true, "当": true, "各": true, "日本": true, "全国": false}
)

// FindInstitutions lists the financial institutions (banks, 信用金庫,
// 信用組合 …) named in text, in order of first mention, without duplicates.
func FindInstitutions(text string) []string {
	var out []string
	for _, loc := range institutionRe.FindAllStringSubmatchIndex(text, -1) {
		m := submatches(text, loc)
		if r, _ := utf8.DecodeRuneInString(text[loc[1]:]); unicode.Is(unicode.Han, r) {
			continue // 全国信用組合会館 is a building, not an institution
		}
		prefix := m[1]
		// A particle glued to the name (「…から水戸信用金庫」) ends the prefix.
		if i := lastParticle(prefix + m[2]); i >= 0 {
			prefix = prefix[min(i, len(prefix)):]
		}
		if prefix == "" || genericInst[prefix] {
			continue
		}
		name := prefix + m[2]
		if !contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// lastParticle returns the byte index just after the last hiragana particle
// in s that is followed by a kanji or katakana, or -1.
func lastParticle(s string) int {
	rs := []rune(s)
	at := -1
	off := 0
	for i, r := range rs {
		off += utf8.RuneLen(r)
		if i+1 < len(rs) && strings.ContainsRune("はがをにでとのもへや", r) &&
			(unicode.Is(unicode.Han, rs[i+1]) || unicode.Is(unicode.Katakana, rs[i+1])) &&
			(i == 0 || !unicode.Is(unicode.Hiragana, rs[i-1]) || strings.ContainsRune("はがをにでとのもへや", r)) {
			if i > 0 && unicode.Is(unicode.Hiragana, rs[i-1]) && !strings.ContainsRune("てでらかけ", rs[i-1]) {
				continue // inside a hiragana name: しののめ, みずほ
			}
			at = off
		}
	}
	return at
}

var (
	scheduleTableHeader = []string{"開催日"}
	eventLabelRe        = regexp.MustCompile(`(対面|WEB|Web|web|オンライン)\s*開催\s*[:：]?\s*$`)
	kaiRe               = regexp.MustCompile(`第\s*(\d+)\s*回`)
)

// events reads the schedules in a measure's body: a tab-separated table with
// a 開催日 column (新現役交流会), and bullet lists of dated items under a
// スケジュール heading (ミートアップ).
func (p *parser) events(e *indexEntry, m Measure) []Event {
	var out []Event
	series := ShortTitle(m.Title)
	fy := p.prog.Edition
	var cols []string
	inSchedule := false
	for _, l := range e.body {
		raw := strings.TrimSpace(l.text)
		if y, ok := FindFiscalYear(raw); ok && (strings.Contains(raw, "スケジュール") || strings.Contains(raw, "開催")) {
			fy = y
		}
		if strings.Contains(raw, "\t") {
			fields := strings.Split(raw, "\t")
			if hasAll(fields, scheduleTableHeader) {
				cols = fields
				continue
			}
			if cols != nil {
				if ev, ok := p.tableEvent(l, fields, cols, fy, series, m); ok {
					out = append(out, ev)
				}
				continue
			}
		} else if raw != "" {
			cols = nil
		}
		if strings.Contains(raw, "スケジュール") {
			inSchedule = true
			continue
		}
		if !inSchedule || raw == "" {
			continue
		}
		t, bullet := cleanLine(raw)
		if !bullet {
			inSchedule = false
			continue
		}
		ds := FindDates(t, fy)
		if len(ds) == 0 {
			continue
		}
		d := ds[0]
		title := strings.TrimSpace(strings.Replace(asciiDigits.Replace(t), d.Text, "", 1))
		title = strings.TrimSpace(strings.TrimSuffix(title, "予定"))
		ev := Event{
			Series: series, MeasureID: m.ID, Edition: m.Edition, Title: title,
			Start: d.Start, End: d.End, Precision: d.Precision, Source: p.where(l.n),
		}
		if d.EndOfMonth {
			ev.Start = Date(d.Start.Year(), d.Start.Month(), 1)
		}
		if k := kaiRe.FindStringSubmatch(title); k != nil {
			ev.Number, _ = strconv.Atoi(k[1])
		}
		for _, mm := range d.Mismatches {
			p.warn(l.n, "%s: %s", title, mm)
		}
		out = append(out, ev)
	}
	for i := range out {
		out[i].ID = fmt.Sprintf("%s-e%02d", m.ID, i+1)
	}
	return out
}

func hasAll(fields, want []string) bool {
	for _, w := range want {
		found := false
		for _, f := range fields {
			if strings.Contains(f, w) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// tableEvent reads one row of a schedule table whose header is cols.
func (p *parser) tableEvent(l line, fields, cols []string, fy int, series string, m Measure) (Event, bool) {
	get := func(names ...string) string {
		for i, c := range cols {
			for _, n := range names {
				if strings.Contains(c, n) && i < len(fields) {
					return strings.TrimSpace(fields[i])
				}
			}
		}
		return ""
	}
	when := get("開催日", "日程", "日時")
	ds := FindDates(when, fy)
	if len(ds) == 0 {
		p.warn(l.n, "%s の日程「%s」を日付として読めません", series, when)
		return Event{}, false
	}
	ev := Event{
		Series: series, MeasureID: m.ID, Edition: m.Edition,
		Precision: Day, Format: get("面談方法", "形式", "方法"), Venue: get("開催場所", "会場", "場所"),
		Hosts: strings.Fields(asciiDigits.Replace(get("開催機関", "主催", "機関"))), Source: p.where(l.n),
	}
	ev.Number, _ = strconv.Atoi(strings.TrimSpace(fields[0]))
	norm := asciiDigits.Replace(when)
	for _, d := range ds {
		for _, mm := range d.Mismatches {
			p.warn(l.n, "%s No.%d: %s", series, ev.Number, mm)
		}
		if ev.Start.IsZero() || d.Start.Before(ev.Start) {
			ev.Start = d.Start
		}
		if d.End.After(ev.End) {
			ev.End = d.End
		}
		if lm := eventLabelRe.FindStringSubmatch(norm[:d.Offset]); lm != nil && len(ds) > 1 {
			ev.Sessions = append(ev.Sessions, Session{Format: lm[1], Start: d.Start, End: d.End})
		}
	}
	ev.Title = series
	if ev.Number > 0 {
		ev.Title = fmt.Sprintf("%s No.%d", series, ev.Number)
	}
	if h := ev.Host(); h != "" {
		ev.Title += "（" + h + "）"
	}
	return ev, true
}

var (
	bracketRe   = regexp.MustCompile(`【([^】]{2,40})】`)
	untilRe     = regexp.MustCompile(`^(?:当面は)?\s*(.+?)\s*(まで|から|～|~|中)?$`)
	fiscalOnly  = regexp.MustCompile(`^` + yearPat + `度\s*(中)?\s*(.*?(?:目指す|予定))?$`)
	yearOnly    = regexp.MustCompile(`^(\d{4})\s*年$`)
	inlineEndRe = regexp.MustCompile(`で終了`)
	inlineFrom  = regexp.MustCompile(`から(?:開始)?`)
	recruitRe   = regexp.MustCompile(`来年度も?\s*(\d{1,2})\s*月頃?\s*募集予定`)
	closedRe    = regexp.MustCompile(`今年度は募集終了`)
	sentenceCut = regexp.MustCompile(`。(?:\s*【[^】]*】)?|[①-⑳]|\s→`)
)

// sentences splits a line of a measure where a new statement begins: after
// 「。」 (keeping a following 【…】 with the statement it qualifies), before a
// circled numeral, and before an arrow that starts a clause.
func sentences(text string) []string {
	text = tagRe.ReplaceAllString(text, " ")
	var out []string
	prev := 0
	for _, loc := range sentenceCut.FindAllStringIndex(text, -1) {
		cut := loc[1]
		if r, _ := utf8.DecodeRuneInString(text[loc[0]:]); r != '。' {
			cut = loc[0] // a numeral or arrow starts the next statement
		}
		if s := strings.TrimSpace(text[prev:cut]); s != "" {
			out = append(out, s)
		}
		prev = cut
	}
	if s := strings.TrimSpace(text[prev:]); s != "" {
		out = append(out, s)
	}
	return out
}

// deadlines finds dated limits in a measure: 【当面は23年12月末まで】,
// 「令和5年9月から」, 「来年度も5月頃募集予定」, 「今年度は募集終了」 ….
func (p *parser) deadlines(e *indexEntry, m Measure) []Deadline {
	var out []Deadline
	fy := p.prog.Edition
	add := func(l line, d Deadline) {
		d.MeasureID, d.Source = m.ID, p.where(l.n)
		for _, x := range out {
			if x.Date.Equal(d.Date) && x.Kind == d.Kind && x.Text == d.Text {
				return
			}
		}
		out = append(out, d)
	}
	for _, l := range e.body {
		for _, s := range sentences(l.text) {
			s, _ = cleanLine(s)
			s = strings.TrimSpace(strings.TrimPrefix(s, "→"))
			norm := asciiDigits.Replace(s)
			for _, b := range bracketRe.FindAllStringSubmatch(norm, -1) {
				if d, ok := bracketDeadline(b[1]); ok {
					d.Text = s
					add(l, d)
				}
			}
			outside := bracketRe.ReplaceAllString(norm, " ")
			for _, d := range FindDates(outside, 0) {
				rest := outside[d.Offset+len(d.Text):]
				kind := ""
				switch {
				case inlineEndRe.MatchString(prefixOf(rest, 12)) && strings.HasPrefix(strings.TrimSpace(rest), "で終了"):
					kind = KindEnd
				case inlineFrom.MatchString(prefixOf(rest, 9)) && strings.HasPrefix(strings.TrimSpace(rest), "から"):
					kind = KindFrom
				}
				if kind != "" {
					date := d.End
					if kind == KindFrom {
						date = d.Start
					}
					add(l, Deadline{Date: date, Precision: d.Precision, Kind: kind, Text: s})
				}
			}
			if r := recruitRe.FindStringSubmatch(norm); r != nil {
				mon, _ := strconv.Atoi(r[1])
				if mon >= 1 && mon <= 12 {
					y := inFiscalYear(fy+1, time.Month(mon))
					add(l, Deadline{Date: Date(y, time.Month(mon), 1), Precision: Month, Kind: KindPlanned, Text: s})
				}
			}
			if closedRe.MatchString(norm) {
				add(l, Deadline{Date: Date(fy+1, time.March, 31), Precision: FiscalYear, Kind: KindClosed, Text: s})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

func prefixOf(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// bracketDeadline reads the inside of 【…】 when it is a date phrase.
func bracketDeadline(in string) (Deadline, bool) {
	in = strings.TrimSpace(in)
	if m := fiscalOnly.FindStringSubmatch(in); m != nil {
		y, ok := yearOf(m, 1)
		if !ok || y == 0 {
			return Deadline{}, false
		}
		kind := KindDated
		switch {
		case m[5] == "中":
			kind = KindUntil
		case m[6] != "":
			kind = KindPlanned
		}
		return Deadline{Date: Date(y+1, time.March, 31), Precision: FiscalYear, Kind: kind}, true
	}
	if m := yearOnly.FindStringSubmatch(in); m != nil {
		y, _ := strconv.Atoi(m[1])
		return Deadline{Date: Date(y, time.December, 31), Precision: Year, Kind: KindDated}, true
	}
	m := untilRe.FindStringSubmatch(in)
	if m == nil {
		return Deadline{}, false
	}
	ds := FindDates(m[1], 0)
	if len(ds) != 1 || ds[0].Text != strings.TrimSpace(m[1]) {
		return Deadline{}, false
	}
	d := ds[0]
	kind := KindDated
	switch m[2] {
	case "まで", "中":
		kind = KindUntil
	case "から", "～", "~":
		kind = KindFrom
	}
	date := d.End
	if kind == KindFrom {
		date = d.Start
	}
	return Deadline{Date: date, Precision: d.Precision, Kind: kind}, true
}
