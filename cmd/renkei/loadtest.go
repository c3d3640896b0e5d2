package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/config"
	"github.com/kanto-renkei/renkei/internal/digest"
)

// runLoadtest measures renkei under load on this machine only: it starts
// fake Slack and LINE APIs and renkei itself on 127.0.0.1, sends signed
// webhooks, and reports throughput, acknowledgement latency, memory and
// goroutines before and after, then a digest to many LINE subscribers.
func runLoadtest(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "loadtest", "[--requests N] [--concurrency C] [--subscribers N]",
		"開発者向け: 127.0.0.1 上の偽 Slack/LINE API と renkei に署名付き Webhook を送り、性能を測ります。")
	n := fs.Int("requests", 10000, "送る Webhook の数（Slack と LINE を半分ずつ）")
	conc := fs.Int("concurrency", 32, "同時接続数")
	subs := fs.Int("subscribers", 10000, "ダイジェストを送る LINE 購読者の数")
	cpuprofile := fs.String("cpuprofile", "", "CPU プロファイルの出力先（開発者向け）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *n < 2 || *conc < 1 || *subs < 0 {
		fmt.Fprintln(env.Stderr, "renkei loadtest: --requests は2以上、--concurrency は1以上を指定してください")
		return &exitError{code: 2}
	}
	var slackPosts, lineReplies, lineMulticasts atomic.Int64
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if filepath.Base(r.URL.Path) == "chat.postMessage" {
			slackPosts.Add(1)
		}
		fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","channel":"C1","ts":"1.1"}`)
	}))
	defer slackAPI.Close()
	lineAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/v2/bot/message/reply":
			lineReplies.Add(1)
		case "/v2/bot/message/multicast":
			lineMulticasts.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	}))
	defer lineAPI.Close()

	dir, err := os.MkdirTemp("", "renkei-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	const slackSecret, lineSecret = "load-slack-secret", "load-line-secret"
	cfg := config.Default()
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Store.DSN = filepath.Join(dir, "renkei.db")
	cfg.Slack = config.Slack{SigningSecret: slackSecret, BotToken: "xoxb-load", APIURL: slackAPI.URL + "/api/"}
	cfg.LINE = config.LINE{ChannelSecret: lineSecret, ChannelToken: "load-token", APIEndpoint: lineAPI.URL}
	off := false
	cfg.Digest.Enabled = &off
	cfg.Log.Level = "error"
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	svc, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- svc.Run(sctx, func(a string) { addrc <- a }) }()
	base := "http://" + <-addrc

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}, Timeout: 10 * time.Second}
	questions := []string{"事業承継", "次の新現役交流会", "BCP", "取引先の海外進出を後押ししたい", "問い合わせ先", "住宅ローンの金利"}
	request := func(i int) (*http.Request, error) {
		q := questions[i%len(questions)]
		if i%2 == 0 {
			body := fmt.Sprintf(`{"type":"event_callback","team_id":"T1","api_app_id":"A1","event_id":"Ev%08d","event_time":%d,`+
				`"event":{"type":"message","channel_type":"im","channel":"D%06d","user":"U%06d","text":%q,"ts":"%d.%06d"}}`,
				i, time.Now().Unix(), i%500, i%500, q, time.Now().Unix(), i)
			req, err := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewBufferString(body))
			if err != nil {
				return nil, err
			}
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			mac := hmac.New(sha256.New, []byte(slackSecret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
			return req, nil
		}
		body := fmt.Sprintf(`{"destination":"Ubot","events":[{"type":"message","mode":"active","timestamp":%d,"webhookEventId":"01LOAD%020d",`+
			`"deliveryContext":{"isRedelivery":false},"source":{"type":"user","userId":"U%032d"},"replyToken":"rt%d",`+
			`"message":{"type":"text","id":"%d","quoteToken":"q","text":%q}}]}`, time.Now().UnixMilli(), i, i%500, i, i, q)
		req, err := http.NewRequest(http.MethodPost, base+"/line/webhook", bytes.NewBufferString(body))
		if err != nil {
			return nil, err
		}
		mac := hmac.New(sha256.New, []byte(lineSecret))
		mac.Write([]byte(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Line-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		return req, nil
	}

	// Warm up (connections, the first answers), then measure.
	for i := 0; i < 20; i++ {
		if req, err := request(1_000_000 + i); err == nil {
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}
	drain(svc)
	g0, m0 := snapshot()

	type round struct {
		lat            []time.Duration
		failures       int64
		elapsed, drain time.Duration
		goroutines     int
		heap           runtime.MemStats
		posts, replies int64
	}
	webhooks := func(offset int) round {
		r := round{lat: make([]time.Duration, *n)}
		var failures, next atomic.Int64
		var wg sync.WaitGroup
		p0, l0 := slackPosts.Load(), lineReplies.Load()
		start := time.Now()
		for w := 0; w < *conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= *n {
						return
					}
					req, err := request(offset + i)
					if err != nil {
						failures.Add(1)
						continue
					}
					t := time.Now()
					resp, err := client.Do(req)
					r.lat[i] = time.Since(t)
					if err != nil {
						failures.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failures.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		r.elapsed = time.Since(start)
		drain(svc)
		r.drain = time.Since(start)
		client.CloseIdleConnections()
		time.Sleep(200 * time.Millisecond) // let idle server connections close
		r.goroutines, r.heap = snapshot()
		r.failures = failures.Load()
		r.posts, r.replies = slackPosts.Load()-p0, lineReplies.Load()-l0
		sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
		return r
	}
	first := webhooks(0)
	second := webhooks(*n) // new event ids: what a second burst leaves behind

	w := env.Stdout
	fmt.Fprintf(w, "## Webhooks (%d a round: half Slack events, half LINE messages; %d concurrent; Go %s, %d CPUs)\n\n", *n, *conc, runtime.Version(), runtime.NumCPU())
	fmt.Fprintf(w, "| metric | round 1 | round 2 |\n| --- | --- | --- |\n")
	row := func(name string, f func(r round) string) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", name, f(first), f(second))
	}
	pct := func(r round, p float64) time.Duration { return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))] }
	row("throughput (acknowledged)", func(r round) string { return fmt.Sprintf("%.0f webhooks/s", float64(*n)/r.elapsed.Seconds()) })
	row("ack latency p50 / p99 / max", func(r round) string {
		return fmt.Sprintf("%.2f / %.2f / %.2f ms", ms(pct(r, 0.50)), ms(pct(r, 0.99)), ms(r.lat[len(r.lat)-1]))
	})
	row("non-200 or failed requests", func(r round) string { return fmt.Sprint(r.failures) })
	row("all answered and posted after", func(r round) string {
		return fmt.Sprintf("%.2f s (Slack posts %d, LINE replies %d)", r.drain.Seconds(), r.posts, r.replies)
	})
	row("goroutines after (before: "+fmt.Sprint(g0)+")", func(r round) string { return fmt.Sprint(r.goroutines) })
	row(fmt.Sprintf("heap in use after GC (before: %.1f MB)", mb(m0.HeapInuse)), func(r round) string { return fmt.Sprintf("%.1f MB", mb(r.heap.HeapInuse)) })
	row("memory obtained from the OS (Sys)", func(r round) string { return fmt.Sprintf("%.1f MB", mb(r.heap.Sys)) })
	fmt.Fprintln(w)

	if *subs > 0 {
		now := time.Date(2023, 10, 1, 9, 0, 0, 0, corpus.Tokyo)
		t := time.Now()
		for i := 0; i < *subs; i++ {
			if err := svc.store.Subscribe(ctx, fmt.Sprintf("U%032x", i), now); err != nil {
				return err
			}
		}
		subscribed := time.Since(t)
		before := lineMulticasts.Load()
		t = time.Now()
		d := digest.Compose(svc.corpus(), now, 30)
		res, err := svc.job.Sender.Send(ctx, d)
		if err != nil {
			return err
		}
		took := time.Since(t)
		fmt.Fprintf(w, "## Digest to %d LINE subscribers\n\n| metric | value |\n| --- | --- |\n", *subs)
		fmt.Fprintf(w, "| time to send (plan, multicasts, delivery log) | %.2f s |\n", took.Seconds())
		fmt.Fprintf(w, "| multicast calls | %d (≤ 500 ids each) |\n", lineMulticasts.Load()-before)
		fmt.Fprintf(w, "| users sent / failed | %d / %d |\n", res.Sent, res.Failed)
		fmt.Fprintf(w, "| (subscribing them first took) | %.2f s |\n", subscribed.Seconds())
	}
	stop()
	return <-served
}

// drain waits until every webhook taken has been answered and posted.
func drain(s *service) {
	if s.slack != nil {
		s.slack.Wait()
	}
	if s.line != nil {
		s.line.Wait()
	}
}

func snapshot() (int, runtime.MemStats) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func mb(b uint64) float64        { return float64(b) / (1 << 20) }
