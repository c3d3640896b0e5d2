package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kanto-renkei/renkei/internal/metrics"
	"github.com/kanto-renkei/renkei/internal/store"
	"github.com/kanto-renkei/renkei/internal/wait"
)

// SlackPoster posts a digest to a Slack channel (split into messages as
// the platform needs).
type SlackPoster interface {
	PostDigest(ctx context.Context, channel string, d Digest) error
}

// LINESender multicasts a digest to at most 500 LINE users with an
// X-Line-Retry-Key: a call repeated with the same key is delivered once.
type LINESender interface {
	MulticastDigest(ctx context.Context, userIDs []string, d Digest, retryKey string) error
}

// DeliveryLog is the exactly-once record of who got which period.
type DeliveryLog interface {
	BeginDelivery(ctx context.Context, period, target string, now time.Time) (alreadySent bool, err error)
	FinishDelivery(ctx context.Context, period, target string, now time.Time, sendErr error) error
	PlanDeliveries(ctx context.Context, period string, targets []string, now time.Time) error
	FinishDeliveries(ctx context.Context, period string, targets []string, now time.Time, sendErr error) error
	Deliveries(ctx context.Context, period string) ([]store.Delivery, error)
}

// Subscribers pages through the LINE users subscribed to the digest.
type Subscribers interface {
	SubscribersPage(ctx context.Context, afterUserID string, limit int) ([]store.Subscription, error)
}

// Topics a LINE user can choose for the digest (store.Subscription.Topics).
const (
	TopicEvent    = "event"    // 交流会・イベントのみ
	TopicDeadline = "deadline" // 期限のみ
)

// MulticastLimit is LINE's maximum of recipients per multicast.
const MulticastLimit = 500

// Sender delivers a digest to every target exactly once: Slack channels
// and subscribed LINE users, recorded in the delivery log before and after
// each send so that a restart resumes where a crash stopped.
type Sender struct {
	Log      DeliveryLog
	Subs     Subscribers // nil: no LINE delivery
	Slack    SlackPoster // nil: no Slack delivery
	LINE     LINESender  // nil: no LINE delivery
	Channels []string    // Slack channel IDs
	Metrics  *metrics.Metrics
	Logger   *slog.Logger
	Now      func() time.Time                                 // nil: time.Now
	Sleep    func(ctx context.Context, d time.Duration) error // nil: a timer
	// Passes is how many times failed targets are tried in one Send
	// (default 3), waiting Backoff, then 4×Backoff, … between passes.
	Passes  int
	Backoff time.Duration
	// SkipEmpty leaves out users whose topics leave nothing to send.
	SkipEmpty bool
}

