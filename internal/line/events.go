package line

import (
	"context"
	"log/slog"
	"strings"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/digest"
	"github.com/kanto-renkei/renkei/internal/store"
)

// eventMeta is what every handled event carries.
type eventMeta struct {
	id         string // webhookEventId
	redelivery bool
	userID     string // "" for groups and rooms, which renkei does not serve
	replyToken string
}

// metaOf reads the meta of the events renkei handles; ok is false for
// every other type (they are acknowledged and ignored).
func metaOf(ev webhook.EventInterface) (m eventMeta, ok bool) {
	var (
		src webhook.SourceInterface
		dc  *webhook.DeliveryContext
	)
	switch e := ev.(type) {
	case webhook.MessageEvent:
		m.id, m.replyToken, src, dc = e.WebhookEventId, e.ReplyToken, e.Source, e.DeliveryContext
	case webhook.FollowEvent:
		m.id, m.replyToken, src, dc = e.WebhookEventId, e.ReplyToken, e.Source, e.DeliveryContext
	case webhook.UnfollowEvent:
		m.id, src, dc = e.WebhookEventId, e.Source, e.DeliveryContext
	case webhook.PostbackEvent:
		m.id, m.replyToken, src, dc = e.WebhookEventId, e.ReplyToken, e.Source, e.DeliveryContext
	default:
		return m, false
	}
	if dc != nil {
		m.redelivery = dc.IsRedelivery
	}
	switch s := src.(type) {
	case webhook.UserSource:
		m.userID = s.UserId
	case *webhook.UserSource:
		m.userID = s.UserId
	}
	return m, true
}

// handle does what an event asks and replies. Errors are logged and
// counted where they happen; the user is told in Japanese.
func (a *Adapter) handle(ctx context.Context, ev webhook.EventInterface, m eventMeta) {
	var out outgoing
	switch e := ev.(type) {
	case webhook.MessageEvent:
		if t, ok := e.Message.(webhook.TextMessageContent); ok {
			out = a.onText(ctx, m, t.Text)
		} else {
			out = textOnly(notTextMessage, exampleReplies())
		}
	case webhook.FollowEvent:
		out = a.onFollow(ctx, m)
	case webhook.UnfollowEvent:
		a.onUnfollow(ctx, m)
		return
	case webhook.PostbackEvent:
		var data string
		if e.Postback != nil {
			data = e.Postback.Data
		}
		out = a.onPostback(ctx, m, data)
	}
	if err := a.reply(ctx, m, out); err != nil {
		a.log.ErrorContext(ctx, "LINE answer not delivered", "event", m.id, "type", ev.GetType(), "err", err)
	}
}

// User-facing sentences.
const (
	notTextMessage    = "メッセージは文字でお送りください。施策名やキーワード（例: 事業承継、次の新現役交流会）でお答えします。"
	storeUnavailable  = "現在、配信設定を保存できません。しばらくしてから、もう一度お試しください。"
	storeOff          = "現在、配信設定を保存できません（この環境では配信の登録を受け付けていません）。"
	internalError     = "申し訳ありません。内部でエラーが発生しました。時間をおいて再度お試しください。"
	feedbackThanks    = "ご評価ありがとうございます。今後の回答の参考にします。"
	feedbackSorry     = "ご意見ありがとうございます。回答の改善に役立てます。言葉を変えて質問していただくと、別の施策が見つかることもあります。"
	feedbackNotStored = "現在、評価を保存できません。しばらくしてから、もう一度お試しください。"
)

func (a *Adapter) onText(ctx context.Context, m eventMeta, text string) outgoing {
	if cmd, arg, ok := parseCommand(text); ok {
		return a.command(ctx, m, cmd, arg)
	}
	r := a.asker.Ask(ctx, Platform, text, a.now())
	return replyMessages(r, a.store != nil)
}

// Commands.
const (
	cmdStop     = "stop"
	cmdStart    = "start"
	cmdSettings = "settings"
)

