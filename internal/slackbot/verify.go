package slackbot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Why a request's signature is refused.
var (
	ErrNoSignature  = errors.New("slack: missing signature or timestamp header")
	ErrBadTimestamp = errors.New("slack: timestamp is not a number")
	ErrStale        = errors.New("slack: timestamp outside the 5-minute window")
	ErrBadSignature = errors.New("slack: signature does not match")
)

// SignatureWindow is how far a request's timestamp may be from now.
const SignatureWindow = 5 * time.Minute

// Sign returns Slack's v0 signature of a request body sent at timestamp
// (Unix seconds): "v0=" and the hex HMAC-SHA256 of "v0:timestamp:body".
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks the X-Slack-Signature and X-Slack-Request-Timestamp of a
// request against its raw body, at now. It compares in constant time.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	if timestamp == "" || signature == "" {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureWindow || d < -SignatureWindow {
		return ErrStale
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}

// rejectReason labels a verification error for metrics.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, ErrNoSignature):
		return "missing_signature"
	case errors.Is(err, ErrBadTimestamp):
		return "bad_timestamp"
	case errors.Is(err, ErrStale):
		return "stale"
	}
	return "bad_signature"
}
