// Package config reads renkei's configuration: defaults, then a YAML file,
// then RENKEI_* environment variables, then validation that names the bad
// field. Secrets come from the file or the environment, never from flags.
//
// It must not open connections or start anything: it only reads and checks.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kanto-renkei/renkei/internal/schedule"
)

// Config is every setting of renkei. Zero values are replaced by Default's.
type Config struct {
	Corpus   string  `yaml:"corpus"`   // folder of *.txt documents and events.yaml; "" = embedded
	Synonyms string  `yaml:"synonyms"` // synonym file replacing the built-in one; "" = built-in
	Server   Server  `yaml:"server"`
	Log      Log     `yaml:"log"`
	Store    Store   `yaml:"store"`
	Console  Console `yaml:"console"`
	Slack    Slack   `yaml:"slack"`
	LINE     LINE    `yaml:"line"`
	Digest   Digest  `yaml:"digest"`
}

// Server is the HTTP server.
type Server struct {
	Addr              string        `yaml:"addr"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	BodyLimit         int64         `yaml:"body_limit"` // bytes
}

// Log sets the log output.
type Log struct {
	Format string `yaml:"format"` // json or text
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// Store is where subscriptions, feedback and the delivery log live.
type Store struct {
	DSN string `yaml:"dsn"` // SQLite file; "" disables storage
}

// Console is the built-in chat page.
type Console struct {
	Enabled *bool  `yaml:"enabled"` // default true
	Token   string `yaml:"token"`   // required when the server listens beyond loopback
}

// Slack integration. It is on when Enabled is true, or unset and BotToken given.
type Slack struct {
	Enabled       *bool  `yaml:"enabled"`
	SigningSecret string `yaml:"signing_secret"`
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"` // xapp-…: Socket Mode
	APIURL        string `yaml:"api_url"`
}

// LINE integration. It is on when Enabled is true, or unset and ChannelToken given.
type LINE struct {
	Enabled       *bool  `yaml:"enabled"`
	ChannelSecret string `yaml:"channel_secret"`
	ChannelToken  string `yaml:"channel_token"`
	APIEndpoint   string `yaml:"api_endpoint"`
}

// Digest is the weekly digest.
type Digest struct {
	Enabled       *bool         `yaml:"enabled"` // default true (it sends only to configured targets)
	Schedule      string        `yaml:"schedule"`
	Timezone      string        `yaml:"timezone"`
	Days          int           `yaml:"days"`
	SkipEmpty     *bool         `yaml:"skip_empty"`
	SkipHolidays  *bool         `yaml:"skip_holidays"`
	Grace         time.Duration `yaml:"grace"`
	SlackChannels []string      `yaml:"slack_channels"`
}

// Default is the configuration with no file and no environment.
func Default() Config {
	return Config{
		Server: Server{
			Addr: "127.0.0.1:8080", ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, ShutdownTimeout: 10 * time.Second,
			BodyLimit: 1 << 20,
		},
		Log:   Log{Format: "json", Level: "info"},
		Store: Store{DSN: "./data/renkei.db"},
		Slack: Slack{APIURL: "https://slack.com/api/"},
		LINE:  LINE{APIEndpoint: "https://api.line.me"},
		Digest: Digest{
			Schedule: "0 9 * * 1", Timezone: "Asia/Tokyo", Days: 14, Grace: 6 * time.Hour,
		},
	}
}

// Error is a configuration mistake; Field names the key (digest.schedule).
type Error struct {
	Field, Problem string
}

func (e *Error) Error() string { return "config: " + e.Field + ": " + e.Problem }

// Load builds the configuration: defaults, then the YAML file at path (none
// when path is ""), then the environment through getenv, then Validate.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, &Error{Field: "--config", Problem: fmt.Sprintf("設定ファイルを読めません: %v", err)}
		}
		if err := decode(data, &c); err != nil {
			return c, err
		}
	}
	if err := applyEnv(&c, getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func decode(data []byte, c *Config) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return &Error{Field: "file", Problem: strings.Join(te.Errors, "; ")}
		}
		return &Error{Field: "file", Problem: err.Error()}
	}
	return nil
}