// Result counts what one Send did.
type Result struct {
	Period                      string
	Sent, AlreadySent, Failed   int
	Skipped                     int // LINE users whose topics left nothing
	SlackChannels, LINERequests int
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

// Send delivers d to every target that has not had d.Period() yet. It
// returns an error only when the delivery log cannot be used (then nothing
// is sent); a target that keeps failing is counted in Result.Failed and
// logged, and does not stop the others.
func (s *Sender) Send(ctx context.Context, d Digest) (Result, error) {
	res := Result{Period: d.Period()}
	passes := max(s.Passes, 1)
	if s.Passes == 0 {
		passes = 3
	}
	backoff := s.Backoff
	if backoff <= 0 {
		backoff = 30 * time.Second
	}
	plan, err := s.planLINE(ctx, d)
	if err != nil {
		return res, err
	}
	for pass := 1; pass <= passes; pass++ {
		failed := 0
		pr, err := s.sendSlack(ctx, d)
		if err != nil {
			return res, err
		}
		lr, err := s.sendLINE(ctx, d, plan)
		if err != nil {
			return res, err
		}
		res.Sent += pr.Sent + lr.Sent
		res.SlackChannels += pr.SlackChannels
		res.LINERequests += lr.LINERequests
		res.Skipped += lr.Skipped
		if pass == 1 {
			res.AlreadySent = pr.AlreadySent + lr.AlreadySent
		}
		failed = pr.Failed + lr.Failed
		res.Failed = failed
		if failed == 0 || pass == passes {
			break
		}
		wait := backoff * time.Duration(1<<(2*(pass-1)))
		s.log().WarnContext(ctx, "digest: some targets failed; retrying", "period", res.Period, "failed", failed, "pass", pass, "wait", wait)
		if err := s.sleep(ctx, wait); err != nil {
			return res, err
		}
	}
	s.log().InfoContext(ctx, "digest delivered", "period", res.Period, "sent", res.Sent, "already_sent", res.AlreadySent,
		"failed", res.Failed, "skipped", res.Skipped, "slack_channels", res.SlackChannels, "line_requests", res.LINERequests)
	return res, nil
}

func (s *Sender) sendSlack(ctx context.Context, d Digest) (Result, error) {
	var res Result
	if s.Slack == nil {
		return res, nil
	}
	period := d.Period()
	for _, ch := range s.Channels {
		target := "slack:" + ch
		done, err := s.Log.BeginDelivery(ctx, period, target, s.now())
		if err != nil {
			return res, fmt.Errorf("digest %s: delivery log: %w", period, err)
		}
		if done {
			res.AlreadySent++
			continue
		}
		sendErr := s.Slack.PostDigest(ctx, ch, d)
		if err := s.Log.FinishDelivery(recordCtx(ctx), period, target, s.now(), sendErr); err != nil {
			return res, fmt.Errorf("digest %s: delivery log: %w", period, err)
		}
		if sendErr != nil {
			res.Failed++
			s.Metrics.Delivery("slack", "failed")
			s.log().ErrorContext(ctx, "digest: post to Slack failed", "period", period, "channel", ch, "err", sendErr)
			continue
		}
		res.Sent++
		res.SlackChannels++
		s.Metrics.Delivery("slack", "sent")
	}
	return res, nil
}

// lineGroup is the users who get the same content: all, events only or
// deadlines only.
type lineGroup struct {
	name  string
	users []string // sorted
}

// planLINE fixes the LINE recipients of the period on first use, grouped
// by topic, and returns the plan (from the log on a resumed run).
func (s *Sender) planLINE(ctx context.Context, d Digest) ([]lineGroup, error) {
	if s.LINE == nil || s.Subs == nil {
		return nil, nil
	}
	period := d.Period()
	rows, err := s.Log.Deliveries(ctx, period)
	if err != nil {
		return nil, fmt.Errorf("digest %s: delivery log: %w", period, err)
	}
	planned := false
	for _, r := range rows {
		if r.Target == planMarker {
			planned = r.Status == store.DeliverySent
		}
	}
	if !planned {
		var targets []string
		after := ""
		for {
			page, err := s.Subs.SubscribersPage(ctx, after, 1000)
			if err != nil {
				return nil, fmt.Errorf("digest %s: subscribers: %w", period, err)
			}
			for _, sub := range page {
				targets = append(targets, "line:"+groupOf(sub.Topics)+":"+sub.UserID)
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].UserID
		}
		if err := s.Log.PlanDeliveries(ctx, period, targets, s.now()); err != nil {
			return nil, fmt.Errorf("digest %s: plan: %w", period, err)
		}
		// The marker says the plan is complete; a crash before it re-plans
		// (nothing has been sent yet).
		if err := s.Log.FinishDeliveries(ctx, period, []string{planMarker}, s.now(), nil); err != nil {
			return nil, fmt.Errorf("digest %s: plan: %w", period, err)
		}
		if rows, err = s.Log.Deliveries(ctx, period); err != nil {
			return nil, fmt.Errorf("digest %s: delivery log: %w", period, err)
		}
	}
	groups := map[string]*lineGroup{}
	for _, r := range rows {
		rest, ok := strings.CutPrefix(r.Target, "line:")
		if !ok || r.Target == planMarker {
			continue
		}
		g, user, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if groups[g] == nil {
			groups[g] = &lineGroup{name: g}
		}
		groups[g].users = append(groups[g].users, user)
	}
	var out []lineGroup
	for _, g := range groups {
		sort.Strings(g.users)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

const planMarker = "line:*plan"

func groupOf(topics []string) string {
	ev, dl := false, false
	for _, t := range topics {
		ev = ev || t == TopicEvent
		dl = dl || t == TopicDeadline
	}
	switch {
	case ev && !dl:
		return TopicEvent
	case dl && !ev:
		return TopicDeadline
	}
	return "all"
}

// Filter keeps the items of one kind (TopicEvent, TopicDeadline); "all"
// keeps everything.
func Filter(d Digest, group string) Digest {
	if group != TopicEvent && group != TopicDeadline {
		return d
	}
	kind := KindEvent
	if group == TopicDeadline {
		kind = KindDeadline
	}
	out := d
	out.Items = nil
	for _, it := range d.Items {
		if it.Kind == kind {
			out.Items = append(out.Items, it)
		}
	}
	return out
}

func (s *Sender) sendLINE(ctx context.Context, d Digest, plan []lineGroup) (Result, error) {
	var res Result
	if len(plan) == 0 {
		return res, nil
	}
	period := d.Period()
	rows, err := s.Log.Deliveries(ctx, period)
	if err != nil {
		return res, fmt.Errorf("digest %s: delivery log: %w", period, err)
	}
	sent := map[string]bool{}
	for _, r := range rows {
		sent[r.Target] = r.Status == store.DeliverySent
	}
	for _, g := range plan {
		content := Filter(d, g.name)
		// Chunks are cut from the whole plan, never from what is left, so a
		// resumed chunk has the same members and the same retry key.
		for start := 0; start < len(g.users); start += MulticastLimit {
			chunk := g.users[start:min(start+MulticastLimit, len(g.users))]
			var pending, targets []string
			for _, u := range chunk {
				t := "line:" + g.name + ":" + u
				if sent[t] {
					res.AlreadySent++
					continue
				}
				pending = append(pending, u)
				targets = append(targets, t)
			}
			if len(pending) == 0 {
				continue
			}
			if content.Empty() && s.SkipEmpty {
				res.Skipped += len(pending)
				s.Metrics.Delivery("line", "skipped")
				if err := s.Log.FinishDeliveries(recordCtx(ctx), period, targets, s.now(), nil); err != nil {
					return res, fmt.Errorf("digest %s: delivery log: %w", period, err)
				}
				continue
			}
			key := RetryKey(period, g.name, start/MulticastLimit)
			sendErr := s.LINE.MulticastDigest(ctx, pending, content, key)
			res.LINERequests++
			if err := s.Log.FinishDeliveries(recordCtx(ctx), period, targets, s.now(), sendErr); err != nil {
				return res, fmt.Errorf("digest %s: delivery log: %w", period, err)
			}
			if sendErr != nil {
				res.Failed += len(pending)
				s.Metrics.Delivery("line", "failed")
				s.log().ErrorContext(ctx, "digest: LINE multicast failed", "period", period, "group", g.name, "users", len(pending), "err", sendErr)
				continue
			}
			res.Sent += len(pending)
			s.Metrics.Delivery("line", "sent")
		}
	}
	return res, nil
}

// recordCtx is the context for writing a send's outcome: a shutdown that
// cancels ctx must not leave a delivered digest recorded as pending.
func recordCtx(ctx context.Context) context.Context {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	context.AfterFunc(c, cancel)
	return c
}

// RetryKey is the X-Line-Retry-Key of one chunk of one period: a
// name-based (SHA-1, version 5) UUID of them, so a repeated call is
// recognised by LINE.
func RetryKey(period, group string, chunk int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("renkei-digest/%s/%s/%d", period, group, chunk))).String()
}

// ErrNoTargets is returned by a job with nowhere to send.
var ErrNoTargets = errors.New("ダイジェストの送信先がありません（digest.slack_channels も LINE も設定されていません）")
