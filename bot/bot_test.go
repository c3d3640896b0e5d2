package bot_test

import (
	"bytes"
	"context"
	golden_ "github.com/kanto-renkei/renkei/internal/golden"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/botsearch"
)

// newBot is the shipped edition's bot, indexed once for all tests.
func newBot(t testing.TB) *bot.Bot {
	t.Helper()
	b, err := botsearch.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, corpus.Tokyo)
	if err != nil {
		panic(err)
	}
	return t.Add(9 * time.Hour)
}

func TestIntents(t *testing.T) {
	b := newBot(t)
	for _, tc := range []struct {
		q, now, intent, first string // first: the first card's title or event start
	}{
		{"事業承継", "2023-11-01", bot.IntentAnswer, "中小企業に対する事業承継支援の推進"},
		{"取引先の跡継ぎがいない", "2023-11-01", bot.IntentAnswer, "中小企業に対する事業承継支援の推進"},
		{"ＢＣＰ", "2023-11-01", bot.IntentAnswer, "事業継続力強化計画策定を通じた防災・減災力向上支援"},
		{"次の新現役交流会", "2023-11-01", bot.IntentEvents, "2023-11-15"},
		{"今度のミートアップはいつ", "2023-11-01", bot.IntentEvents, "2023-12-01"},
		{"城南信金の交流会", "2023-04-01", bot.IntentEvents, "2023-06-08"},
		{"ディープテック特集はいつ", "2023-09-01", bot.IntentEvents, "2023-10-19"},
		{"WEBで参加できる交流会", "2023-09-20", bot.IntentEvents, "2024-02-01"},
		{"対面の新現役交流会", "2023-09-20", bot.IntentEvents, "2023-10-04"},
		{"今後のベンチャーミートアップ", "2023-09-20", bot.IntentEvents, "2023-10-19"},
		{"スタートアップ", "2023-09-01", bot.IntentAnswer, "スタートアップ支援拠点との連携"},
		{"12月の交流会", "2023-04-01", bot.IntentNotFound, ""},
		{"2月の新現役交流会", "2023-04-01", bot.IntentEvents, "2024-02-01"},
		{"次の新現役交流会", "2024-04-01", bot.IntentEvents, "2024-03-08"}, // nothing ahead: latest past
		{"第四北越銀行", "2023-11-01", bot.IntentInstitution, "事業再構築補助金による地域企業の成長支援"},
		{"問い合わせ先", "2023-11-01", bot.IntentContact, "連携プログラム全体のお問い合わせ先"},
		{"自動車の電動化の担当窓口", "2023-11-01", bot.IntentContact, "自動車サプライヤーの電動化対応支援 のお問い合わせ先"},
		{"メルマガ", "2023-11-01", bot.IntentAnswer, "メールマガジン等によるタイムリーな情報提供"},
		{"セーフティネット保証の期限", "2023-11-01", bot.IntentDeadlines, ""},
		{"ヘルプ", "2023-11-01", bot.IntentHelp, ""},
		{"住宅ローンの金利の比較", "2023-11-01", bot.IntentNotFound, ""},
		{"明日の天気は？", "2023-11-01", bot.IntentNotFound, ""},
		{"", "2023-11-01", bot.IntentEmpty, ""},
		{"　\t\n", "2023-11-01", bot.IntentEmpty, ""},
	} {
		r := b.Answer(context.Background(), tc.q, day(tc.now))
		if r.Intent != tc.intent {
			t.Errorf("%q: intent %s, want %s\n%s", tc.q, r.Intent, tc.intent, r.Text)
			continue
		}
		if tc.first == "" {
			continue
		}
		if len(r.Cards) == 0 {
			t.Errorf("%q: no cards", tc.q)
			continue
		}
		got := r.Cards[0].Title
		if e := r.Cards[0].Event; e != nil {
			got = e.Start.Format("2006-01-02")
		}
		if got != tc.first {
			t.Errorf("%q: first card %q, want %q", tc.q, got, tc.first)
		}
	}
}

func TestContactReplyHasPhoneAndEmail(t *testing.T) {
	r := newBot(t).Answer(context.Background(), "連絡先を教えて", day("2023-11-01"))
	for _, want := range []string{"048-600-0256", "bzl-kanto-kinyurenkei@meti.go.jp", "金融連携推進室"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reply lacks %s:\n%s", want, r.Text)
		}
	}
}

func TestDeadlineReplyForSafetyNet(t *testing.T) {
	r := newBot(t).Answer(context.Background(), "セーフティネット保証の期限", day("2023-11-01"))
	found := false
	for _, c := range r.Cards {
		found = found || c.Deadline != nil && c.Deadline.Date.Format("2006-01-02") == "2023-12-31"
	}
	if !found {
		t.Errorf("no 2023-12-31 deadline:\n%s", r.Text)
	}
}

