package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const period = "2025-W23"

func delivery(t *testing.T, s *Store, target string) Delivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), period)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Target == target {
			return d
		}
	}
	t.Fatalf("no delivery row for %s", target)
	return Delivery{}
}

func begin(t *testing.T, s *Store, target string, now time.Time) bool {
	t.Helper()
	sent, err := s.BeginDelivery(context.Background(), period, target, now)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

func TestDeliverySentOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	if begin(t, s, "C1", t0) {
		t.Fatal("first BeginDelivery: already sent")
	}
	if d := delivery(t, s, "C1"); d.Status != DeliveryPending || d.Attempts != 1 {
		t.Errorf("after begin = %+v; want pending, 1 attempt", d)
	}
	t1 := t0.Add(time.Second)
	must(t, s.FinishDelivery(ctx, period, "C1", t1, nil))
	if !begin(t, s, "C1", t0.Add(time.Hour)) {
		t.Error("BeginDelivery after a finished send: not already sent")
	}
	want := Delivery{Period: period, Target: "C1", Status: DeliverySent, Attempts: 1, UpdatedAt: t1}
	if d := delivery(t, s, "C1"); !d.UpdatedAt.Equal(t1) || !sameButTime(d, want) {
		t.Errorf("after sent + begin = %+v; want %+v (untouched)", d, want)
	}
}

func TestDeliveryResumesAfterCrash(t *testing.T) {
	s, _ := openFile(t)
	begin(t, s, "U1", t0)
	// The process dies here: no FinishDelivery.
	if begin(t, s, "U1", t0.Add(time.Minute)) {
		t.Fatal("BeginDelivery after a crash: already sent")
	}
	if d := delivery(t, s, "U1"); d.Status != DeliveryPending || d.Attempts != 2 {
		t.Errorf("after crash + begin = %+v; want pending, 2 attempts", d)
	}
}

func TestDeliveryRetriesAfterFailure(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	begin(t, s, "U1", t0)
	sendErr := errors.New("line: push: 429 too many requests")
	must(t, s.FinishDelivery(ctx, period, "U1", t0, sendErr))
	if d := delivery(t, s, "U1"); d.Status != DeliveryFailed || d.LastError != sendErr.Error() || d.Attempts != 1 {
		t.Errorf("after failure = %+v", d)
	}
	if begin(t, s, "U1", t0.Add(time.Hour)) {
		t.Fatal("BeginDelivery after a failure: already sent")
	}
	if d := delivery(t, s, "U1"); d.Status != DeliveryPending || d.Attempts != 2 || d.LastError != sendErr.Error() {
		t.Errorf("retry = %+v; want pending, 2 attempts, last error kept", d)
	}
	must(t, s.FinishDelivery(ctx, period, "U1", t0.Add(time.Hour), nil))
	if d := delivery(t, s, "U1"); d.Status != DeliverySent || d.LastError != "" {
		t.Errorf("after success = %+v; want sent, error cleared", d)
	}
	// A late failure report does not undo the delivery.
	must(t, s.FinishDelivery(ctx, period, "U1", t0.Add(2*time.Hour), errors.New("late")))
	if d := delivery(t, s, "U1"); d.Status != DeliverySent || d.LastError != "" {
		t.Errorf("after late failure = %+v; want still sent", d)
	}
}

func TestDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	for _, target := range []string{"U2", "C1", "U1"} {
		begin(t, s, target, t0)
	}
	if _, err := s.BeginDelivery(ctx, "2025-W24", "C1", t0); err != nil {
		t.Fatal(err)
	}
	must(t, s.FinishDelivery(ctx, period, "C1", t0, nil))
	ds, err := s.Deliveries(ctx, period)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Target+":"+d.Status)
	}
	if strings.Join(got, " ") != "C1:sent U1:pending U2:pending" {
		t.Errorf("Deliveries(%s) = %v", period, got)
	}
	if ds, err := s.Deliveries(ctx, "2099-W01"); err != nil || len(ds) != 0 {
		t.Errorf("Deliveries of an unknown period = %v, %v; want none", ds, err)
	}
}

func TestFinishDeliveryErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	err := s.FinishDelivery(ctx, period, "nobody", t0, nil)
	if !errors.Is(err, ErrNoDelivery) {
		t.Errorf("FinishDelivery without BeginDelivery = %v; want ErrNoDelivery", err)
	}
	if _, err := s.BeginDelivery(ctx, "", "C1", t0); err == nil {
		t.Error("BeginDelivery with an empty period: no error")
	}
	if _, err := s.BeginDelivery(ctx, period, "C1", time.Time{}); err == nil {
		t.Error("BeginDelivery with a zero time: no error")
	}

	begin(t, s, "C1", t0)
	long := strings.Repeat("エ", 1000) // 3000 bytes
	must(t, s.FinishDelivery(ctx, period, "C1", t0, errors.New(long)))
	d := delivery(t, s, "C1")
	if len(d.LastError) > maxErrorBytes || !strings.HasPrefix(long, d.LastError) || len(d.LastError) != 999 {
		t.Errorf("LastError kept %d bytes; want 999 (cut at a rune boundary)", len(d.LastError))
	}
}

func sameButTime(a, b Delivery) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return a == b
}

func TestPlanAndFinishDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	now := t0
	if err := s.PlanDeliveries(ctx, "p", []string{"line:U1", "line:U2", "line:U3"}, now); err != nil {
		t.Fatal(err)
	}
	// Planning again (a restart) keeps what was recorded and adds nothing twice.
	if err := s.FinishDeliveries(ctx, "p", []string{"line:U1"}, now, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PlanDeliveries(ctx, "p", []string{"line:U1", "line:U2", "line:U3", "line:U4"}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDeliveries(ctx, "p", []string{"line:U2", "line:U1"}, now, errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Deliveries(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range ds {
		got[d.Target] = fmt.Sprintf("%s/%d", d.Status, d.Attempts)
	}
	want := map[string]string{"line:U1": "sent/1", "line:U2": "failed/1", "line:U3": "pending/0", "line:U4": "pending/0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
	if err := s.PlanDeliveries(ctx, "p", []string{""}, now); err == nil {
		t.Error("an empty target was planned")
	}
}

func TestDeleteUserForgetsDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := openFile(t)
	if err := s.Subscribe(ctx, "U1", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.PlanDeliveries(ctx, "p", []string{"line:all:U1", "line:event:U1", "line:all:U10", "slack:U1", "line:*plan"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, PlatformLINE, "U1"); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Deliveries(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, d := range ds {
		left = append(left, d.Target)
	}
	if strings.Join(left, " ") != "line:*plan line:all:U10 slack:U1" {
		t.Errorf("rows left: %v", left)
	}
	if err := s.DeleteUser(ctx, PlatformLINE, "U_%"); err != nil { // LIKE metacharacters are plain
		t.Fatal(err)
	}
	if ds, _ := s.Deliveries(ctx, "p"); len(ds) != 3 {
		t.Errorf("a wildcard user id deleted rows: %v", ds)
	}
}