// envVars maps each environment variable to the setting it overrides.
var envVars = []struct {
	name string
	set  func(*Config, string) error
}{
	{"RENKEI_CORPUS", func(c *Config, v string) error { c.Corpus = v; return nil }},
	{"RENKEI_SYNONYMS", func(c *Config, v string) error { c.Synonyms = v; return nil }},
	{"RENKEI_ADDR", func(c *Config, v string) error { c.Server.Addr = v; return nil }},
	{"RENKEI_LOG_FORMAT", func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{"RENKEI_LOG_LEVEL", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"RENKEI_STORE_DSN", func(c *Config, v string) error { c.Store.DSN = v; return nil }},
	{"RENKEI_CONSOLE_TOKEN", func(c *Config, v string) error { c.Console.Token = v; return nil }},
	{"RENKEI_SLACK_SIGNING_SECRET", func(c *Config, v string) error { c.Slack.SigningSecret = v; return nil }},
	{"RENKEI_SLACK_BOT_TOKEN", func(c *Config, v string) error { c.Slack.BotToken = v; return nil }},
	{"RENKEI_SLACK_APP_TOKEN", func(c *Config, v string) error { c.Slack.AppToken = v; return nil }},
	{"RENKEI_SLACK_API_URL", func(c *Config, v string) error { c.Slack.APIURL = v; return nil }},
	{"RENKEI_LINE_CHANNEL_SECRET", func(c *Config, v string) error { c.LINE.ChannelSecret = v; return nil }},
	{"RENKEI_LINE_CHANNEL_TOKEN", func(c *Config, v string) error { c.LINE.ChannelToken = v; return nil }},
	{"RENKEI_LINE_API_ENDPOINT", func(c *Config, v string) error { c.LINE.APIEndpoint = v; return nil }},
	{"RENKEI_DIGEST_SCHEDULE", func(c *Config, v string) error { c.Digest.Schedule = v; return nil }},
	{"RENKEI_DIGEST_TIMEZONE", func(c *Config, v string) error { c.Digest.Timezone = v; return nil }},
	{"RENKEI_DIGEST_DAYS", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &Error{Field: "RENKEI_DIGEST_DAYS", Problem: fmt.Sprintf("整数ではありません: %q", v)}
		}
		c.Digest.Days = n
		return nil
	}},
	{"RENKEI_DIGEST_SLACK_CHANNELS", func(c *Config, v string) error {
		c.Digest.SlackChannels = nil
		for _, ch := range strings.Split(v, ",") {
			if ch = strings.TrimSpace(ch); ch != "" {
				c.Digest.SlackChannels = append(c.Digest.SlackChannels, ch)
			}
		}
		return nil
	}},
}

// EnvNames lists the environment variables renkei reads.
func EnvNames() []string {
	out := []string{"RENKEI_CONFIG"}
	for _, e := range envVars {
		out = append(out, e.name)
	}
	return out
}

