package overlay

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kanto-renkei/renkei/corpus"
)

func shippedFS(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	doc, err := os.ReadFile("../../corpus/data/kinyu-renkei-program-2023.txt")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"kinyu-renkei-program-2023.txt": {Data: doc}}
	for k, v := range extra {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

const good = `# next year's first 交流会, and a changed venue
events:
  - measure: 新現役交流会
    start: 2024-05-21
    end: 2024-05-22
    format: 対面
    hosts: [亀有信用金庫]
    venue: 亀有信用金庫 本部
  - replaces: 2023-1-13-e12
    venue: 船堀タワーホール 小ホール
deadlines:
  - measure: 2023-1-16
    date: 2024-06-28
    kind: until
    text: 新やる気補助金の公募締切
`

func TestOverlayAddsAndCorrects(t *testing.T) {
	c, err := Load(shippedFS(t, map[string]string{"events.yaml": good}))
	if err != nil {
		t.Fatal(err)
	}
	var added, fixed *corpus.Event
	for i, e := range c.Events {
		if strings.HasPrefix(e.Source, "events.yaml:") {
			if e.ID == "2023-1-13-e12" {
				fixed = &c.Events[i]
			} else {
				added = &c.Events[i]
			}
		}
	}
	if added == nil || added.Series != "新現役交流会" || added.Start.Format("2006-01-02") != "2024-05-21" ||
		added.End.Format("2006-01-02") != "2024-05-22" || added.Host() != "亀有信用金庫" || added.Source != "events.yaml:3" {
		t.Errorf("added = %+v", added)
	}
	if fixed == nil || fixed.Venue != "船堀タワーホール 小ホール" || fixed.Start.Format("2006-01-02") != "2023-11-15" || fixed.Host() != "小松川信用金庫" {
		t.Errorf("corrected = %+v", fixed)
	}
	n := 0
	for _, e := range c.Events {
		if e.ID == "2023-1-13-e12" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("replaced event appears %d times", n)
	}
	last := c.Deadlines[len(c.Deadlines)-1]
	if last.MeasureID != "2023-1-16" || last.Text != "新やる気補助金の公募締切" || last.Source != "events.yaml:12" {
		t.Errorf("deadline = %+v", last)
	}
}

func TestOverlayErrorsNameLineAndField(t *testing.T) {
	bad := `events:
  - measure: 存在しない施策
    start: 2024-13-01
    colour: red
  - title: 臨時交流会
    start: 2024-06-01
    end: 2024-05-01
deadlines:
  - measure: 2023-1-16
    kind: soon
    text: x
    date: 2024-06-28
  - date: 2024-06-28
wrong: 1
`
	_, err := Load(shippedFS(t, map[string]string{"events.yaml": bad}))
	if err == nil || !IsInvalid(err) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"events.yaml", "line 2: measure: no measure", "line 3: start:", "line 4: colour: unknown field",
		"line 7: end: before start", "line 10: kind:", "line 13: measure: missing", "line 13: text: missing", "line 14: wrong: unknown key",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if _, err := Load(shippedFS(t, map[string]string{"events.yaml": "events: [\n"})); err == nil || !strings.Contains(err.Error(), "events.yaml") {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := Load(shippedFS(t, map[string]string{"events.yaml": "- a\n"})); err == nil {
		t.Error("a list at the top must fail")
	}
}

func TestOverlayInvalidChangesNothing(t *testing.T) {
	c, err := corpus.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := len(c.Events)
	bad := "events:\n  - title: ok\n    start: 2024-06-01\n  - title: broken\n    start: tomorrow\n"
	if err := Apply(c, "events.yaml", []byte(bad)); err == nil {
		t.Fatal("accepted a bad date")
	}
	if len(c.Events) != n {
		t.Errorf("a rejected file added %d events", len(c.Events)-n)
	}
	if err := Apply(c, "empty.yaml", nil); err != nil || len(c.Events) != n {
		t.Errorf("empty file: %v", err)
	}
}
