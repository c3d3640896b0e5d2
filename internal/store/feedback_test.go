package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestNormQuestion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"補助金の締切は？", "補助金の締切は"},
		{"補助金の締切は?", "補助金の締切は"},
		{"　補助金の締切は　", "補助金の締切は"},
		{"ＩＴ導入補助金とは。", "it導入補助金とは"},
		{"事業承継  について!!", "事業承継 について"},
		{"？", ""},
		{"", ""},
	} {
		if got := normQuestion(tc.in); got != tc.want {
			t.Errorf("normQuestion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReport(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	since := t0
	before := since.Add(-time.Second)
	at := since.Add(time.Hour)

	qs := []QuestionRecord{
		// Before the window: ignored everywhere.
		{Platform: PlatformSlack, Question: "古い質問", Outcome: OutcomeNotFound, At: before},
		{Platform: PlatformSlack, Question: "古い", Outcome: OutcomeAnswered, TopID: "m9", TopTitle: "古い施策", At: before},
		// Exactly at since: counted.
		{Platform: PlatformSlack, Question: "ＩＴ導入補助金の締切は？", Outcome: OutcomeNotFound, At: since},
		{Platform: PlatformLINE, Question: "IT導入補助金の締切は", Outcome: OutcomeNotFound, At: at},
		{Platform: PlatformLINE, Question: "it導入補助金の締切は?", Outcome: OutcomeNotFound, At: at},
		{Platform: PlatformSlack, Question: "農業の融資", Outcome: OutcomeNotFound, At: at},
		{Platform: PlatformSlack, Question: "あ", Outcome: OutcomeNotFound, At: at},
		{Platform: PlatformSlack, Question: "事業承継", Outcome: OutcomeAnswered, TopID: "m1", TopTitle: "事業承継支援", At: at},
		{Platform: PlatformLINE, Question: "引継ぎ", Outcome: OutcomeAnswered, TopID: "m1", TopTitle: "事業承継支援", At: at},
		{Platform: PlatformSlack, Question: "DX", Outcome: OutcomeAnswered, TopID: "m2", TopTitle: "DX推進", At: at},
		{Platform: PlatformSlack, Question: "補助", Outcome: OutcomeCandidates, TopID: "m3", TopTitle: "補助金一覧", At: at},
	}
	for _, q := range qs {
		must(t, s.LogQuestion(ctx, q))
	}
	fb := []Feedback{
		{Platform: PlatformSlack, UserID: "U1", Question: "事業承継？", AnswerID: "m1", AnswerTitle: "事業承継支援", At: at},
		{Platform: PlatformLINE, UserID: "U2", Question: "事業承継", AnswerID: "m1", AnswerTitle: "事業承継支援", At: at},
		{Platform: PlatformLINE, UserID: "U3", Question: "事業承継", AnswerID: "m1", AnswerTitle: "事業承継支援", Good: true, At: at},
		{Platform: PlatformSlack, UserID: "U1", Question: "DX", AnswerID: "m2", AnswerTitle: "DX推進", At: at},
		{Platform: PlatformSlack, UserID: "U1", Question: "古い", AnswerID: "m9", AnswerTitle: "古い施策", At: before},
	}
	for _, f := range fb {
		must(t, s.AddFeedback(ctx, f))
	}

	for _, tc := range []struct {
		name  string
		limit int
		want  Report
	}{
		{"all", 0, Report{
			Questions: 9, NotFound: 5,
			Unanswered: []Count{{"it導入補助金の締切は", 3}, {"あ", 1}, {"農業の融資", 1}},
			Disliked: []DislikedAnswer{
				{Question: "事業承継", AnswerID: "m1", AnswerTitle: "事業承継支援", N: 2},
				{Question: "dx", AnswerID: "m2", AnswerTitle: "DX推進", N: 1},
			},
			Topics: []Count{{"事業承継支援", 2}, {"DX推進", 1}},
		}},
		{"limit 1", 1, Report{
			Questions: 9, NotFound: 5,
			Unanswered: []Count{{"it導入補助金の締切は", 3}},
			Disliked:   []DislikedAnswer{{Question: "事業承継", AnswerID: "m1", AnswerTitle: "事業承継支援", N: 2}},
			Topics:     []Count{{"事業承継支援", 2}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Report(ctx, since, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Since = since
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Report =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}

	empty, err := s.Report(ctx, at.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Questions != 0 || empty.NotFound != 0 || empty.Unanswered != nil || empty.Disliked != nil || empty.Topics != nil {
		t.Errorf("Report after the last row = %+v; want empty", empty)
	}
}

func TestFeedbackAndQuestionArguments(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	for name, err := range map[string]error{
		"feedback without platform": s.AddFeedback(ctx, Feedback{UserID: "U1", At: t0}),
		"feedback without user":     s.AddFeedback(ctx, Feedback{Platform: PlatformLINE, At: t0}),
		"feedback zero time":        s.AddFeedback(ctx, Feedback{Platform: PlatformLINE, UserID: "U1"}),
		"question without platform": s.LogQuestion(ctx, QuestionRecord{Outcome: OutcomeAnswered, At: t0}),
		"question unknown outcome":  s.LogQuestion(ctx, QuestionRecord{Platform: PlatformLINE, Outcome: "error", At: t0}),
		"question zero time":        s.LogQuestion(ctx, QuestionRecord{Platform: PlatformLINE, Outcome: OutcomeAnswered}),
	} {
		if err == nil || IsUnavailable(err) {
			t.Errorf("%s = %v; want an argument error", name, err)
		}
	}
}
