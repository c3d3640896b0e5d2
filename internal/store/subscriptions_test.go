package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestSubscribeLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)

	if _, ok, err := s.Subscription(ctx, "U1"); ok || err != nil {
		t.Fatalf("unknown user: ok=%v err=%v; want false, nil", ok, err)
	}
	must(t, s.Subscribe(ctx, "U1", t0))
	must(t, s.SetTopics(ctx, "U1", []string{"事業承継", "DX・デジタル化", "創業支援"}, t1))
	must(t, s.Unsubscribe(ctx, "U1", t2))

	sub, ok, err := s.Subscription(ctx, "U1")
	if err != nil || !ok {
		t.Fatalf("after unsubscribe: ok=%v err=%v", ok, err)
	}
	if sub.Subscribed || !sub.Since.Equal(t0) || !sub.UpdatedAt.Equal(t2) || len(sub.Topics) != 3 {
		t.Errorf("after unsubscribe = %+v; want kept row, unsubscribed, since %v, topics kept", sub, t0)
	}

	// Re-subscribing keeps Since and topics.
	must(t, s.Subscribe(ctx, "U1", t3))
	sub, _, err = s.Subscription(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	want := Subscription{
		UserID: "U1", Subscribed: true,
		Topics: []string{"事業承継", "DX・デジタル化", "創業支援"},
		Since:  t0, UpdatedAt: t3,
	}
	if !equalSub(sub, want) {
		t.Errorf("after re-subscribe =\n %+v\nwant\n %+v", sub, want)
	}
	if sub.Since.Location() != time.UTC {
		t.Errorf("Since zone = %v, want UTC", sub.Since.Location())
	}

	// Subscribing twice is harmless.
	must(t, s.Subscribe(ctx, "U1", t3))
}

func TestUnsubscribeUnknownUser(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	if err := s.Unsubscribe(ctx, "Unobody", t0); err != nil {
		t.Errorf("Unsubscribe of an unknown user: %v", err)
	}
	if _, ok, _ := s.Subscription(ctx, "Unobody"); ok {
		t.Error("Unsubscribe created a row")
	}
}

func TestSetTopics(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	for _, tc := range []struct {
		name   string
		topics []string
		want   []string
	}{
		{"japanese", []string{"事業承継・引継ぎ", "ＩＴ導入補助金", "絵文字😀"}, []string{"事業承継・引継ぎ", "ＩＴ導入補助金", "絵文字😀"}},
		{"quotes and commas", []string{`"a", b`, "c\\d"}, []string{`"a", b`, "c\\d"}},
		{"order kept", []string{"b", "a"}, []string{"b", "a"}},
		{"empty clears", []string{}, nil},
		{"nil clears", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must(t, s.SetTopics(ctx, "U1", tc.topics, t0))
			sub, ok, err := s.Subscription(ctx, "U1")
			if err != nil || !ok {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if !slices.Equal(sub.Topics, tc.want) || (tc.want == nil) != (sub.Topics == nil) {
				t.Errorf("Topics = %#v, want %#v", sub.Topics, tc.want)
			}
		})
	}
}

func TestSetTopicsBeforeSubscribing(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	must(t, s.SetTopics(ctx, "U1", []string{"創業"}, t0))
	sub, ok, err := s.Subscription(ctx, "U1")
	if err != nil || !ok || sub.Subscribed || !sub.Since.IsZero() {
		t.Fatalf("topics before subscribing = %+v, %v, %v; want an unsubscribed row, zero Since", sub, ok, err)
	}
	if subs, _ := s.Subscribers(ctx); len(subs) != 0 {
		t.Errorf("Subscribers = %v; want none", subs)
	}
	t1 := t0.Add(time.Minute)
	must(t, s.Subscribe(ctx, "U1", t1))
	sub, _, _ = s.Subscription(ctx, "U1")
	if !sub.Subscribed || !sub.Since.Equal(t1) || !slices.Equal(sub.Topics, []string{"創業"}) {
		t.Errorf("after Subscribe = %+v; want subscribed since %v with topics", sub, t1)
	}
}

