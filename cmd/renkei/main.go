// Command renkei is the Kanto Bureau's 連携プログラム bot for regional bank
// staff: it answers questions about the program's measures (施策) on Slack,
// LINE and a console page, and posts a weekly digest.
//
// main only wires: flags, configuration, signals, start and stop.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Tokyo on machines without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := run(ctx, os.Args[1:], env)
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "renkei:", ee.msg)
		}
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "renkei:", err)
		os.Exit(1)
	}
}

// Env is what a command may touch of the outside world; tests pass buffers
// and a fake getenv.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// exitError ends the process with a code; msg may be empty when the command
// already explained itself.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, env *Env) error
}

func commands() []command {
	return []command{
		{"serve", "[--config FILE] [--addr HOST:PORT] [--corpus DIR] [--log-format json|text]", "ボットを起動（HTTP サーバ・コンソール画面・Slack・LINE・週次ダイジェスト）", runServe},
		{"digest", "[--now YYYY-MM-DD] [--days N] [--json] [--send]", "週次ダイジェストを表示（--send で送信、送信済みの宛先は除く）", runDigest},
		{"corpus", "[--corpus DIR] [--json] [--strict]", "読み込んだプログラム文書の内容（施策・イベント・期限・連絡先・警告）を表示", runCorpus},
		{"ask", `[--json] [--now YYYY-MM-DD] ["質問"]`, "質問に答える（質問を省略すると標準入力から1行1問）", runAsk},
		{"report", "[--config FILE] [--since YYYY-MM-DD] [--json]", "見つからなかった質問・👎の回答・よく聞かれた施策の集計", runReport},
		{"reload", "[--config FILE] [--addr HOST:PORT]", "起動中のサーバに文書を再読み込みさせる（SIGHUP と同じ）", runReload},
		{"health", "[--addr HOST:PORT]", "起動中のサーバの /healthz を確認（コンテナの HEALTHCHECK 用）", runHealth},
		{"loadtest", "[--requests N] [--concurrency C] [--subscribers N]", "開発者向け: 127.0.0.1 で署名付き Webhook とダイジェストの負荷を測る", runLoadtest},
		{"help", "[COMMAND]", "使い方を表示", nil},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "renkei — 地域金融機関との連携プログラム ボット")
	fmt.Fprintln(w, "\n使い方: renkei <command> [flags]")
	fmt.Fprintln(w, "\nコマンド:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\n各コマンドの詳細: renkei help <command>")
}

func run(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 {
		usage(env.Stderr)
		return &exitError{code: 2}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 {
			for _, c := range commands() {
				if c.name == rest[0] && c.run != nil {
					return c.run(ctx, []string{"-h"}, &Env{Stdout: env.Stdout, Stderr: env.Stdout, Getenv: env.Getenv, Stdin: env.Stdin})
				}
			}
		}
		usage(env.Stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, rest, env)
		}
	}
	fmt.Fprintf(env.Stderr, "renkei: 不明なコマンドです: %q\n\n", name)
	usage(env.Stderr)
	return &exitError{code: 2}
}
