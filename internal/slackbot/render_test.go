package slackbot

import (
	"bytes"
	"context"
	"encoding/json"
	golden_ "github.com/kanto-renkei/renkei/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
)

// golden compares v, as indented JSON, with testdata/golden/name.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	golden_.Check(t, filepath.Join("testdata", "golden", name+".json"), b.Bytes())
}

func TestRenderGolden(t *testing.T) {
	b := realBot(t)
	for _, tc := range []struct {
		name, question string
		now            string
		v              view
		intent         string
	}{
		{"answer", "事業承継", "2023-10-01", view{}, bot.IntentAnswer},
		{"answer-slash", "事業承継", "2023-10-01", view{shareable: true}, bot.IntentAnswer},
		{"answer-stale", "事業承継", "2024-06-03", view{}, bot.IntentAnswer},
		{"candidates", "人材", "2023-10-01", view{shareable: true}, bot.IntentCandidates},
		{"events", "今後のイベントの予定", "2023-10-01", view{shareable: true}, bot.IntentEvents},
		{"contact", "事業承継の連絡先", "2023-10-01", view{}, bot.IntentContact},
		{"help", "ヘルプ", "2023-10-01", view{shareable: true}, bot.IntentHelp},
		{"notfound", "宇宙旅行の保険", "2023-10-01", view{}, bot.IntentNotFound},
		{"shared", "事業承継", "2023-10-01", view{sharedBy: staffUser}, bot.IntentAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.Answer(context.Background(), tc.question, at(tc.now))
			if r.Intent != tc.intent {
				t.Fatalf("intent %s, want %s", r.Intent, tc.intent)
			}
			m := render(r, tc.v)
			checkLimits(t, m)
			golden(t, tc.name, m)
		})
	}
}

// at is 9:00 in Tokyo on day (YYYY-MM-DD).
func at(day string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", day, corpus.Tokyo)
	if err != nil {
		panic(err)
	}
	return t.Add(9 * time.Hour)
}

// checkLimits fails when a message would break one of Slack's limits or
// shows unescaped markup.
func checkLimits(t *testing.T, m message) {
	t.Helper()
	if strings.TrimSpace(m.Text) == "" {
		t.Error("no fallback text")
	}
	checkEscaped(t, "text", m.Text)
	if n := len(m.Blocks); n == 0 || n > maxBlocks {
		t.Errorf("%d blocks", n)
	}
	raw, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var back slack.Blocks
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("blocks do not read back: %v", err)
	}
	for _, b := range back.BlockSet {
		if _, ok := b.(*slack.UnknownBlock); ok {
			t.Errorf("unknown block %v", b)
		}
	}
	var blocks []map[string]any
	_ = json.Unmarshal(raw, &blocks)
	text := func(v any) (string, string) {
		o, _ := v.(map[string]any)
		s, _ := o["text"].(string)
		typ, _ := o["type"].(string)
		return typ, s
	}
	for i, b := range blocks {
		switch b["type"] {
		case "header":
			if typ, s := text(b["text"]); typ != "plain_text" || s == "" || utf8.RuneCountInString(s) > maxHeaderRunes {
				t.Errorf("block %d: header %s %q", i, typ, s)
			}
		case "section":
			typ, s := text(b["text"])
			if s == "" || utf8.RuneCountInString(s) > maxSectionRunes {
				t.Errorf("block %d: section of %d characters", i, utf8.RuneCountInString(s))
			}
			if typ == "mrkdwn" {
				checkEscaped(t, "section", s)
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				t.Errorf("block %d: %d context elements", i, len(els))
			}
			for _, e := range els {
				typ, s := text(e)
				if s == "" || utf8.RuneCountInString(s) > maxSectionRunes {
					t.Errorf("block %d: context of %d characters", i, utf8.RuneCountInString(s))
				}
				if typ == "mrkdwn" {
					checkEscaped(t, "context", s)
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				t.Errorf("block %d: %d actions", i, len(els))
			}
			ids := map[string]bool{}
			for _, e := range els {
				o := e.(map[string]any)
				id, _ := o["action_id"].(string)
				if ids[id] {
					t.Errorf("block %d: action_id %s twice", i, id)
				}
				ids[id] = true
				_, label := text(o["text"])
				value, _ := o["value"].(string)
				u, _ := o["url"].(string)
				if label == "" || utf8.RuneCountInString(label) > maxButtonRunes || len(value) > maxValueBytes || len(u) > 3000 {
					t.Errorf("block %d: button %q (value %d bytes, url %d)", i, label, len(value), len(u))
				}
				if value != "" {
					if _, ok := decodeValue(value); !ok {
						t.Errorf("block %d: button value %q unreadable", i, value)
					}
				}
			}
		case "divider":
		default:
			t.Errorf("block %d: unexpected type %v", i, b["type"])
		}
	}
}

