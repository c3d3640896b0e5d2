package main

import (
	"bytes"
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

// TestPlatformFaults: the Slack API drops every connection; renkei retries
// within bounds, gives up with a log line and a metric, and keeps serving
// LINE and everything else meanwhile.
func TestPlatformFaults(t *testing.T) {
	var mu sync.Mutex
	slackCalls, lineReplies := 0, 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
			mu.Lock()
			slackCalls++
			mu.Unlock()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the connection drops mid-request
			}
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v2/bot/message/") {
			mu.Lock()
			lineReplies++
			mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT"}`)
	}))
	defer api.Close()
	addr, logs, _ := startServe(t, platformEnv(api.URL, filepath.Join(t.TempDir(), "db")))
	base := "http://" + addr

	send := func(h webhook) {
		resp, err := http.DefaultClient.Do(h.request(t, base))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", h.name, resp.StatusCode)
		}
	}
	send(webhook{name: "slack DM", path: "/slack/events", contentType: "application/json", body: slackEvent("EvF1", "事業承継"), sign: "slack"})
	send(webhook{name: "line", path: "/line/webhook", contentType: "application/json", body: lineEvent("01F1", "BCP"), sign: "line"})
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		done := lineReplies >= 1 && strings.Contains(logs.String(), `"msg":"slack API call failed"`)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if lineReplies != 1 {
		t.Errorf("LINE was not served while Slack failed: %d replies", lineReplies)
	}
	if slackCalls < 2 || slackCalls > 4 {
		t.Errorf("Slack tried %d times; want bounded retries (2..4)", slackCalls)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var m bytes.Buffer
	m.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(m.String(), `renkei_platform_api_errors_total{op="chat.postMessage",platform="slack"}`) {
		t.Errorf("no platform error metric:\n%s", grepLines(m.String(), "renkei_platform"))
	}
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("health while Slack is down: %v", err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestStoreReadOnly: with the store read-only, questions are still
// answered, a subscription change gets a clear message, and nothing
// already stored is lost.
func TestStoreReadOnly(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "renkei.db")
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	user := "U0123456789abcdef0123456789abcdef"
	if err := st.Subscribe(context.Background(), user, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	rec := &platformRecorder{}
	api := httptest.NewServer(rec.handler())
	defer api.Close()
	addr, logs, stop := startServe(t, platformEnv(api.URL, "file:"+dsn+"?mode=ro"))
	base := "http://" + addr
	req, _ := http.NewRequest(http.MethodPost, base+"/api/ask", strings.NewReader(`{"question":"事業承継"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer console-token-for-tests")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Lead string }
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(v.Lead, "事業承継") {
		t.Errorf("a question with a read-only store: %d %q", resp.StatusCode, v.Lead)
	}
	h := webhook{name: "stop", path: "/line/webhook", contentType: "application/json", body: lineEvent("01RO", "配信停止"), sign: "line"}
	resp, err = http.DefaultClient.Do(h.request(t, base))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, l := rec.counts(); l > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	rec.mu.Lock()
	reply := strings.Join(rec.bodies, "\n")
	rec.mu.Unlock()
	if !strings.Contains(reply, "保存できません") {
		t.Errorf("no clear message for a failed subscription change:\n%s", reply)
	}
	if resp, _ := http.Get(base + "/readyz"); resp == nil || resp.StatusCode != 200 {
		t.Errorf("readyz with a read-only but answering store: %v", resp)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if sub, ok, err := st.Subscription(context.Background(), user); err != nil || !ok || !sub.Subscribed {
		t.Errorf("the stored subscription was lost or changed: %+v %v %v", sub, ok, err)
	}
	if !strings.Contains(logs.String(), "question log not written") {
		t.Errorf("the failed question log is not logged")
	}
}

// TestKillDuringSubscriptionWrites follows many users, kills the server
// with SIGKILL while it is writing their subscriptions, restarts it, and
// checks that every user who was welcomed (the welcome is sent after the
// subscription is committed) is subscribed, and that the store is intact.
func TestKillDuringSubscriptionWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := renkeiBinary(t)
	var mu sync.Mutex
	welcomed := map[string]bool{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v2/bot/message/reply" && bytes.Contains(body, []byte("友だち追加ありがとうございます")) {
			var v struct{ ReplyToken string }
			_ = json.Unmarshal(body, &v)
			mu.Lock()
			welcomed[strings.TrimPrefix(v.ReplyToken, "rt-")] = true
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	}))
	defer api.Close()
	dsn := filepath.Join(t.TempDir(), "renkei.db")
	start := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = os.Environ()
		for k, v := range platformEnv(api.URL, dsn) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				break
			}
			if i > 400 {
				cmd.Process.Kill()
				t.Fatal("server did not start")
			}
			time.Sleep(50 * time.Millisecond)
		}
		return cmd, "http://" + addr
	}
	follow := func(i int) string {
		uid := fmt.Sprintf("U%032d", i)
		return fmt.Sprintf(`{"destination":"Ubot","events":[{"type":"follow","mode":"active","timestamp":1700000000000,"webhookEventId":"01K%020d",`+
			`"deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":%q},"replyToken":"rt-%s"}]}`, i, uid, uid)
	}
	cmd, base := start()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < 400; i += 8 {
				h := webhook{path: "/line/webhook", contentType: "application/json", body: follow(i), sign: "line"}
				resp, err := http.DefaultClient.Do(h.request(t, base))
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	wg.Wait()

	cmd, _ = start() // recovers the WAL at open
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("the store does not open after the kill: %v", err)
	}
	defer st.Close()
	subs, err := st.Subscribers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, s := range subs {
		have[s.UserID]++
	}
	mu.Lock()
	defer mu.Unlock()
	if len(welcomed) == 0 {
		t.Fatal("nobody was welcomed before the kill: the test proves nothing")
	}
	for u := range welcomed {
		if have[u] != 1 {
			t.Errorf("user %s was welcomed but is stored %d times", u, have[u])
		}
	}
	t.Logf("%d welcomed before the kill, %d subscriptions after restart", len(welcomed), len(subs))
}
