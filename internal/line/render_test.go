package line

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/digest"
)

func composeOctober(t *testing.T) digest.Digest {
	t.Helper()
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	return digest.Compose(c, tokyo9("2023-10-01"), 30)
}

func marshalMessages(t *testing.T, msgs []messaging_api.MessageInterface) []byte {
	t.Helper()
	b, err := json.Marshal(&messaging_api.PushMessageRequest{To: "U", Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDigestMessages(t *testing.T) {
	d := composeOctober(t)
	msgs := DigestMessages(d)
	body := marshalMessages(t, msgs)
	checkLimits(t, "digest", body)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	flex := msgs[0].(*messaging_api.FlexMessage)
	if !strings.HasPrefix(flex.AltText, "【連携プログラム 週次ダイジェスト】10月1日～10月30日") {
		t.Errorf("altText %q", flex.AltText)
	}
	if _, ok := flex.Contents.(*messaging_api.FlexCarousel); !ok {
		t.Errorf("events and deadlines: want a carousel, got %T", flex.Contents)
	}
	got := string(body)
	for _, want := range []string{"新現役交流会 No.10（大東京信用組合）", "あと3日", "「配信停止」", "048-600-0256"} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	golden(t, "digest.json", messagesJSON(t, body))

	// A subscriber who chose events only gets one bubble.
	ev := DigestMessages(digest.Filter(d, digest.TopicEvent))
	if _, ok := ev[0].(*messaging_api.FlexMessage).Contents.(*messaging_api.FlexBubble); !ok || strings.Contains(string(marshalMessages(t, ev)), "期限・日付のある施策") {
		t.Errorf("events only: %s", marshalMessages(t, ev))
	}
}

func TestEmptyDigestIsText(t *testing.T) {
	c, _ := corpus.Default()
	d := digest.Compose(c, tokyo9("2023-03-01"), 7)
	if !d.Empty() {
		t.Skip("not empty")
	}
	msgs := DigestMessages(d)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	tm, ok := msgs[0].(*messaging_api.TextMessage)
	if !ok || !strings.Contains(tm.Text, "この期間の交流会・期限はありません") || !strings.Contains(tm.Text, "「配信停止」") {
		t.Errorf("empty digest: %#v", msgs[0])
	}
}

// Every answer to every question of the test sets respects LINE's limits.
func TestRepliesRespectLimits(t *testing.T) {
	b := realBot(t)
	var qs []string
	for _, fn := range []string{"../../search/testdata/questions.tsv", "../../search/testdata/questions2.tsv"} {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if q, _, _ := strings.Cut(sc.Text(), "\t"); q != "" && !strings.HasPrefix(q, "#") {
				qs = append(qs, q)
			}
		}
		f.Close()
	}
	qs = append(qs, "第四北越銀行", "セーフティネット保証の期限", "連絡先を教えて", "", "ヘルプ", strings.Repeat("事業承継 ", 200))
	intents := map[string]int{}
	for _, now := range []string{"2023-11-01", "2024-06-01"} {
		for _, q := range qs {
			r := b.Answer(context.Background(), q, tokyo9(now))
			intents[r.Intent]++
			out := replyMessages(r, true)
			checkLimits(t, q, marshalMessages(t, out.msgs))
			if out.plain != nil {
				checkLimits(t, q+" (plain)", marshalMessages(t, out.plain))
			}
		}
	}
	for _, in := range []string{bot.IntentAnswer, bot.IntentCandidates, bot.IntentEvents, bot.IntentDeadlines, bot.IntentContact, bot.IntentInstitution, bot.IntentNotFound} {
		if intents[in] == 0 {
			t.Errorf("no question exercised %s", in)
		}
	}
}

func TestLongAnswerIsSplit(t *testing.T) {
	r := bot.Reply{Intent: bot.IntentNotFound, Text: strings.Repeat("あいうえお\n", 3000)} // 18,000 units
	out := replyMessages(r, true)
	if len(out.msgs) != 4 {
		t.Errorf("%d messages, want 4", len(out.msgs))
	}
	checkLimits(t, "long", marshalMessages(t, out.msgs))
	huge := bot.Reply{Intent: bot.IntentNotFound, Text: strings.Repeat("長", 40000)}
	out = replyMessages(huge, true)
	if len(out.msgs) != MaxMessages || !strings.Contains(out.msgs[MaxMessages-1].(*messaging_api.TextMessage).Text, "省略しました") {
		t.Errorf("huge: %d messages", len(out.msgs))
	}
	checkLimits(t, "huge", marshalMessages(t, out.msgs))
}

func TestClipCountsUTF16(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"事業承継", 4, "事業承継"},
		{"事業承継支援", 4, "事業承…"},
		{"👍👍👍", 4, "👍…"}, // an emoji is two units
		{"  abc  ", 3, "abc"},
	} {
		if got := clip(tc.in, tc.max); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestPostbackFits(t *testing.T) {
	long := strings.Repeat("取引先の\"海外展開\"と<事業承継>&", 40)
	p := postback{Action: actionFeedback, Good: true, ID: "2023-1-16", Title: long, Question: long}
	data := encodePostback(p)
	if n := utf8.RuneCountInString(data); n > MaxPostbackData {
		t.Fatalf("%d characters", n)
	}
	got, ok := decodePostback(data)
	if !ok || got.ID != p.ID || !got.Good || !strings.HasPrefix(long, got.Title) {
		t.Errorf("round trip: %+v", got)
	}
	if short := encodePostback(postback{Action: actionPick, Title: "BCP"}); short != `{"a":"pick","t":"BCP"}` {
		t.Errorf("pick data %s", short)
	}
	for _, bad := range []string{"", "fb", `{"a":"fb"}`, `{"a":"pick"}`, `{"a":"other","id":"x"}`, strings.Repeat("x", 2000)} {
		if _, ok := decodePostback(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct{ in, cmd, arg string }{
		{"配信停止", cmdStop, ""},
		{" 配信停止。", cmdStop, ""},
		{"配信開始", cmdStart, ""},
		{"配信再開！", cmdStart, ""},
		{"配信設定", cmdSettings, ""},
		{"配信設定　交流会のみ", cmdSettings, "交流会のみ"},
		{"配信設定期限", cmdSettings, "期限"},
		{"配信停止の方法を教えて", "", ""},
		{"事業承継", "", ""},
	} {
		cmd, arg, _ := parseCommand(tc.in)
		if cmd != tc.cmd || arg != tc.arg {
			t.Errorf("%q: %q %q, want %q %q", tc.in, cmd, arg, tc.cmd, tc.arg)
		}
	}
}

func TestRepliesWithoutCards(t *testing.T) {
	for _, in := range []string{bot.IntentAnswer, bot.IntentCandidates, bot.IntentEvents, bot.IntentDeadlines, bot.IntentContact, bot.IntentInstitution, bot.IntentError, bot.IntentEmpty} {
		out := replyMessages(bot.Reply{Intent: in, Lead: "x", Text: "申し訳ありません。"}, false)
		checkLimits(t, in, marshalMessages(t, out.msgs))
	}
}
