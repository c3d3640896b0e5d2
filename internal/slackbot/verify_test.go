package slackbot

import (
	"errors"
	"testing"
	"time"
)

// Slack's documented example ("Verifying requests from Slack").
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSignSlackExample(t *testing.T) {
	if got := Sign(docSecret, docTimestamp, []byte(docBody)); got != docSignature {
		t.Fatalf("Sign = %s, want %s", got, docSignature)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(1531420618, 0)
	for _, tc := range []struct {
		name            string
		secret, ts, sig string
		body            string
		now             time.Time
		want            error
	}{
		{"documented example", docSecret, docTimestamp, docSignature, docBody, at, nil},
		{"4m59s later", docSecret, docTimestamp, docSignature, docBody, at.Add(4*time.Minute + 59*time.Second), nil},
		{"5m01s later", docSecret, docTimestamp, docSignature, docBody, at.Add(5*time.Minute + time.Second), ErrStale},
		{"from the future", docSecret, docTimestamp, docSignature, docBody, at.Add(-6 * time.Minute), ErrStale},
		{"tampered body", docSecret, docTimestamp, docSignature, docBody + "&text=x", at, ErrBadSignature},
		{"other secret", "another", docTimestamp, docSignature, docBody, at, ErrBadSignature},
		{"other timestamp", docSecret, "1531420619", docSignature, docBody, at, ErrBadSignature},
		{"v1 scheme", docSecret, docTimestamp, "v1=" + docSignature[3:], docBody, at, ErrBadSignature},
		{"uppercase hex", docSecret, docTimestamp, "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503", docBody, at, ErrBadSignature},
		{"no signature", docSecret, docTimestamp, "", docBody, at, ErrNoSignature},
		{"no timestamp", docSecret, "", docSignature, docBody, at, ErrNoSignature},
		{"timestamp not a number", docSecret, "15314206l8", docSignature, docBody, at, ErrBadTimestamp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.ts, tc.sig, []byte(tc.body), tc.now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}
