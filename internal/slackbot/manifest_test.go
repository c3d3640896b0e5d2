package slackbot

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The manifest in deploy/ must point Slack at the routes the adapter
// mounts and grant what it uses.
func TestManifest(t *testing.T) {
	data, err := os.ReadFile("../../deploy/slack-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Display struct {
			Name, Description string
		} `yaml:"display_information"`
		Features struct {
			Bot struct {
				DisplayName string `yaml:"display_name"`
			} `yaml:"bot_user"`
			Commands []struct {
				Command, URL, Description string
			} `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
			SocketMode bool `yaml:"socket_mode_enabled"`
		}
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var mounted []string
	a, err := New(Options{SigningSecret: "s", BotToken: "xoxb-1", Asker: &asker{}})
	if err != nil {
		t.Fatal(err)
	}
	a.Routes(func(pattern string, _ http.Handler) { mounted = append(mounted, strings.TrimPrefix(pattern, "POST ")) })
	for _, u := range []string{m.Settings.Events.RequestURL, m.Settings.Interactivity.RequestURL, m.Features.Commands[0].URL} {
		path := strings.TrimPrefix(u, "https://YOUR-HOST")
		if !strings.HasPrefix(u, "https://YOUR-HOST/") || !slices.Contains(mounted, path) {
			t.Errorf("request URL %s is not one of %v", u, mounted)
		}
	}
	if m.Features.Commands[0].Command != "/renkei" || m.Display.Name != "renkei" || m.Features.Bot.DisplayName != "renkei" {
		t.Errorf("names: %+v", m)
	}
	for _, s := range []string{"app_mentions:read", "chat:write", "commands", "im:history", "im:read", "im:write"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	if !slices.Equal(m.Settings.Events.BotEvents, []string{"app_mention", "message.im"}) || !m.Settings.Interactivity.Enabled || m.Settings.SocketMode {
		t.Errorf("settings: %+v", m.Settings)
	}
}
