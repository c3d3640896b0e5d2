package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs the command line with buffers and an empty environment.
func runCmd(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := run(context.Background(), args, env)
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
	default:
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"corpus", "--bogus"}, {"corpus", "extra"}} {
		_, stderr, code := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(stderr, "使い方") {
			t.Errorf("%q: code %d stderr %q", args, code, stderr)
		}
	}
	out, _, code := runCmd(t, "", "help")
	if code != 0 || !strings.Contains(out, "corpus") {
		t.Errorf("help: %d %q", code, out)
	}
	out, _, code = runCmd(t, "", "help", "corpus")
	if code != 0 || !strings.Contains(out, "--strict") && !strings.Contains(out, "-strict") {
		t.Errorf("help corpus: %d %q", code, out)
	}
}

func TestCorpusJSON(t *testing.T) {
	out, stderr, code := runCmd(t, "", "corpus", "--json", "--strict")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var doc struct {
		Program struct {
			Edition   int    `json:"edition"`
			Published string `json:"published"`
		} `json:"program"`
		Measures []struct {
			Category, Title, URL string
			Number, Page         int
		} `json:"measures"`
		Events []struct {
			Series, Title, Start, End, Precision, Host, Venue, Format string
		} `json:"events"`
		Deadlines []struct{ Date, Precision, Text, Measure string } `json:"deadlines"`
		Contacts  []struct{ Phone, Email string }                   `json:"contacts"`
		Warnings  []any                                             `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Program.Edition != 2023 || doc.Program.Published != "2023-10-19" || len(doc.Measures) != 34 || len(doc.Events) != 21 || doc.Warnings == nil || len(doc.Warnings) != 0 {
		t.Errorf("program %+v, %d measures, %d events, warnings %v", doc.Program, len(doc.Measures), len(doc.Events), doc.Warnings)
	}
	e := doc.Events[0]
	if e.Start != "2023-05-23" || e.End != "2023-05-26" || e.Precision != "day" || e.Host != "亀有信用金庫" || e.Format != "対面・WEB" {
		t.Errorf("first event %+v", e)
	}
	found := false
	for _, d := range doc.Deadlines {
		found = found || d.Date == "2023-12-31" && strings.Contains(d.Text, "セーフティネット保証4号") && d.Measure == "2023-1-19"
	}
	if !found {
		t.Error("no セーフティネット保証4号 deadline in JSON")
	}
	if doc.Contacts[0].Phone != "048-600-0256" {
		t.Errorf("contacts %+v", doc.Contacts)
	}
}

func TestCorpusFolderAndStrict(t *testing.T) {
	dir := t.TempDir()
	doc, err := os.ReadFile("../../corpus/data/kinyu-renkei-program-2023.txt")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(doc), "⑯ 先導的・先進的な知財支援の取組支援\n", "\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "2023.txt"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCmd(t, "", "corpus", "--corpus", dir)
	if code != 0 || !strings.Contains(out, "本文が見つかりません") {
		t.Errorf("summary: code %d\n%s", code, out)
	}
	if _, stderr, code := runCmd(t, "", "corpus", "--corpus", dir, "--strict"); code != 1 {
		t.Errorf("--strict with warnings: code %d %s", code, stderr)
	}
	if _, stderr, code := runCmd(t, "", "corpus", "--corpus", filepath.Join(dir, "missing")); code != 1 || stderr == "" {
		t.Errorf("missing folder: code %d %q", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.yaml"), []byte("events:\n  - start: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCmd(t, "", "corpus", "--corpus", dir); code != 1 || !strings.Contains(stderr, "line 2") {
		t.Errorf("bad overlay: code %d %q", code, stderr)
	}
}

func TestAskJSONLines(t *testing.T) {
	out, stderr, code := runCmd(t, "事業承継\n\n次の新現役交流会\n住宅ローンの金利の比較\n問い合わせ先\n", "ask", "--json", "--now", "2023-11-01")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines for 5 questions:\n%s", len(lines), out)
	}
	type result struct {
		Kind, ID, Title, URL, Start, End, Host, Venue, Phone, Email string
		Score                                                       float64
	}
	var rs []struct {
		Query   string   `json:"query"`
		Text    string   `json:"text"`
		Results []result `json:"results"`
	}
	for _, l := range lines {
		var r struct {
			Query   string   `json:"query"`
			Text    string   `json:"text"`
			Results []result `json:"results"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rs = append(rs, r)
	}
	if rs[0].Query != "事業承継" || len(rs[0].Results) == 0 || rs[0].Results[0].Kind != "measure" || !strings.Contains(rs[0].Results[0].Title, "事業承継") || rs[0].Results[0].URL == "" {
		t.Errorf("事業承継: %+v", rs[0])
	}
	if rs[1].Query != "" || rs[1].Results == nil {
		t.Errorf("an empty line keeps its place and has results []: %+v", rs[1])
	}
	if e := rs[2].Results[0]; e.Kind != "event" || e.Start != "2023-11-15" || e.Host != "小松川信用金庫" || e.Venue == "" {
		t.Errorf("next event: %+v", e)
	}
	if len(rs[3].Results) != 0 {
		t.Errorf("off-topic answered: %+v", rs[3].Results)
	}
	if c := rs[4].Results[0]; c.Kind != "contact" || c.Phone != "048-600-0256" || c.Email == "" {
		t.Errorf("contact: %+v", c)
	}
	if _, _, code := runCmd(t, "", "ask", "--now", "2023/11/01", "x"); code != 2 {
		t.Errorf("bad --now: code %d", code)
	}
	out, _, _ = runCmd(t, "", "ask", "--now", "2024-06-01", "事業承継")
	if !strings.Contains(out, "2023年度版の情報です") || !strings.Contains(out, "事業承継") {
		t.Errorf("plain text:\n%s", out)
	}
}

