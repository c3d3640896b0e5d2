package corpus

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func load2023(t *testing.T) *Corpus {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func day(t time.Time) string { return t.Format("2006-01-02") }

func TestProgram(t *testing.T) {
	c := load2023(t)
	p, ok := c.Latest()
	if !ok {
		t.Fatal("no program")
	}
	if p.Title != "地域金融機関との連携プログラム2023" || p.Edition != 2023 || day(p.Published) != "2023-10-19" || p.Issuer != "経済産業省 関東経済産業局" {
		t.Errorf("program = %+v", p)
	}
	want := Contact{Org: "関東経済産業局", Office: "金融連携推進室", Phone: "048-600-0256", Email: "bzl-kanto-kinyurenkei@meti.go.jp"}
	if p.Contact != want {
		t.Errorf("contact = %+v, want %+v", p.Contact, want)
	}
	if !c.Stale(Date(2024, 4, 1)) || c.Stale(Date(2024, 3, 31)) {
		t.Error("staleness must start with FY2024")
	}
}

var wantTitles = map[int][]string{
	1: {"価格転嫁に向けた地域企業支援", "カーボンニュートラル実現に向けた地域企業支援", "地域企業のデジタル化・DX・サイバーセキュリティ支援",
		"データ活用支援人材の育成", "事業再構築補助金による地域企業の成長支援", "事業継続力強化計画策定を通じた防災・減災力向上支援",
		"自動車サプライヤーの電動化対応支援", "地域サービス産業の生産性向上", "オープンイノベーション・マッチングスクエア（OIMS）",
		"地方発！ベンチャー企業ミートアップ", "中堅・中小企業とスタートアップの連携による価値創造チャレンジ事業", "地域企業の人的資本経営の推進",
		"新現役交流会（シニア人材とのマッチングによる経営課題解決支援）", "知財経営支援専門家派遣",
		"知財・無形資産に着目した地域金融機関職員の対話力(事業性理解力)向上支援", "先導的・先進的な知財支援の取組支援",
		"地域企業のグローバル化支援", "ガバメントピッチを通じた官民連携の促進", "中小企業の収益力改善・事業再生・再チャレンジの総合的支援",
		"中小企業に対する事業承継支援の推進", "RIDC（基礎自治体等の地域課題の解決に向けたオンラインコミュニティ）"},
	2: {"経営力再構築伴走支援の推進", "スタートアップ支援拠点との連携", "知財経営の支援体制充実化（地域知財経営支援ネットワーク）",
		"食領域をはじめとする社会課題企業支援・SDGs経営導入支援", "2050年カーボンニュートラルに向けたJ-クレジットの活性化",
		"サーキュラーエコノミーに関する産官学のパートナーシップの立ち上げ", "関東地域における半導体人材育成の取組"},
	3: {"当局（金融連携推進室、各施策担当課室）との個別意見交換", "地域金融機関主催の事業者/職員向けセミナー等への講師派遣",
		"地域金融機関向け政策勉強会の開催", "地域金融機関主催イベント等への後援名義", "メールマガジン等によるタイムリーな情報提供",
		"財務局との各種連携（オンデマンドセミナー等）"},
}

func TestMeasures(t *testing.T) {
	c := load2023(t)
	if len(c.Measures) != 34 {
		t.Fatalf("%d measures, want 34", len(c.Measures))
	}
	i := 0
	for section := 1; section <= 3; section++ {
		for n, title := range wantTitles[section] {
			m := c.Measures[i]
			i++
			if m.Section != section || m.Number != n+1 || m.Title != title {
				t.Errorf("measure %d = %d%s %q, want %d%s %q", i, m.Section, m.Numeral(), m.Title, section, Circled(n+1), title)
			}
			if m.Category != SectionName(section) {
				t.Errorf("%s category %q", m.Title, m.Category)
			}
			if section < 3 && !strings.HasPrefix(m.URL, "https://") {
				t.Errorf("%s has no URL", m.Title)
			}
			if section == 3 && m.URL != "" {
				t.Errorf("%s: section 3 has no links, got %s", m.Title, m.URL)
			}
			if m.Summary == "" {
				t.Errorf("%s has no summary", m.Title)
			}
			if b := m.Body(); strings.Contains(b, "**") || strings.Contains(b, "<p") || strings.Contains(b, "</") || strings.Contains(b, "\t") {
				t.Errorf("%s body keeps markup: %q", m.Title, m.Body())
			}
		}
	}
	byID := map[string]Measure{}
	for _, m := range c.Measures {
		byID[m.ID] = m
	}
	for id, want := range map[string]struct {
		page int
		url  string
	}{
		"2023-1-01": {5, "https://www.kanto.meti.go.jp/seisaku/shitauke/index.html"},
		"2023-1-13": {20, "https://www.kanto.meti.go.jp/seisaku/jinzai/management_mentor.html"},
		"2023-1-19": {28, "https://www.kanto.meti.go.jp/seisaku/saiseishien/index.html"},
		"2023-1-20": {31, "https://www.kanto.meti.go.jp/seisaku/jigyoshokei/index.html"},
		"2023-1-21": {32, "https://app.tailorworks.com/community/ridc"},
		"2023-2-06": {39, "https://www.kanto.meti.go.jp/seisaku/recycle/circular_economy/index.html"},
		"2023-3-05": {44, ""},
	} {
		if m := byID[id]; m.Page != want.page || m.URL != want.url {
			t.Errorf("%s: page %d url %q, want %d %q", id, m.Page, m.URL, want.page, want.url)
		}
	}
	// Damaged headings are matched by title: ⑲ 「① 中小企業の収益力改善…」, ⑳ 「② …」, ㉑ 「②1 RIDC」.
	if s := byID["2023-1-20"].Summary; !strings.Contains(s, "事業承継・引継ぎ支援センター") {
		t.Errorf("⑳ summary = %q", s)
	}
	if s := byID["2023-1-21"].Summary; !strings.Contains(s, "テイラーワークス") {
		t.Errorf("㉑ summary = %q", s)
	}
	if s := byID["2023-1-19"].Collaboration; !strings.Contains(s, "中小企業活性化協議会がハブ") {
		t.Errorf("⑲ collaboration = %q", s)
	}
	if m := byID["2023-1-01"]; len(m.Lead) != 1 || !strings.Contains(m.Collaboration, "セミナーの開催") || strings.Contains(m.Summary, "**") {
		t.Errorf("① parts: lead %q collaboration %q", m.Lead, m.Collaboration)
	}
	for id, link := range map[string]string{"2023-1-07": "mikata_project.html", "2023-2-05": "https://japancredit.go.jp/about/outline/#about", "2023-1-13": "stc-ibaraki.com"} {
		if l := byID[id].Links; len(l) == 0 || !strings.Contains(strings.Join(l, " "), link) {
			t.Errorf("%s links = %q, want %s", id, l, link)
		}
	}
	if got := byID["2023-1-07"].Office; got != "航空宇宙・自動車産業室" {
		t.Errorf("⑦ office = %q", got)
	}
	if ct := c.MeasureContact("2023-1-07"); ct.Office != "航空宇宙・自動車産業室" {
		t.Errorf("⑦ contact = %+v", ct)
	}
	if ct := c.MeasureContact("2023-1-20"); ct.Phone != "048-600-0256" {
		t.Errorf("⑳ falls back to the program contact, got %+v", ct)
	}
}

func TestEvents(t *testing.T) {
	c := load2023(t)
	var kouryu, meetup []Event
	for _, e := range c.Events {
		switch e.MeasureID {
		case "2023-1-13":
			kouryu = append(kouryu, e)
		case "2023-1-10":
			meetup = append(meetup, e)
		default:
			t.Errorf("unexpected event %+v", e)
		}
	}
	if len(kouryu) != 17 || len(meetup) != 4 {
		t.Fatalf("%d 交流会, %d ミートアップ; want 17 and 4", len(kouryu), len(meetup))
	}
	want := []struct{ start, end, format, host, venue string }{
		{"2023-05-23", "2023-05-26", "対面・WEB", "亀有信用金庫", "亀有信用金庫 本部"},
		{"2023-06-08", "2023-06-08", "対面", "城南信用金庫", "城南信用金庫 本店 4階講堂"},
		{"2023-07-05", "2023-07-05", "対面", "東和銀行", "新都心ビジネス交流プラザ 4階"},
		{"2023-07-11", "2023-07-12", "WEB", "新潟信用金庫、柏崎信用金庫、三条信用金庫、新発田信用金庫、長岡信用金庫", "オンライン開催"},
		{"2023-07-19", "2023-07-19", "対面", "水戸信用金庫", "つくば国際会議場"},
		{"2023-07-27", "2023-07-27", "対面", "東京東信用金庫、鹿沼相互信用金庫", "東京東信用金庫 本部"},
		{"2023-08-23", "2023-08-23", "対面", "青木信用金庫", "川口駅前市民ホール「フレンジア」"},
		{"2023-09-01", "2023-09-01", "WEB", "静岡市、焼津市、しずおか焼津信用金庫、静岡焼津マネジメント株式会社、静岡信用金庫", "オンライン開催"},
		{"2023-09-14", "2023-09-14", "対面・WEB", "全国信用協同組合連合会", "全国信用組合会館 7階講堂"},
		{"2023-10-04", "2023-10-05", "対面", "大東京信用組合", "大東京信用組合 本店2階"},
		{"2023-10-23", "2023-10-23", "対面", "アイオー信用金庫", "プラザ・アリア"},
		{"2023-11-15", "2023-11-15", "対面", "小松川信用金庫", "タワーホール船堀"},
		{"2024-02-01", "2024-02-02", "対面・WEB", "沼津信用金庫", "沼津トラストビル5階(研修室1・2、会議室)"},
		{"2024-02-14", "2024-02-14", "対面", "東京商工会議所", "BIZ新宿 多目的ホール"},
		{"2024-02-15", "2024-02-15", "対面", "桐生信用金庫、桐生市、桐生商工会議所", "桐生商工会議所 6階ケービックホール"},
		{"2024-02-20", "2024-02-21", "対面・WEB", "全国信用協同組合連合会", "全国信用組合会館 7階講堂"},
		{"2024-03-08", "2024-03-08", "WEB", "いわき信用組合", "オンライン開催"},
	}
	for i, w := range want {
		e := kouryu[i]
		if day(e.Start) != w.start || day(e.End) != w.end || e.Format != w.format || e.Host() != w.host || e.Venue != w.venue || e.Precision != Day || e.Number != i+1 {
			t.Errorf("交流会 %d = %s..%s %s %s %s #%d; want %+v", i+1, day(e.Start), day(e.End), e.Format, e.Host(), e.Venue, e.Number, w)
		}
	}
	if s := kouryu[0].Sessions; len(s) != 2 || s[0].Format != "対面" || day(s[0].End) != "2023-05-23" || s[1].Format != "WEB" || day(s[1].Start) != "2023-05-24" || day(s[1].End) != "2023-05-26" {
		t.Errorf("first row sessions = %+v", s)
	}
	wantM := []struct {
		title, start, end string
		prec              Precision
	}{
		{"第37回「ディープテック特集」", "2023-10-19", "2023-10-19", Day},
		{"連携「つくば研究支援センターVer」", "2023-12-01", "2023-12-31", Month},
		{"連携「Jスタートアップローカル連携」", "2024-01-01", "2024-01-31", Month},
		{"連携「日本公庫連携Ver」", "2024-02-01", "2024-02-29", Month},
	}
	for i, w := range wantM {
		e := meetup[i]
		if e.Title != w.title || day(e.Start) != w.start || day(e.End) != w.end || e.Precision != w.prec {
			t.Errorf("ミートアップ %d = %q %s..%s %s; want %+v", i+1, e.Title, day(e.Start), day(e.End), e.Precision, w)
		}
	}
	if meetup[0].Number != 37 {
		t.Errorf("第37回 number = %d", meetup[0].Number)
	}
}

func TestDeadlines(t *testing.T) {
	c := load2023(t)
	find := func(measure, date, text string) *Deadline {
		for i, d := range c.Deadlines {
			if d.MeasureID == measure && day(d.Date) == date && strings.Contains(d.Text, text) {
				return &c.Deadlines[i]
			}
		}
		return nil
	}
	for _, w := range []struct {
		measure, date, text, kind string
		prec                      Precision
	}{
		{"2023-1-19", "2023-12-31", "セーフティネット保証4号", KindUntil, Month},
		{"2023-1-19", "2023-09-30", "セーフティネット保証4号", KindEnd, Month},
		{"2023-1-19", "2024-03-31", "資本性劣後ローン", KindUntil, Month},
		{"2023-1-19", "2023-10-31", "DES", KindDated, Month},
		{"2023-2-06", "2023-09-01", "会員の募集", KindFrom, Month},
		{"2023-1-16", "2024-05-01", "5月頃募集予定", KindPlanned, Month},
		{"2023-1-14", "2024-03-31", "今年度は募集終了", KindClosed, FiscalYear},
	} {
		d := find(w.measure, w.date, w.text)
		if d == nil {
			t.Errorf("no deadline %s %s %q", w.measure, w.date, w.text)
			continue
		}
		if d.Kind != w.kind || d.Precision != w.prec {
			t.Errorf("deadline %s %q: kind %s precision %s, want %s %s", w.date, w.text, d.Kind, d.Precision, w.kind, w.prec)
		}
		// The sentence is that statement alone, not its neighbours.
		if strings.Count(d.Text, "【") > 1 {
			t.Errorf("deadline text spans statements: %q", d.Text)
		}
	}
	for _, d := range c.Deadlines {
		if strings.Contains(d.Text, "開催スケジュール") || strings.Contains(d.Text, "ディープテック") {
			t.Errorf("a schedule line is not a deadline: %+v", d)
		}
	}
}

func TestInstitutions(t *testing.T) {
	c := load2023(t)
	has := func(id, name string) bool {
		m, _ := c.Measure(id)
		return contains(m.Institutions, name)
	}
	for _, w := range [][2]string{{"2023-1-05", "第四北越銀行"}, {"2023-1-12", "八十二銀行"}, {"2023-1-13", "城南信用金庫"},
		{"2023-1-13", "いわき信用組合"}, {"2023-1-11", "しののめ信用金庫"}, {"2023-1-15", "長野県信用金庫協会"}, {"2023-1-14", "巣鴨信用金庫"}} {
		if !has(w[0], w[1]) {
			t.Errorf("%s does not name %s", w[0], w[1])
		}
	}
	for _, w := range [][2]string{{"2023-1-13", "全国信用組合"}, {"2023-1-15", "長野県信用金庫"}} {
		if has(w[0], w[1]) {
			t.Errorf("%s: %s is not an institution", w[0], w[1])
		}
	}
	got := FindInstitutions("タイミング良く、水戸信用金庫から紹介があり、地方銀行や信用金庫とも連携。")
	if len(got) != 1 || got[0] != "水戸信用金庫" {
		t.Errorf("FindInstitutions = %q", got)
	}
}

func TestShippedTextHasNoWarnings(t *testing.T) {
	c := load2023(t)
	for _, w := range c.Warnings {
		t.Errorf("warning: %s", w)
	}
	// The link list's typo is tolerated, and said so.
	found := false
	for _, n := range c.Notes {
		found = found || strings.Contains(n.Message, "サーキュラーエコミー")
	}
	if !found {
		t.Errorf("no note for the サーキュラーエコミー typo: %v", c.Notes)
	}
}

func shipped(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("data/kinyu-renkei-program-2023.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustReplace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("fixture no longer contains %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestNextEdition edits the document the way next year's edition would
// differ, and checks the parser follows rather than being tuned to one file.
func TestNextEdition(t *testing.T) {
	s := shipped(t)
	s = strings.ReplaceAll(s, "連携プログラム2023", "連携プログラム2024")
	s = mustReplace(t, s, "令和5年10月19日\n", "令和6年10月17日\n")
	// A new measure ④ is inserted in section 2; the old ④–⑦ shift down.
	for _, n := range []string{"⑦", "⑥", "⑤", "④"} {
		next := Circled(circledValue([]rune(n)[0]) + 1)
		s = strings.ReplaceAll(s, "| "+n+" ", "| "+next+" ")
	}
	s = mustReplace(t, s, "| ⑤ 食領域", "| ④ 地域の脱炭素経営支援 | P.37 |\n| ⑤ 食領域")
	s = mustReplace(t, s, "④ 食領域をはじめとする社会課題企業支援・SDGs経営導入支援\n\n", "④ 地域の脱炭素経営支援\n\n- 地域企業の脱炭素経営を支援。\n\n事業概要\n\n- 省エネ診断とセミナーを実施。\n\n⑤ 食領域をはじめとする社会課題企業支援・SDGs経営導入支援\n\n")
	s = mustReplace(t, s, "④食領域をはじめとする社会課題企業支援・SDGs経営導入支援\t", "④地域の脱炭素経営支援\thttps://example.go.jp/datsutanso\n⑤食領域をはじめとする社会課題企業支援・SDGs経営導入支援\t")
	// A heading damaged differently: ⑧ split as 「⑧ 地域サービス 産業の生産性向上」.
	s = mustReplace(t, s, "⑧ 地域サービス産業の生産性向上\n", "8 地域サービス 産業の生産性 向上\n\n⑧ 地域サービス 産業の生産性向上\n")
	// A schedule row is added, and the year moves on.
	s = mustReplace(t, s, "(参考) 令和5年度新現役交流会", "(参考) 令和6年度新現役交流会")
	s = mustReplace(t, s, "17\t3月8日(金)\tWEB\tいわき信用組合\tオンライン開催\n", "17\t3月7日(金)\tWEB\tいわき信用組合\tオンライン開催\n18\t3月12日(水)\t対面\t横浜信用金庫\t横浜信用金庫 本店\n")
	c, err := Parse("next.txt", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Programs[0]; p.Edition != 2024 || day(p.Published) != "2024-10-17" {
		t.Errorf("program %+v", p)
	}
	if len(c.Measures) != 35 {
		t.Fatalf("%d measures, want 35", len(c.Measures))
	}
	byTitle := map[string]Measure{}
	for _, m := range c.Measures {
		byTitle[m.Title] = m
		if m.Edition != 2024 || !strings.HasPrefix(m.ID, "2024-") {
			t.Errorf("%s edition %d id %s", m.Title, m.Edition, m.ID)
		}
	}
	if m := byTitle["地域の脱炭素経営支援"]; m.Number != 4 || m.URL != "https://example.go.jp/datsutanso" || !strings.Contains(m.Summary, "省エネ診断") {
		t.Errorf("new measure = %+v", m)
	}
	if m := byTitle["関東地域における半導体人材育成の取組"]; m.Number != 8 || !strings.Contains(m.URL, "semicon") {
		t.Errorf("renumbered measure = %+v", m)
	}
	if m := byTitle["地域サービス産業の生産性向上"]; !strings.Contains(m.Summary, "SISC Kanto") {
		t.Errorf("differently damaged heading lost its body: %+v", m)
	}
	var rows []Event
	for _, e := range c.Events {
		if strings.HasPrefix(e.Series, "新現役交流会") {
			rows = append(rows, e)
		}
	}
	if len(rows) != 18 || day(rows[17].Start) != "2025-03-12" || rows[17].Host() != "横浜信用金庫" || day(rows[0].Start) != "2024-05-23" {
		t.Fatalf("%d rows; last %+v", len(rows), rows[len(rows)-1])
	}
	// 2024's weekdays differ from 2023's: every copied row must be flagged,
	// precisely, and the corrected rows not.
	mism := 0
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "曜日") {
			mism++
			if !strings.Contains(w.Source, "next.txt:") {
				t.Errorf("warning without a line: %v", w)
			}
		}
	}
	if mism == 0 {
		t.Error("no weekday warnings for the shifted calendar")
	}
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "2025-03-07") || strings.Contains(w.Message, "2025-03-12") {
			t.Errorf("correct weekday flagged: %v", w)
		}
	}
}

