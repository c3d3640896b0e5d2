package app

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/bot"
	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/store"
)

type noSearch struct{}

func (noSearch) Search(context.Context, bot.Query) ([]bot.Hit, error) { return nil, nil }

type recLog struct {
	mu   sync.Mutex
	recs []store.QuestionRecord
	err  error
}

func (r *recLog) LogQuestion(_ context.Context, q store.QuestionRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, q)
	return r.err
}

func TestAskRecordsAndReloadKeepsOldOnFailure(t *testing.T) {
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	builds, fail := 0, false
	closed := 0
	build := func(context.Context) (Built, error) {
		builds++
		if fail {
			return Built{}, errors.New("broken document")
		}
		return Built{Bot: bot.New(c, noSearch{}, nil), Close: func() { closed++ }}, nil
	}
	rl := &recLog{}
	a, err := New(context.Background(), build, rl, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 11, 1, 9, 0, 0, 0, corpus.Tokyo)
	if r := a.Ask(context.Background(), "console", "次の新現役交流会", now); r.Intent != bot.IntentEvents {
		t.Errorf("intent %s", r.Intent)
	}
	a.Ask(context.Background(), "slack", "量子コンピュータの補助金", now) // no search hits: not found
	a.Ask(context.Background(), "slack", "ヘルプ", now)          // help is not logged
	if len(rl.recs) != 2 || rl.recs[0].Question != "" || rl.recs[0].Platform != "console" || rl.recs[1].Question != "量子コンピュータの補助金" || rl.recs[1].Outcome != "not_found" {
		t.Errorf("records %+v", rl.recs)
	}
	old := a.Bot()
	fail = true
	if err := a.Reload(context.Background()); err == nil || a.Bot() != old {
		t.Errorf("failed reload: err %v, bot swapped %v", err, a.Bot() != old)
	}
	fail = false
	if err := a.Reload(context.Background()); err != nil || a.Bot() == old {
		t.Errorf("reload: %v", err)
	}
	// A failing question log does not fail the answer.
	rl.err = errors.New("disk full")
	if r := a.Ask(context.Background(), "line", "事業承継", now); r.Text == "" {
		t.Error("no answer when the log fails")
	}
	if builds != 3 {
		t.Errorf("%d builds", builds)
	}
	a.Close()
	if closed != 1 {
		t.Errorf("closing the app closed %d bots", closed)
	}
}
