package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "renkei.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:8080" || c.Digest.Schedule != "0 9 * * 1" || c.Digest.Timezone != "Asia/Tokyo" ||
		c.Digest.Days != 14 || !c.SkipEmpty() || !c.SkipHolidays() || c.Digest.Grace != 6*time.Hour ||
		c.SlackOn() || c.LINEOn() || !c.ConsoleOn() || c.Store.DSN != "./data/renkei.db" || c.Log.Format != "json" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	p := write(t, "server:\n  addr: 127.0.0.1:9000\nlog:\n  format: text\ndigest:\n  days: 7\n  schedule: \"0 8 * * 2\"\n")
	c, err := Load(p, env(map[string]string{"RENKEI_DIGEST_DAYS": "21", "RENKEI_LOG_FORMAT": "json"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:9000" { // file over default
		t.Errorf("addr %s", c.Server.Addr)
	}
	if c.Digest.Days != 21 || c.Log.Format != "json" { // env over file
		t.Errorf("env did not win: days %d format %s", c.Digest.Days, c.Log.Format)
	}
	if c.Digest.Schedule != "0 8 * * 2" || c.Digest.Timezone != "Asia/Tokyo" { // file, and default kept
		t.Errorf("schedule %q tz %q", c.Digest.Schedule, c.Digest.Timezone)
	}
}

func TestSecretsFromEnvEnableIntegrations(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"RENKEI_SLACK_SIGNING_SECRET": "s3cret", "RENKEI_SLACK_BOT_TOKEN": "xoxb-1",
		"RENKEI_LINE_CHANNEL_SECRET": "ls", "RENKEI_LINE_CHANNEL_TOKEN": "lt",
		"RENKEI_DIGEST_SLACK_CHANNELS": "C1, C2,",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SlackOn() || !c.LINEOn() || strings.Join(c.Digest.SlackChannels, "|") != "C1|C2" {
		t.Errorf("%+v", c)
	}
	r := c.Redacted()
	if r.Slack.SigningSecret != "***" || r.Slack.BotToken != "***" || r.LINE.ChannelToken != "***" || c.Slack.BotToken != "xoxb-1" {
		t.Errorf("redaction: %+v / original %+v", r.Slack, c.Slack)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		field      string
	}{
		{"unknown key", "sever:\n  addr: x\n", nil, "file"},
		{"unknown nested key", "digest:\n  schedual: x\n", nil, "file"},
		{"bad type", "digest:\n  days: many\n", nil, "file"},
		{"bad yaml", "digest: [\n", nil, "file"},
		{"bad cron", "digest:\n  schedule: \"every monday\"\n", nil, "digest.schedule"},
		{"bad cron env", "", map[string]string{"RENKEI_DIGEST_SCHEDULE": "61 9 * * 1"}, "digest.schedule"},
		{"bad zone", "digest:\n  timezone: Asia/Tokio\n", nil, "digest.timezone"},
		{"days", "digest:\n  days: 0\n", nil, "digest.days"},
		{"days env", "", map[string]string{"RENKEI_DIGEST_DAYS": "x"}, "RENKEI_DIGEST_DAYS"},
		{"addr", "server:\n  addr: nowhere\n", nil, "server.addr"},
		{"timeout", "server:\n  read_timeout: 0s\n", nil, "server.read_timeout"},
		{"body limit", "server:\n  body_limit: 10\n", nil, "server.body_limit"},
		{"log format", "log:\n  format: xml\n", nil, "log.format"},
		{"log level", "log:\n  level: loud\n", nil, "log.level"},
		{"corpus", "corpus: " + filepath.Join(dir, "missing") + "\n", nil, "corpus"},
		{"synonyms", "synonyms: " + filepath.Join(dir, "missing.txt") + "\n", nil, "synonyms"},
		{"console token", "server:\n  addr: 0.0.0.0:8080\n", nil, "console.token"},
		{"admin token with the console off", "console:\n  enabled: false\nserver:\n  addr: 0.0.0.0:8080\n", nil, "console.token"},
		{"slack enabled without token", "slack:\n  enabled: true\n", nil, "slack.bot_token"},
		{"slack without signing secret", "", map[string]string{"RENKEI_SLACK_BOT_TOKEN": "xoxb-1"}, "slack.signing_secret"},
		{"slack bad app token", "", map[string]string{"RENKEI_SLACK_BOT_TOKEN": "xoxb-1", "RENKEI_SLACK_APP_TOKEN": "xoxb-2"}, "slack.app_token"},
		{"slack bad url", "slack:\n  api_url: slack.com\n", map[string]string{"RENKEI_SLACK_BOT_TOKEN": "xoxb-1", "RENKEI_SLACK_SIGNING_SECRET": "s"}, "slack.api_url"},
		{"line without secret", "", map[string]string{"RENKEI_LINE_CHANNEL_TOKEN": "t"}, "line.channel_secret"},
		{"line enabled without token", "line:\n  enabled: true\n  channel_secret: s\n", nil, "line.channel_token"},
		{"channels without slack", "digest:\n  slack_channels: [C1]\n", nil, "digest.slack_channels"},
		{"negative grace", "digest:\n  grace: -1h\n", nil, "digest.grace"},
	} {
		path := ""
		if tc.file != "" {
			path = write(t, tc.file)
		}
		_, err := Load(path, env(tc.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: err = %v, want field %s", tc.name, err, tc.field)
		}
	}
	if _, err := Load(filepath.Join(dir, "none.yaml"), env(nil)); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSocketModeNeedsNoSigningSecret(t *testing.T) {
	if _, err := Load("", env(map[string]string{"RENKEI_SLACK_BOT_TOKEN": "xoxb-1", "RENKEI_SLACK_APP_TOKEN": "xapp-1"})); err != nil {
		t.Error(err)
	}
}

func TestConsoleTokenAllowsPublicAddr(t *testing.T) {
	c, err := Load("", env(map[string]string{"RENKEI_ADDR": "0.0.0.0:8080", "RENKEI_CONSOLE_TOKEN": "t"}))
	if err != nil || c.Loopback() {
		t.Errorf("%v loopback=%v", err, c.Loopback())
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "localhost:1": true, "[::1]:1": true, ":8080": false, "10.0.0.1:80": false} {
		c := Default()
		c.Server.Addr = addr
		if c.Loopback() != want {
			t.Errorf("Loopback(%s) = %v", addr, !want)
		}
	}
}

// The example file documents every key and parses to the defaults.
func TestExampleFileIsTheDefaults(t *testing.T) {
	c, err := Load("../../config.example.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Server != d.Server || c.Log != d.Log || c.Store != d.Store || c.Digest.Schedule != d.Digest.Schedule ||
		c.Digest.Days != d.Digest.Days || c.Digest.Grace != d.Digest.Grace || c.Slack.APIURL != d.Slack.APIURL || c.LINE.APIEndpoint != d.LINE.APIEndpoint {
		t.Errorf("example differs from defaults:\n%+v\n%+v", c, d)
	}
	text, _ := os.ReadFile("../../config.example.yaml")
	for _, key := range []string{"corpus:", "synonyms:", "addr:", "body_limit:", "format:", "level:", "dsn:", "token:", "signing_secret:", "bot_token:", "app_token:", "api_url:", "channel_secret:", "channel_token:", "api_endpoint:", "schedule:", "timezone:", "days:", "skip_empty:", "skip_holidays:", "grace:", "slack_channels:"} {
		if !strings.Contains(string(text), key) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}