func TestSubscribersPage(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	// Inserted out of order; U3 unsubscribes, U6 only set topics.
	for _, u := range []string{"U5", "U1", "U4", "U2", "U3", "U7"} {
		must(t, s.Subscribe(ctx, u, t0))
	}
	must(t, s.Unsubscribe(ctx, "U3", t0))
	must(t, s.SetTopics(ctx, "U6", []string{"x"}, t0))

	all, err := s.Subscribers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(all); fmt.Sprint(got) != "[U1 U2 U4 U5 U7]" {
		t.Errorf("Subscribers = %v", got)
	}

	for _, tc := range []struct {
		after string
		limit int
		want  string
	}{
		{"", 2, "[U1 U2]"},
		{"U2", 2, "[U4 U5]"},
		{"U5", 2, "[U7]"},
		{"U7", 2, "[]"},
		{"U3", 0, "[U4 U5 U7]"},
		{"", -1, "[U1 U2 U4 U5 U7]"},
	} {
		page, err := s.SubscribersPage(ctx, tc.after, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids(page)); got != tc.want {
			t.Errorf("SubscribersPage(%q, %d) = %s, want %s", tc.after, tc.limit, got, tc.want)
		}
	}

	// Paging to the end visits everyone once.
	var seen []string
	after := ""
	for {
		page, err := s.SubscribersPage(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		seen = append(seen, ids(page)...)
		after = page[len(page)-1].UserID
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids(all)) {
		t.Errorf("paged = %v, want %v", seen, ids(all))
	}
}

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	must(t, s.Subscribe(ctx, "U1", t0))
	must(t, s.Subscribe(ctx, "U2", t0))
	for _, f := range []Feedback{
		{Platform: PlatformLINE, UserID: "U1", Question: "補助金", AnswerID: "m1", At: t0},
		{Platform: PlatformLINE, UserID: "U1", Question: "融資", AnswerID: "m2", Good: true, At: t0},
		{Platform: PlatformLINE, UserID: "U2", Question: "補助金", AnswerID: "m1", At: t0},
		{Platform: PlatformSlack, UserID: "U1", Question: "補助金", AnswerID: "m1", At: t0}, // a Slack user with the same id
	} {
		must(t, s.AddFeedback(ctx, f))
	}
	must(t, s.LogQuestion(ctx, QuestionRecord{Platform: PlatformLINE, Question: "補助金", Outcome: OutcomeNotFound, At: t0}))

	must(t, s.DeleteUser(ctx, PlatformLINE, "U1"))

	if _, ok, _ := s.Subscription(ctx, "U1"); ok {
		t.Error("U1's subscription survived DeleteUser")
	}
	if _, ok, _ := s.Subscription(ctx, "U2"); !ok {
		t.Error("U2's subscription was deleted")
	}
	for _, tc := range []struct {
		platform, user string
		want           int
	}{
		{PlatformLINE, "U1", 0},
		{PlatformLINE, "U2", 1},
		{PlatformSlack, "U1", 1},
	} {
		if got := countFeedback(t, s, tc.platform, tc.user); got != tc.want {
			t.Errorf("feedback rows of %s/%s = %d, want %d", tc.platform, tc.user, got, tc.want)
		}
	}
	rep, err := s.Report(ctx, t0, 0)
	if err != nil || rep.Questions != 1 {
		t.Errorf("question log after DeleteUser = %d, %v; want it kept (it has no user id)", rep.Questions, err)
	}

	// A Slack user has feedback only.
	must(t, s.DeleteUser(ctx, PlatformSlack, "U1"))
	if got := countFeedback(t, s, PlatformSlack, "U1"); got != 0 {
		t.Errorf("Slack feedback after DeleteUser = %d", got)
	}
	if _, ok, _ := s.Subscription(ctx, "U2"); !ok {
		t.Error("DeleteUser(slack, …) touched a LINE subscription")
	}

	// Unknown users and repeated deletes are not errors.
	must(t, s.DeleteUser(ctx, PlatformLINE, "U1"))
	must(t, s.DeleteUser(ctx, PlatformLINE, "Unobody"))
	if err := s.DeleteUser(ctx, "", "U1"); err == nil {
		t.Error("DeleteUser with an empty platform: no error")
	}
}

func TestSubscriptionArguments(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	for name, err := range map[string]error{
		"Subscribe empty user":   s.Subscribe(ctx, "", t0),
		"Subscribe zero time":    s.Subscribe(ctx, "U1", time.Time{}),
		"Unsubscribe empty user": s.Unsubscribe(ctx, "", t0),
		"SetTopics zero time":    s.SetTopics(ctx, "U1", nil, time.Time{}),
	} {
		if err == nil || IsUnavailable(err) {
			t.Errorf("%s = %v; want an argument error", name, err)
		}
	}
}

func countFeedback(t *testing.T, s *Store, platform, user string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM feedback WHERE platform = ? AND user_id = ?`,
		platform, user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ids(subs []Subscription) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, s.UserID)
	}
	return out
}

func equalSub(a, b Subscription) bool {
	return a.UserID == b.UserID && a.Subscribed == b.Subscribed && slices.Equal(a.Topics, b.Topics) &&
		a.Since.Equal(b.Since) && a.UpdatedAt.Equal(b.UpdatedAt)
}
