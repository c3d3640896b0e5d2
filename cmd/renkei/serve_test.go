package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `renkei serve` in-process with a fresh store and returns
// its address, its log and a stop function that reports run's error.
func startServe(t *testing.T, extraEnv map[string]string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	addr := freeAddr(t)
	vars := map[string]string{"RENKEI_STORE_DSN": filepath.Join(t.TempDir(), "renkei.db"), "RENKEI_LOG_LEVEL": "debug"}
	for k, v := range extraEnv {
		vars[k] = v
	}
	logs := &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: logs, Stderr: logs, Getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), env) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not stop within 10 s")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return addr, logs, stop
}

func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	doc, err := os.ReadFile("../../corpus/data/kinyu-renkei-program-2023.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2023.txt"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	addr, logs, stop := startServe(t, nil, "--corpus", dir, "--log-format", "text")
	base := "http://" + addr

	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	for _, path := range []string{"/slack/events", "/line/webhook"} {
		resp, _ := http.Post(base+path, "application/json", strings.NewReader("{}"))
		if resp.StatusCode != 404 {
			t.Errorf("%s without credentials: %d", path, resp.StatusCode)
		}
		resp.Body.Close()
	}
	if !strings.Contains(logs.String(), "Slack is off") || !strings.Contains(logs.String(), "LINE is off") {
		t.Errorf("the log does not say Slack and LINE are off:\n%s", logs)
	}
	code, v := postJSON(t, base+"/api/ask", `{"question":"事業承継","now":"2023-11-01"}`)
	if code != 200 || !strings.Contains(v["lead"].(string), "事業承継") {
		t.Fatalf("ask: %d %v", code, v)
	}

	// A broken document on reload: the old index keeps serving.
	if err := os.WriteFile(filepath.Join(dir, "2023.txt"), []byte("\x00broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, v := postJSON(t, base+"/admin/reload", ""); code != 422 {
		t.Errorf("reload of a broken corpus: %d %v", code, v)
	}
	if code, v := postJSON(t, base+"/api/ask", `{"question":"事業承継"}`); code != 200 || !strings.Contains(v["lead"].(string), "事業承継") {
		t.Errorf("after a failed reload: %d %v", code, v)
	}
	// Fixed, it reloads; the metrics count both.
	if err := os.WriteFile(filepath.Join(dir, "2023.txt"), doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _ := postJSON(t, base+"/admin/reload", ""); code != 200 {
		t.Errorf("reload: %d", code)
	}
	resp, _ := http.Get(base + "/metrics")
	var mb bytes.Buffer
	mb.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`renkei_corpus_reloads_total{result="failed"} 1`, `renkei_corpus_reloads_total{result="ok"} 1`,
		`renkei_questions_total{outcome="answered",platform="console"} 2`, "renkei_answer_seconds_bucket"} {
		if !strings.Contains(mb.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve returned %v on shutdown", err)
	}
	if !strings.Contains(logs.String(), "renkei stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs)
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
		return map[string]string{"RENKEI_DIGEST_SCHEDULE": "every monday"}[k]
	}}
	err := run(context.Background(), []string{"serve", "--addr", freeAddr(t)}, env)
	if err == nil || !strings.Contains(err.Error(), "digest.schedule") {
		t.Errorf("err = %v", err)
	}
}

// TestBinarySIGTERM builds the command and checks it exits 0 on SIGTERM.
func TestBinarySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "renkei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), "RENKEI_STORE_DSN="+filepath.Join(t.TempDir(), "db"))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 20*time.Second {
			cmd.Process.Kill()
			t.Fatalf("no start:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ready after %v", time.Since(start))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 10 s")
	}
}

func TestReportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "renkei.db")
	addr, _, stop := startServe(t, map[string]string{"RENKEI_STORE_DSN": db})
	for _, q := range []string{"住宅ローンの金利の比較", "住宅ローンの金利の比較", "事業承継", "次の新現役交流会"} {
		if code, _ := postJSON(t, "http://"+addr+"/api/ask", `{"question":"`+q+`","now":"2023-11-01"}`); code != 200 {
			t.Fatal(code)
		}
	}
	postJSON(t, "http://"+addr+"/api/feedback", `{"question":"事業承継","answer_id":"2023-1-20","answer_title":"中小企業に対する事業承継支援の推進","good":false}`)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
		return map[string]string{"RENKEI_STORE_DSN": db}[k]
	}}
	if err := run(context.Background(), []string{"report", "--since", "2023-01-01"}, env); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"質問 4件", "2\t住宅ローンの金利の比較", "中小企業に対する事業承継支援の推進"} {
		if !strings.Contains(strings.ReplaceAll(out.String(), "  ", "\t"), want) && !strings.Contains(out.String(), strings.ReplaceAll(want, "\t", " ")) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"report", "--since", "2023-01-01", "--json"}, env); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Questions  int `json:"questions"`
		Unanswered []struct {
			Text string `json:"text"`
			N    int    `json:"n"`
		} `json:"unanswered"`
		Disliked []struct{ Question string } `json:"disliked"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Questions != 4 || len(v.Unanswered) != 1 || v.Unanswered[0].N != 2 || len(v.Disliked) != 1 {
		t.Errorf("%v %+v\n%s", err, v, out.String())
	}
}

func TestHealthCommand(t *testing.T) {
	addr, _, _ := startServe(t, nil)
	if out, _, code := runCmd(t, "", "health", "--addr", addr); code != 0 || strings.TrimSpace(out) != "ok" {
		t.Errorf("healthy server: code %d %q", code, out)
	}
	if _, _, code := runCmd(t, "", "health", "--addr", freeAddr(t)); code != 1 {
		t.Errorf("no server: code %d", code)
	}
}

// A port already taken stops serve with an error instead of leaving it
// running with nothing served.
func TestServePortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out bytes.Buffer
	vars := map[string]string{"RENKEI_STORE_DSN": filepath.Join(t.TempDir(), "db"), "RENKEI_LINE_CHANNEL_SECRET": "s", "RENKEI_LINE_CHANNEL_TOKEN": "t",
		"RENKEI_LINE_API_ENDPOINT": "http://127.0.0.1:1"}
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return vars[k] }}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), []string{"serve", "--addr", ln.Addr().String()}, env) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve kept running without its port")
	}
}