func TestStaleness(t *testing.T) {
	b := newBot(t)
	if r := b.Answer(context.Background(), "事業承継", day("2024-03-31")); r.Notice != "" || strings.Contains(r.Text, "2023年度版") {
		t.Errorf("within FY2023 no notice expected: %q", r.Notice)
	}
	for _, q := range []string{"事業承継", "次の新現役交流会", "問い合わせ先", "天気"} {
		if r := b.Answer(context.Background(), q, day("2024-04-01")); !strings.Contains(r.Text, "2023年度版の情報です") {
			t.Errorf("%q after FY2023: no staleness line:\n%s", q, r.Text)
		}
	}
}

func TestHostileQuestions(t *testing.T) {
	b := newBot(t)
	for _, q := range []string{
		strings.Repeat("事業承継と海外展開", 1200), // > 10,000 characters
		"😀😀😀", "\x00\x01\x1b[31m", "+事業承継 -海外 title:RIDC^10 \"*\" ~ ? OR AND", "\xff\xfe無効なUTF-8",
		"<script>alert(1)</script>", strings.Repeat("ー", 5000), "①②③", "ｱｲｳｴｵ", "\u202e逆方向\u200b",
	} {
		r := b.Answer(context.Background(), q, day("2023-11-01"))
		if r.Intent == bot.IntentError || r.Text == "" {
			t.Errorf("%.40q: intent %s text %q", q, r.Intent, r.Text)
		}
		if strings.ContainsAny(r.Question, "\x00\x1b\u202e\u200b") {
			t.Errorf("%.40q: control characters kept in %q", q, r.Question)
		}
	}
}

func TestQuerySyntaxIsPlainText(t *testing.T) {
	b := newBot(t)
	r := b.Answer(context.Background(), "事業承継^10 +:", day("2023-11-01"))
	if len(r.Cards) == 0 {
		t.Fatalf("no answer:\n%s", r.Text)
	}
}

// golden compares a rendered reply with testdata/golden/NAME.txt.
func golden(t *testing.T, name, got string) {
	t.Helper()
	golden_.Check(t, filepath.Join("testdata", "golden", name+".txt"), []byte(got))
}

func TestGoldenReplies(t *testing.T) {
	b := newBot(t)
	for _, tc := range []struct{ name, q, now string }{
		{"answer", "事業承継", "2023-11-01"},
		{"answer-stale", "取引先の海外進出を後押ししたい", "2024-05-01"},
		{"events-next", "次の新現役交流会", "2023-11-01"},
		{"events-host", "城南信用金庫の交流会", "2023-04-01"},
		{"contact", "問い合わせ先", "2023-11-01"},
		{"institution", "第四北越銀行", "2023-11-01"},
		{"notfound", "住宅ローンの金利の比較", "2023-11-01"},
		{"help", "ヘルプ", "2023-11-01"},
		{"deadlines", "セーフティネット保証の期限", "2023-11-01"},
	} {
		golden(t, tc.name, b.Answer(context.Background(), tc.q, day(tc.now)).Text+"\n")
	}
}

// The bot must never reach for bleve or kagome directly.
func TestBotImportsNoSearchEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range []string{"blevesearch", "kagome", "slack-go", "line-bot-sdk"} {
		if bytes.Contains(out, []byte(dep)) {
			t.Errorf("bot depends on %s", dep)
		}
	}
}

func BenchmarkAnswer(b *testing.B) {
	bt := newBot(b)
	qs := []string{"事業承継", "取引先の海外進出を後押ししたい", "次の新現役交流会", "問い合わせ先", "住宅ローンの金利の比較", "ＢＣＰ"}
	now := day("2023-11-01")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bt.Answer(context.Background(), qs[i%len(qs)], now)
	}
}

func TestOffTopicLexicon(t *testing.T) {
	b := newBot(t)
	for _, q := range []string{"NISA口座の開設", "定期預金の金利はいくら", "来春の人事異動", "法人税の節税対策", "支店の営業時間"} {
		if r := b.Answer(context.Background(), q, day("2023-11-01")); r.Intent != bot.IntentNotFound || len(r.Cards) != 0 || !strings.Contains(r.Text, "対象外") {
			t.Errorf("%q: intent %s\n%s", q, r.Intent, r.Text)
		}
	}
}

func TestInstitutionAliases(t *testing.T) {
	b := newBot(t)
	for _, tc := range []struct{ q, now, want string }{
		{"全信組連が主催する新現役交流会", "2023-12-01", "2024-02-20"},
		{"城南信金の交流会", "2023-04-01", "2023-06-08"},
		{"しず焼津信金の交流会", "2023-04-01", "2023-09-01"},
	} {
		r := b.Answer(context.Background(), tc.q, day(tc.now))
		if len(r.Cards) == 0 || r.Cards[0].Event == nil || r.Cards[0].Event.Start.Format("2006-01-02") != tc.want {
			t.Errorf("%q: %s", tc.q, r.Text)
		}
	}
	if r := b.Answer(context.Background(), "第四北越の取組", day("2023-11-01")); r.Intent != bot.IntentInstitution {
		t.Errorf("第四北越: %s", r.Intent)
	}
}
