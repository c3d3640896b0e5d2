package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/server"
	"github.com/kanto-renkei/renkei/internal/store"
)

// runReport prints the bureau's report from the store.
func runReport(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "report", "[--config FILE] [--since YYYY-MM-DD] [--json]",
		"見つからなかった質問・👎の付いた回答・よく聞かれた施策を集計します。")
	cfgPath := fs.String("config", "", "設定ファイル（省略時は RENKEI_CONFIG）")
	sinceFlag := fs.String("since", "", "集計開始日（省略時は30日前）")
	asJSON := fs.Bool("json", false, "JSON で出力")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env, *cfgPath, nil)
	if err != nil {
		return err
	}
	if cfg.Store.DSN == "" {
		return &exitError{code: 1, msg: "store.dsn が未設定のため、レポートはありません"}
	}
	since := time.Now().In(corpus.Tokyo).AddDate(0, 0, -30)
	if *sinceFlag != "" {
		if since, err = time.ParseInLocation("2006-01-02", *sinceFlag, corpus.Tokyo); err != nil {
			fmt.Fprintf(env.Stderr, "renkei report: --since は YYYY-MM-DD で指定してください: %q\n", *sinceFlag)
			return &exitError{code: 2}
		}
	}
	since = corpus.Date(since.Year(), since.Month(), since.Day())
	st, err := store.Open(ctx, cfg.Store.DSN)
	if err != nil {
		return fmt.Errorf("store %s: %w", cfg.Store.DSN, err)
	}
	defer st.Close()
	rep, err := st.Report(ctx, since, 50)
	if err != nil {
		return err
	}
	v := server.ViewReport(rep)
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return writeReport(env.Stdout, v)
}

func writeReport(w io.Writer, v server.ReportView) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "%s 以降: 質問 %d件、見つからなかった質問 %d件\n", v.Since, v.Questions, v.NotFound)
	fmt.Fprintln(tw, "\n■ 見つからなかった質問（同義語・文書改善の候補）")
	if len(v.Unanswered) == 0 {
		fmt.Fprintln(tw, "  なし")
	}
	for _, c := range v.Unanswered {
		fmt.Fprintf(tw, "  %d\t%s\n", c.N, c.Text)
	}
	fmt.Fprintln(tw, "\n■ 👎 が付いた回答")
	if len(v.Disliked) == 0 {
		fmt.Fprintln(tw, "  なし")
	}
	for _, d := range v.Disliked {
		fmt.Fprintf(tw, "  %d\t%s\t→ %s\n", d.N, d.Question, d.AnswerTitle)
	}
	fmt.Fprintln(tw, "\n■ よく聞かれた施策")
	if len(v.Topics) == 0 {
		fmt.Fprintln(tw, "  なし")
	}
	for _, c := range v.Topics {
		fmt.Fprintf(tw, "  %d\t%s\n", c.N, c.Text)
	}
	return tw.Flush()
}

// runReload asks a running server to re-read its corpus.
func runReload(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "reload", "[--config FILE] [--addr HOST:PORT]", "起動中のサーバにプログラム文書を再読み込みさせます（SIGHUP と同じ）。")
	cfgPath := fs.String("config", "", "設定ファイル（省略時は RENKEI_CONFIG）")
	addr := fs.String("addr", "", "サーバのアドレス（省略時は設定の server.addr）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env, *cfgPath, nil)
	if err != nil {
		return err
	}
	target := cfg.Server.Addr
	if *addr != "" {
		target = *addr
	}
	if strings.HasPrefix(target, ":") || strings.HasPrefix(target, "0.0.0.0:") {
		target = "127.0.0.1" + target[strings.LastIndex(target, ":"):]
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+target+"/admin/reload", nil)
	if err != nil {
		return err
	}
	if cfg.Console.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Console.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("サーバ %s に接続できません: %v", target, err)}
	}
	defer resp.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: 1, msg: fmt.Sprintf("再読み込みに失敗しました（%d）: %s %s", resp.StatusCode, body["error"], body["detail"])}
	}
	fmt.Fprintln(env.Stdout, "再読み込みしました。")
	return nil
}

// runHealth checks a running server's /healthz: the container HEALTHCHECK
// (the image has no shell or curl).
func runHealth(ctx context.Context, args []string, env *Env) error {
	fs := newFlags(env, "health", "[--addr HOST:PORT]", "起動中のサーバの /healthz を確認します（コンテナの HEALTHCHECK 用）。")
	addr := fs.String("addr", "", "サーバのアドレス（省略時は RENKEI_ADDR、なければ 127.0.0.1:8080）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	target := *addr
	if target == "" {
		target = env.Getenv("RENKEI_ADDR")
	}
	if target == "" {
		target = "127.0.0.1:8080"
	}
	if strings.HasPrefix(target, ":") || strings.HasPrefix(target, "0.0.0.0:") {
		target = "127.0.0.1" + target[strings.LastIndex(target, ":"):]
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+target+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("%s に接続できません", target)}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: 1, msg: fmt.Sprintf("/healthz が %d を返しました", resp.StatusCode)}
	}
	fmt.Fprintln(env.Stdout, "ok")
	return nil
}
