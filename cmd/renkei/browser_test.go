package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's headless-capable browser; CI installs it and
// must not skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (.ci/run installs the chromium package)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// dumpDOM loads a page in headless Chromium, lets its scripts run, and
// returns the resulting DOM.
func dumpDOM(t *testing.T, browser, page string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=10000", "--run-all-compositor-stages-before-draw", "--dump-dom", page)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("chromium: %v\n%s", err, stderr)
	}
	return string(out)
}

// TestConsoleInBrowser drives the console page in a real browser: the
// question goes in the box (?q= submits through the same handler as the
// button), the answer comes back as a card.
func TestConsoleInBrowser(t *testing.T) {
	browser := chromium(t)
	addr, _, _ := startServe(t, nil)
	dom := dumpDOM(t, browser, "http://"+addr+"/?q="+url.QueryEscape("事業承継")+"&now=2023-11-01")
	for _, want := range []string{`bot reply`, `class="card-title"`, "中小企業に対する事業承継支援の推進", "https://www.kanto.meti.go.jp/seisaku/jigyoshokei/index.html", "048-600-0256"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page does not show %q:\n%.3000s", want, dom)
		}
	}
	dom = dumpDOM(t, browser, "http://"+addr+"/?q="+url.QueryEscape("次の新現役交流会")+"&now=2023-11-01")
	if !strings.Contains(dom, "小松川信用金庫") {
		t.Errorf("event card missing:\n%.3000s", dom)
	}
}