// parseCommand recognises the subscription commands, written alone:
// 「配信停止」「配信開始」「配信設定」「配信設定 交流会」.
func parseCommand(text string) (cmd, arg string, ok bool) {
	s := strings.TrimRight(corpus.Normalize(text), "。.!！")
	switch s {
	case "配信停止", "配信解除", "配信を停止", "配信をやめる":
		return cmdStop, "", true
	case "配信開始", "配信再開", "配信を開始", "配信を再開":
		return cmdStart, "", true
	}
	if rest, found := strings.CutPrefix(s, "配信設定"); found {
		return cmdSettings, strings.TrimSpace(rest), true
	}
	return "", "", false
}

// topicChoices maps what people write after 「配信設定」 to stored topics
// (nil: everything).
var topicChoices = []struct {
	words  []string
	topics []string
	label  string
}{
	{[]string{"すべて", "全て", "全部", "すべてのお知らせ"}, nil, "すべて（交流会・イベントと期限）"},
	{[]string{"交流会", "交流会のみ", "イベント", "イベントのみ", "交流会・イベント"}, []string{digest.TopicEvent}, "交流会・イベントのみ"},
	{[]string{"期限", "期限のみ", "締切", "締切のみ", "締め切り"}, []string{digest.TopicDeadline}, "期限のみ"},
}

func (a *Adapter) command(ctx context.Context, m eventMeta, cmd, arg string) outgoing {
	if a.store == nil {
		return textOnly(storeOff, nil)
	}
	now := a.now()
	switch cmd {
	case cmdStop:
		if err := a.store.Unsubscribe(ctx, m.userID, now); err != nil {
			return a.storeFailed(ctx, m, "unsubscribe", err)
		}
		return textOnly("週次ダイジェストの配信を停止しました。再開するときは「配信開始」と送ってください。", []quickItem{msgItem("配信開始", "配信開始")})
	case cmdStart:
		if err := a.store.Subscribe(ctx, m.userID, now); err != nil {
			return a.storeFailed(ctx, m, "subscribe", err)
		}
		sub, _, err := a.store.Subscription(ctx, m.userID)
		if err != nil {
			a.log.WarnContext(ctx, "LINE subscription not read back", "event", m.id, "err", err)
		}
		return textOnly("週次ダイジェストの配信を開始しました（配信内容: "+topicsLabel(sub.Topics)+"）。\n内容は「配信設定」で選べます。停止するときは「配信停止」と送ってください。", settingsItems())
	}
	// 配信設定 [choice]
	for _, c := range topicChoices {
		for _, w := range c.words {
			if arg == w {
				return a.setTopics(ctx, m, c.topics, c.label)
			}
		}
	}
	sub, ok, err := a.store.Subscription(ctx, m.userID)
	if err != nil {
		return a.storeFailed(ctx, m, "subscription", err)
	}
	state := "配信: 停止中"
	if ok && sub.Subscribed {
		state = "配信: 受信中（" + sub.Since.In(corpus.Tokyo).Format("2006年1月2日") + "から）"
	}
	ask := "下のボタンから、届ける内容を選んでください。"
	if arg != "" {
		ask = "「配信設定 交流会のみ」のように送るか、下のボタンから選んでください（すべて／交流会のみ／期限のみ）。"
	}
	return textOnly("週次ダイジェストの配信設定です。\n"+state+"\n内容: "+topicsLabel(sub.Topics)+"\n\n"+ask, settingsItems())
}

func (a *Adapter) setTopics(ctx context.Context, m eventMeta, topics []string, label string) outgoing {
	if err := a.store.SetTopics(ctx, m.userID, topics, a.now()); err != nil {
		return a.storeFailed(ctx, m, "set topics", err)
	}
	msg := "配信内容を「" + label + "」にしました。"
	if sub, ok, err := a.store.Subscription(ctx, m.userID); err == nil && (!ok || !sub.Subscribed) {
		msg += "\n現在、配信は停止中です。受け取るには「配信開始」と送ってください。"
		return textOnly(msg, []quickItem{msgItem("配信開始", "配信開始")})
	}
	return textOnly(msg, nil)
}

