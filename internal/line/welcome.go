package line

import (
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kanto-renkei/renkei/bot"
)

// What became of a new follower's digest subscription.
type subscriptionState int

const (
	subscribed         subscriptionState = iota
	subscriptionFailed                   // the store was down or refused
	subscriptionOff                      // this service keeps no subscriptions
)

const welcomeIntro = "友だち追加ありがとうございます。\n" +
	"関東経済産業局「地域金融機関との連携プログラム」について、施策・交流会・期限・問い合わせ先をお答えします。\n" +
	"取引先の課題や施策名を、そのまま送ってください（例: 事業承継、取引先の海外進出を後押ししたい、次の新現役交流会）。"

func welcomeDigest(s subscriptionState) string {
	switch s {
	case subscribed:
		return "週次ダイジェスト（今後の交流会と期限のお知らせ）を毎週お届けします。\n" +
			"・届ける内容を選ぶ:「配信設定」\n" +
			"・配信を止める:「配信停止」"
	case subscriptionFailed:
		return "週次ダイジェスト（交流会と期限のお知らせ）の配信登録が、ただいまできませんでした。" +
			"しばらくしてから「配信開始」と送ってください。"
	}
	return ""
}

// welcomeMessages greet a new follower: what to ask, and the digest they
// were subscribed to (with how to stop it).
func welcomeMessages(s subscriptionState) outgoing {
	intro := welcomeIntro
	if d := welcomeDigest(s); d != "" {
		intro += "\n\n" + d
	}
	items := exampleReplies()
	if s != subscriptionOff {
		items = append(items, msgItem("配信設定", "配信設定"))
	}
	qr := quickReply(items)

	var examples []messaging_api.FlexComponentInterface
	for _, q := range bot.Examples {
		examples = append(examples, button(q, &messaging_api.MessageAction{Label: clip(q, maxLabel), Text: q}, messaging_api.FlexButtonSTYLE_SECONDARY))
	}
	body := []messaging_api.FlexComponentInterface{
		text("知りたいことを、短い言葉か文章で送ってください。下のボタンでも試せます。", "sm", ""),
		&messaging_api.FlexBox{Layout: messaging_api.FlexBoxLAYOUT_VERTICAL, Spacing: "sm", Contents: examples},
		text("「ヘルプ」で使い方を表示します。", "xs", colorMuted),
	}
	b := bubble(header("連携プログラム案内", "こんな質問にお答えします"), body, nil)
	alt := "質問の例: " + strings.Join(bot.Examples, "、")
	flex := &messaging_api.FlexMessage{AltText: clip(alt, MaxAltText), Contents: &b, QuickReply: qr}
	plain := textMessages(intro+"\n\n"+alt+"\n「ヘルプ」で使い方を表示します。", MaxMessages, qr)
	return outgoing{msgs: []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: intro}, flex}, plain: plain}
}

// exampleReplies are quick replies with the bot's example questions.
func exampleReplies() []quickItem {
	items := make([]quickItem, 0, len(bot.Examples)+1)
	for _, q := range bot.Examples {
		items = append(items, msgItem(q, q))
	}
	return append(items, msgItem("ヘルプ", "ヘルプ"))
}
