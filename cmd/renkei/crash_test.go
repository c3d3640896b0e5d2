package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kanto-renkei/renkei/internal/store"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// renkeiBinary builds the command once per test run.
func renkeiBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "renkei-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "renkei")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// fakePlatforms is a fake Slack Web API and LINE Messaging API that
// record what they accepted. LINE's retry keys are honoured as the real
// API does: a key seen before answers 409 and delivers nothing.
type fakePlatforms struct {
	mu          sync.Mutex
	slackPosts  map[string]int // channel → chat.postMessage calls
	lineGot     map[string]int // user → deliveries
	keys        map[string]bool
	multicasts  int
	hangAt      int // the multicast call that delivers, then hangs
	slackHangAt int // the chat.postMessage call that posts, then hangs
	slackCalls  int
	history     map[string][]string // channel → metadata of posted messages
	hung        chan struct{}       // closed when it hangs
	release     chan struct{}
}

func newFakePlatforms() *fakePlatforms {
	return &fakePlatforms{slackPosts: map[string]int{}, lineGot: map[string]int{}, keys: map[string]bool{},
		hung: make(chan struct{}), release: make(chan struct{})}
}

func (f *fakePlatforms) slack() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/auth.test"):
			fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"T1"}`)
		case strings.HasSuffix(r.URL.Path, "/chat.postMessage"):
			ch, meta := r.Form.Get("channel"), r.Form.Get("metadata")
			f.mu.Lock()
			f.slackPosts[ch]++
			if f.history == nil {
				f.history = map[string][]string{}
			}
			if meta != "" {
				f.history[ch] = append(f.history[ch], meta)
			}
			f.slackCalls++
			n := f.slackCalls
			f.mu.Unlock()
			if n == f.slackHangAt {
				close(f.hung) // posted; the sender is killed before it hears back
				<-f.release
				return
			}
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.000100"}`, ch)
		case strings.HasSuffix(r.URL.Path, "/conversations.history"):
			// What Slack keeps: the messages with their metadata.
			f.mu.Lock()
			var msgs []string
			for _, m := range f.history[r.Form.Get("channel")] {
				msgs = append(msgs, `{"type":"message","ts":"1700000000.000100","metadata":`+m+`}`)
			}
			f.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"messages":[%s],"has_more":false}`, strings.Join(msgs, ","))
		default:
			fmt.Fprint(w, `{"ok":true}`)
		}
	})
}

func (f *fakePlatforms) line() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/bot/message/multicast" {
			w.WriteHeader(200)
			fmt.Fprint(w, `{}`)
			return
		}
		var body struct {
			To []string `json:"to"`
		}
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &body)
		key := r.Header.Get("X-Line-Retry-Key")
		f.mu.Lock()
		f.multicasts++
		n := f.multicasts
		if f.keys[key] {
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"message":"The retry key is already accepted"}`)
			return
		}
		f.keys[key] = true
		for _, u := range body.To {
			f.lineGot[u]++
		}
		f.mu.Unlock()
		if n == f.hangAt {
			close(f.hung) // delivered; the sender is killed before it hears back
			<-f.release
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	})
}

// TestDigestCrashResumesExactlyOnce sends a digest to 2 Slack channels and
// 1,234 LINE subscribers with the real binary, kills it with SIGKILL in the
// middle of the LINE multicasts, restarts it, and checks from what the fake
// platforms recorded that every target got the digest exactly once.
func TestDigestCrashResumesExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	t.Run("killed during the LINE multicasts", func(t *testing.T) { digestCrash(t, func(f *fakePlatforms) { f.hangAt = 2 }) })
	t.Run("killed during the Slack posts", func(t *testing.T) { digestCrash(t, func(f *fakePlatforms) { f.slackHangAt = 2 }) })
}

func digestCrash(t *testing.T, setup func(*fakePlatforms)) {
	bin := renkeiBinary(t)
	f := newFakePlatforms()
	setup(f)
	slackSrv := httptest.NewServer(f.slack())
	defer slackSrv.Close()
	lineSrv := httptest.NewServer(f.line())
	defer lineSrv.Close()
	defer close(f.release)

	dsn := filepath.Join(t.TempDir(), "renkei.db")
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for i := 0; i < 1234; i++ {
		u := fmt.Sprintf("U%032d", i)
		users = append(users, u)
		if err := st.Subscribe(context.Background(), u, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	env := append(os.Environ(),
		"RENKEI_STORE_DSN="+dsn,
		"RENKEI_SLACK_BOT_TOKEN=xoxb-test", "RENKEI_SLACK_SIGNING_SECRET=test-secret", "RENKEI_SLACK_API_URL="+slackSrv.URL+"/api/",
		"RENKEI_DIGEST_SLACK_CHANNELS=C1,C2",
		"RENKEI_LINE_CHANNEL_SECRET=line-secret", "RENKEI_LINE_CHANNEL_TOKEN=line-token", "RENKEI_LINE_API_ENDPOINT="+lineSrv.URL,
		"RENKEI_LOG_LEVEL=debug")
	args := []string{"digest", "--send", "--now", "2023-10-01", "--days", "30"}

	first := exec.Command(bin, args...)
	first.Env = env
	var out1 syncBuffer
	first.Stdout, first.Stderr = &out1, &out1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-f.hung:
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		t.Fatalf("the sender never reached the point of the kill:\n%s", out1.String())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	second := exec.Command(bin, args...)
	second.Env = env
	out2, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, out2)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range users {
		if f.lineGot[u] != 1 {
			t.Fatalf("LINE user %s got the digest %d times\nfirst run:\n%s\nsecond run:\n%s", u, f.lineGot[u], out1.String(), out2)
		}
	}
	for _, ch := range []string{"C1", "C2"} {
		if f.slackPosts[ch] == 0 {
			t.Errorf("Slack channel %s got nothing", ch)
		}
	}
	for ch, metas := range f.history {
		seen := map[string]bool{}
		for _, m := range metas {
			if seen[m] {
				t.Errorf("channel %s got the digest part %s twice", ch, m)
			}
			seen[m] = true
		}
	}
	if f.slackPosts["C1"] != f.slackPosts["C2"] {
		t.Errorf("channels got different numbers of messages: %v", f.slackPosts)
	}
	if !strings.Contains(string(out2), "送信") {
		t.Errorf("no summary:\n%s", out2)
	}
	// A third run sends nothing at all.
	before, calls := fmt.Sprint(f.slackPosts), f.multicasts
	f.mu.Unlock()
	third := exec.Command(bin, args...)
	third.Env = env
	out3, err := third.CombinedOutput()
	f.mu.Lock()
	if err != nil || fmt.Sprint(f.slackPosts) != before || f.multicasts != calls {
		t.Errorf("third run sent again: %v %v→%v multicasts %d→%d\n%s", err, before, f.slackPosts, calls, f.multicasts, out3)
	}
}