// storeFailed tells the user their change was not saved (and nothing
// else changed), logging why.
func (a *Adapter) storeFailed(ctx context.Context, m eventMeta, op string, err error) outgoing {
	if store.IsUnavailable(err) {
		a.log.WarnContext(ctx, "LINE subscription change not saved: store unavailable", "op", op, "event", m.id, "err", err)
		return textOnly(storeUnavailable, nil)
	}
	a.log.ErrorContext(ctx, "LINE subscription change failed", "op", op, "event", m.id, "err", err)
	return textOnly(internalError, nil)
}

func topicsLabel(topics []string) string {
	if len(topics) == 0 {
		return topicChoices[0].label
	}
	var labels []string
	for _, t := range topics {
		switch t {
		case digest.TopicEvent:
			labels = append(labels, "交流会・イベント")
		case digest.TopicDeadline:
			labels = append(labels, "期限")
		default:
			labels = append(labels, t)
		}
	}
	return strings.Join(labels, "・")
}

func settingsItems() []quickItem {
	return []quickItem{
		msgItem("すべて", "配信設定 すべて"),
		msgItem("交流会のみ", "配信設定 交流会のみ"),
		msgItem("期限のみ", "配信設定 期限のみ"),
		msgItem("配信停止", "配信停止"),
	}
}

// onFollow welcomes a user and subscribes them to the digest.
func (a *Adapter) onFollow(ctx context.Context, m eventMeta) outgoing {
	sub := subscribed
	if a.store == nil {
		sub = subscriptionOff
	} else if err := a.store.Subscribe(ctx, m.userID, a.now()); err != nil {
		sub = subscriptionFailed
		level := slog.LevelError
		if store.IsUnavailable(err) {
			level = slog.LevelWarn
		}
		a.log.Log(ctx, level, "LINE follower not subscribed to the digest", "event", m.id, "err", err)
	}
	return welcomeMessages(sub)
}

// onUnfollow forgets the user: subscription, topics and feedback. Storage
// being down is retried a few times; if it stays down, the user id is
// logged so that an operator can finish the deletion.
func (a *Adapter) onUnfollow(ctx context.Context, m eventMeta) {
	if a.store == nil {
		return
	}
	var err error
	for attempt := 0; attempt <= a.retries; attempt++ {
		if err = a.store.DeleteUser(ctx, Platform, m.userID); err == nil {
			a.log.InfoContext(ctx, "LINE user unfollowed; their data was deleted", "event", m.id)
			return
		}
		if !store.IsUnavailable(err) || a.sleep(ctx, a.backoff<<attempt) != nil {
			break
		}
	}
	a.log.ErrorContext(ctx, "LINE user unfollowed but their data could not be deleted; delete it by hand", "event", m.id, "user", m.userID, "err", err)
}

// onPostback handles the buttons renkei sent: feedback and a chosen
// candidate. Data it did not write is ignored politely.
func (a *Adapter) onPostback(ctx context.Context, m eventMeta, data string) outgoing {
	p, ok := decodePostback(data)
	if !ok {
		a.log.WarnContext(ctx, "LINE postback not understood", "event", m.id, "bytes", len(data))
		return textOnly("このボタンは現在ご利用いただけません。もう一度ご質問ください。", exampleReplies())
	}
	switch p.Action {
	case actionPick:
		r := a.asker.Ask(ctx, Platform, p.Title, a.now())
		return replyMessages(r, a.store != nil)
	case actionFeedback:
		if a.store == nil {
			return textOnly(feedbackNotStored, nil)
		}
		f := store.Feedback{Platform: Platform, UserID: m.userID, Question: p.Question, AnswerID: p.ID,
			AnswerTitle: p.Title, Good: p.Good, At: a.now()}
		if err := a.store.AddFeedback(ctx, f); err != nil {
			if store.IsUnavailable(err) {
				a.log.WarnContext(ctx, "LINE feedback not saved: store unavailable", "event", m.id, "err", err)
			} else {
				a.log.ErrorContext(ctx, "LINE feedback not saved", "event", m.id, "err", err)
			}
			return textOnly(feedbackNotStored, nil)
		}
		if p.Good {
			return textOnly(feedbackThanks, nil)
		}
		return textOnly(feedbackSorry, exampleReplies())
	}
	return outgoing{}
}