func TestWarnsPrecisely(t *testing.T) {
	s := shipped(t)
	// A measure whose body heading vanished and a link nobody owns.
	s = mustReplace(t, s, "⑯ 先導的・先進的な知財支援の取組支援\n", "\n")
	s = mustReplace(t, s, "⑦関東地域における半導体人材育成の取組\t", "⑧量子技術の社会実装\thttps://example.go.jp/q\n⑦関東地域における半導体人材育成の取組\t")
	s = mustReplace(t, s, "6\t7月27日(木)", "6\t7月27日(金)")
	c, err := Parse("edited.txt", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"先導的・先進的な知財支援の取組支援」の本文が見つかりません", "量子技術の社会実装」に対応する施策", "2023-07-27 は木曜日ですが、本文は(金)です"}
	for _, w := range want {
		found := false
		for _, got := range c.Warnings {
			found = found || strings.Contains(got.Message, w) && strings.HasPrefix(got.Source, "edited.txt:")
		}
		if !found {
			t.Errorf("no warning containing %q in %v", w, c.Warnings)
		}
	}
	if len(c.Warnings) != len(want) {
		t.Errorf("%d warnings, want %d: %v", len(c.Warnings), len(want), c.Warnings)
	}
}

func TestMalformedInput(t *testing.T) {
	s := shipped(t)
	for name, in := range map[string]string{
		"empty":     "",
		"blank":     "\n\n  \t\n",
		"binary":    "\x00\x01\x02PK\x03\x04\xff\xfe",
		"latin1":    "\xe9t\xe9",
		"notprog":   "議事録\n\n令和5年10月19日\n",
		"titleonly": "地域金融機関との連携プログラム2023\n",
	} {
		c, err := Parse(name, []byte(in))
		if err == nil || !errors.Is(err, ErrNotProgram) {
			t.Errorf("%s: err = %v, corpus %v", name, err, c)
		}
	}
	// Truncated anywhere: never a panic; an error or warnings.
	for _, cut := range []int{100, len(s) / 4, len(s) / 2, len(s) * 3 / 4, len(s) - 200} {
		for !strings.HasPrefix(s[cut:], "\n") && cut < len(s)-1 {
			cut++ // keep UTF-8 whole
		}
		c, err := Parse("truncated.txt", []byte(s[:cut]))
		if err == nil && len(c.Warnings) == 0 {
			t.Errorf("truncated at %d: no error and no warnings", cut)
		}
	}
}

func TestLoadFolder(t *testing.T) {
	s := shipped(t)
	next := strings.ReplaceAll(s, "連携プログラム2023", "連携プログラム2024")
	fsys := fstest.MapFS{
		"kinyu-2023.txt": {Data: []byte(s)},
		"kinyu-2024.txt": {Data: []byte(next)},
		"README.md":      {Data: []byte("not a document")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Latest(); p.Edition != 2024 {
		t.Errorf("latest = %d", p.Edition)
	}
	if len(c.Measures) != 68 {
		t.Errorf("%d measures from two editions", len(c.Measures))
	}
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Error("an empty folder must fail")
	}
	if _, err := Load(fstest.MapFS{"x.txt": {Data: []byte("\x00")}}); !errors.Is(err, ErrNotProgram) {
		t.Errorf("binary document: %v", err)
	}
}