var markupOK = regexp.MustCompile(`<(@[UW][A-Z0-9]+|https?://[^<>|]+\|[^<>]+)>`)

// checkEscaped fails on a bare & < > in mrkdwn (links and mentions aside).
func checkEscaped(t *testing.T, where, s string) {
	t.Helper()
	s = markupOK.ReplaceAllString(s, "")
	s = strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(s)
	if strings.ContainsAny(s, "&<>") {
		t.Errorf("%s: unescaped markup in %q", where, s)
	}
}

func TestRenderLimits(t *testing.T) {
	b := realBot(t)
	long := strings.Repeat("取引先の事業承継と海外展開とBCPについて & <b>教えて</b> ", 300)
	questions := []string{"事業承継", "補助金", "人材", "DX", "今後のイベントの予定", "次の新現役交流会", "今度のミートアップはいつ",
		"城南信金の交流会", "第四北越銀行", "問い合わせ先", "事業承継の連絡先", "期限", "セーフティネット保証の期限",
		"ヘルプ", "", "宇宙旅行", "住宅ローン", "M&A", "<@U1> & <!here>", long, strings.Repeat("あ", 10000)}
	if data, err := os.ReadFile("../../../shared/eval/dev.tsv"); err == nil {
		for _, ln := range strings.Split(string(data), "\n") {
			if q, _, _ := strings.Cut(ln, "\t"); q != "" && !strings.HasPrefix(q, "#") {
				questions = append(questions, q)
			}
		}
	}
	for _, q := range questions {
		for _, now := range []string{"2023-04-01", "2023-10-01", "2024-06-03"} {
			r := b.Answer(context.Background(), q, at(now))
			for _, v := range []view{{}, {shareable: true}, {sharedBy: staffUser}} {
				checkLimits(t, render(r, v))
			}
		}
	}
}

func TestFitKeepsTheTail(t *testing.T) {
	var cards []bot.Card
	for range 80 {
		cards = append(cards, bot.Card{Kind: "measure", ID: "m", Title: strings.Repeat("長い題名", 60), Summary: strings.Repeat("概要&", 2000), Collaboration: "<連携>", URL: "https://example.com/?a=1&b=2", Edition: 2023})
	}
	r := bot.Reply{Question: strings.Repeat("質問", 3000), Intent: bot.IntentInstitution, Lead: "リード", Cards: cards,
		Others: cards[:5], Notice: "※注意", Text: strings.Repeat("本文", 30000)}
	m := render(r, view{shareable: true})
	checkLimits(t, m)
	last := m.Blocks[len(m.Blocks)-1]
	if c, ok := last.(*slack.ContextBlock); !ok || c.ContextElements.Elements[0].(*slack.TextBlockObject).Text != "※注意" {
		t.Errorf("the notice is not last: %#v", last)
	}
}

func TestEncodeValue(t *testing.T) {
	for _, q := range []string{"", "事業承継", strings.Repeat("\"質問\"と<b>&", 400), strings.Repeat("𠮷", 3000)} {
		s := encodeValue(buttonValue{Q: q, ID: "2023-1-20", T: strings.Repeat("題", 100)})
		if len(s) > maxValueBytes {
			t.Errorf("%d bytes", len(s))
		}
		v, ok := decodeValue(s)
		if !ok || v.ID != "2023-1-20" || !strings.HasPrefix(q, v.Q) || !utf8.ValidString(v.Q) {
			t.Errorf("decoded %+v from %q", v, s)
		}
	}
}