func TestDigestCommand(t *testing.T) {
	out, stderr, code := runCmd(t, "", "digest", "--now", "2023-10-01", "--days", "30", "--json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var d struct {
		From, To string
		Edition  int
		Items    []struct{ Kind, Title, Start, End, Precision, Host, Venue, URL, Measure string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.From != "2023-10-01" || d.To != "2023-10-30" || d.Edition != 2023 || len(d.Items) == 0 {
		t.Fatalf("%+v", d)
	}
	if it := d.Items[0]; it.Kind != "event" || it.Start != "2023-10-04" || it.End != "2023-10-05" || it.Host != "大東京信用組合" || it.URL == "" || it.Measure == "" {
		t.Errorf("first item %+v", it)
	}
	for _, it := range d.Items {
		if it.Start == "2023-11-15" {
			t.Errorf("11/15 is outside the period: %+v", it)
		}
	}
	text, _, code := runCmd(t, "", "digest", "--now", "2023-10-01", "--days", "30")
	if code != 0 || !strings.Contains(text, "あと3日") || !strings.Contains(text, "大東京信用組合") {
		t.Errorf("text digest:\n%s", text)
	}
	// --send without anywhere to send explains itself.
	var buf bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &buf, Stderr: &buf, Getenv: func(k string) string {
		return map[string]string{"RENKEI_STORE_DSN": filepath.Join(t.TempDir(), "db")}[k]
	}}
	err := run(context.Background(), []string{"digest", "--send", "--now", "2023-10-01"}, env)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(ee.msg, "送信先がありません") {
		t.Errorf("--send without targets: %v %s", err, buf.String())
	}
}

// With two editions, the newest answers alone (no duplicate 「もしかして」).
func TestTwoEditionsAnswerFromTheNewest(t *testing.T) {
	dir := t.TempDir()
	doc, err := os.ReadFile("../../corpus/data/kinyu-renkei-program-2023.txt")
	if err != nil {
		t.Fatal(err)
	}
	next := strings.ReplaceAll(string(doc), "連携プログラム2023", "連携プログラム2024")
	for name, text := range map[string]string{"2023.txt": string(doc), "2024.txt": next} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runCmd(t, "", "ask", "--json", "--corpus", dir, "--now", "2024-11-01", "事業承継")
	if code != 0 {
		t.Fatal(stderr)
	}
	var r struct {
		Intent  string
		Results []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Intent != "answer" || len(r.Results) == 0 || r.Results[0].ID != "2024-1-20" {
		t.Errorf("%s", out)
	}
	for _, res := range r.Results {
		if strings.HasPrefix(res.ID, "2023-") {
			t.Errorf("an older edition's measure in the results: %s", out)
		}
	}
}