func applyEnv(c *Config, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	for _, e := range envVars {
		if v, ok := lookup(getenv, e.name); ok {
			if err := e.set(c, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// SlackOn reports whether the Slack integration is enabled.
func (c Config) SlackOn() bool {
	if c.Slack.Enabled != nil {
		return *c.Slack.Enabled
	}
	return c.Slack.BotToken != ""
}

// LINEOn reports whether the LINE integration is enabled.
func (c Config) LINEOn() bool {
	if c.LINE.Enabled != nil {
		return *c.LINE.Enabled
	}
	return c.LINE.ChannelToken != ""
}

// ConsoleOn reports whether the console page is served.
func (c Config) ConsoleOn() bool { return c.Console.Enabled == nil || *c.Console.Enabled }

// DigestOn reports whether the digest scheduler runs.
func (c Config) DigestOn() bool { return c.Digest.Enabled == nil || *c.Digest.Enabled }

// SkipEmpty reports digest.skip_empty (default true).
func (c Config) SkipEmpty() bool { return c.Digest.SkipEmpty == nil || *c.Digest.SkipEmpty }

// SkipHolidays reports digest.skip_holidays (default true).
func (c Config) SkipHolidays() bool { return c.Digest.SkipHolidays == nil || *c.Digest.SkipHolidays }

// Location is the digest's time zone (valid after Validate).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Digest.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Loopback reports whether the server address listens on loopback only.
func (c Config) Loopback() bool {
	host, _, err := net.SplitHostPort(c.Server.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate checks every setting and returns the first mistake, naming its
// field.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &Error{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	if c.Corpus != "" {
		if _, err := os.ReadDir(c.Corpus); err != nil {
			return bad("corpus", "フォルダを読めません: %v", err)
		}
	}
	if c.Synonyms != "" {
		if _, err := os.ReadFile(c.Synonyms); err != nil {
			return bad("synonyms", "ファイルを読めません: %v", err)
		}
	}
	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil || port == "" {
		return bad("server.addr", "host:port の形式ではありません: %q", c.Server.Addr)
	}
	for _, t := range []struct {
		field string
		d     time.Duration
	}{
		{"server.read_header_timeout", c.Server.ReadHeaderTimeout}, {"server.read_timeout", c.Server.ReadTimeout},
		{"server.write_timeout", c.Server.WriteTimeout}, {"server.idle_timeout", c.Server.IdleTimeout},
		{"server.shutdown_timeout", c.Server.ShutdownTimeout},
	} {
		if t.d <= 0 {
			return bad(t.field, "正の時間を指定してください（例: 10s）")
		}
	}
	if c.Server.BodyLimit < 1024 {
		return bad("server.body_limit", "1024 バイト以上を指定してください")
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		return bad("log.format", "json または text を指定してください: %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "debug, info, warn, error のいずれかを指定してください: %q", c.Log.Level)
	}
	if !c.Loopback() && c.Console.Token == "" {
		return bad("console.token", "server.addr がループバック以外（%s）のときは必須です（コンソールと /admin を守ります。RENKEI_CONSOLE_TOKEN）", c.Server.Addr)
	}
	if c.SlackOn() {
		switch {
		case c.Slack.BotToken == "":
			return bad("slack.bot_token", "Slack が有効ですがボットトークンがありません（RENKEI_SLACK_BOT_TOKEN）")
		case c.Slack.SigningSecret == "" && c.Slack.AppToken == "":
			return bad("slack.signing_secret", "Events API には署名シークレットが必要です（RENKEI_SLACK_SIGNING_SECRET）。Socket Mode なら slack.app_token を設定してください")
		case c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-"):
			return bad("slack.app_token", "アプリレベルトークン（xapp-…）ではありません")
		case !strings.HasPrefix(c.Slack.APIURL, "http://") && !strings.HasPrefix(c.Slack.APIURL, "https://"):
			return bad("slack.api_url", "URL ではありません: %q", c.Slack.APIURL)
		}
	}
	if c.LINEOn() {
		switch {
		case c.LINE.ChannelSecret == "":
			return bad("line.channel_secret", "LINE が有効ですがチャネルシークレットがありません（RENKEI_LINE_CHANNEL_SECRET）")
		case c.LINE.ChannelToken == "":
			return bad("line.channel_token", "LINE が有効ですがチャネルアクセストークンがありません（RENKEI_LINE_CHANNEL_TOKEN）")
		case !strings.HasPrefix(c.LINE.APIEndpoint, "http://") && !strings.HasPrefix(c.LINE.APIEndpoint, "https://"):
			return bad("line.api_endpoint", "URL ではありません: %q", c.LINE.APIEndpoint)
		}
	}
	loc, err := time.LoadLocation(c.Digest.Timezone)
	if err != nil || c.Digest.Timezone == "" {
		return bad("digest.timezone", "不明なタイムゾーンです: %q", c.Digest.Timezone)
	}
	if _, err := schedule.Parse(c.Digest.Schedule, loc); err != nil {
		return bad("digest.schedule", "cron の書式が不正です（例: \"0 9 * * 1\"）: %v", err)
	}
	if c.Digest.Days < 1 || c.Digest.Days > 366 {
		return bad("digest.days", "1〜366 を指定してください: %d", c.Digest.Days)
	}
	if c.Digest.Grace < 0 {
		return bad("digest.grace", "0 以上の時間を指定してください")
	}
	for i, ch := range c.Digest.SlackChannels {
		if strings.TrimSpace(ch) == "" {
			return bad(fmt.Sprintf("digest.slack_channels[%d]", i), "空のチャンネルIDです")
		}
	}
	if len(c.Digest.SlackChannels) > 0 && !c.SlackOn() {
		return bad("digest.slack_channels", "Slack が無効のためチャンネルへ配信できません")
	}
	return nil
}

// Redacted is the configuration with every secret replaced, for logs.
func (c Config) Redacted() Config {
	r := c
	mask := func(s *string) {
		if *s != "" {
			*s = "***"
		}
	}
	mask(&r.Console.Token)
	mask(&r.Slack.SigningSecret)
	mask(&r.Slack.BotToken)
	mask(&r.Slack.AppToken)
	mask(&r.LINE.ChannelSecret)
	mask(&r.LINE.ChannelToken)
	return r
}
