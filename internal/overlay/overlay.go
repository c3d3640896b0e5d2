// Package overlay lets the bureau add or correct events and deadlines
// between editions without touching the program document: a YAML file
// (events.yaml) beside the documents in the corpus folder.
//
// It validates strictly and names the line and field of every mistake; it
// must not change anything when a file is invalid.
package overlay

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kanto-renkei/renkei/corpus"
)

// Load parses the program documents in fsys and applies every overlay file
// (*.yaml, *.yml) found beside them, in name order.
func Load(fsys fs.FS) (*corpus.Corpus, error) {
	c, err := corpus.Load(fsys)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, _ := fs.Glob(fsys, pat)
		names = append(names, m...)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if err := Apply(c, path.Base(name), data); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Error lists every problem found in an overlay file.
type Error struct {
	File     string
	Problems []string // "line 12: start: …"
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %d problem(s):\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

var (
	eventFields    = []string{"series", "title", "start", "end", "precision", "format", "hosts", "venue", "measure", "replaces", "number"}
	deadlineFields = []string{"measure", "date", "precision", "kind", "text"}
	kinds          = []string{corpus.KindUntil, corpus.KindEnd, corpus.KindFrom, corpus.KindPlanned, corpus.KindClosed, corpus.KindDated}
)

// Apply validates one overlay file and, only when it has no problem, adds
// its records to c. Overlay records carry "file:line" as their Source.
func Apply(c *corpus.Corpus, name string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &Error{File: name, Problems: []string{err.Error()}}
	}
	o := &applier{c: c, name: name}
	if len(doc.Content) == 0 {
		return nil // an empty file adds nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{File: name, Problems: []string{fmt.Sprintf("line %d: the file must be a mapping with events: and deadlines:", root.Line)}}
	}
	var events []corpus.Event
	var deadlines []corpus.Deadline
	replaced := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "events":
			for _, item := range o.list(val, "events") {
				if e, ok := o.event(item); ok {
					if e.ID != "" {
						replaced[e.ID] = true
					}
					events = append(events, e)
				}
			}
		case "deadlines":
			for _, item := range o.list(val, "deadlines") {
				if d, ok := o.deadline(item); ok {
					deadlines = append(deadlines, d)
				}
			}
		default:
			o.fail(key, key.Value, "unknown key (want events or deadlines)")
		}
	}
	if len(o.problems) > 0 {
		return &Error{File: name, Problems: o.problems}
	}
	kept := c.Events[:0]
	for _, e := range c.Events {
		if !replaced[e.ID] {
			kept = append(kept, e)
		}
	}
	c.Events = append(kept, events...)
	c.SortEvents()
	c.Deadlines = append(c.Deadlines, deadlines...)
	return nil
}

type applier struct {
	c        *corpus.Corpus
	name     string
	problems []string
	seq      int
}

func (o *applier) fail(n *yaml.Node, field, msg string) {
	o.problems = append(o.problems, fmt.Sprintf("line %d: %s: %s", n.Line, field, msg))
}

func (o *applier) list(n *yaml.Node, field string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		o.fail(n, field, "must be a list")
		return nil
	}
	return n.Content
}

// fields maps the keys of a mapping node, reporting unknown and repeated keys.
func (o *applier) fields(n *yaml.Node, what string, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		o.fail(n, what, "must be a mapping")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !contains(known, k) {
			o.fail(n.Content[i], k, fmt.Sprintf("unknown field (known: %s)", strings.Join(known, ", ")))
			continue
		}
		if _, dup := out[k]; dup {
			o.fail(n.Content[i], k, "given twice")
		}
		out[k] = n.Content[i+1]
	}
	return out
}

func (o *applier) str(f map[string]*yaml.Node, k string) string {
	if n, ok := f[k]; ok {
		if n.Kind != yaml.ScalarNode {
			o.fail(n, k, "must be text")
			return ""
		}
		return strings.TrimSpace(n.Value)
	}
	return ""
}

func (o *applier) date(f map[string]*yaml.Node, k string, required bool, parent *yaml.Node) (time.Time, bool) {
	n, ok := f[k]
	if !ok {
		if required {
			o.fail(parent, k, "missing (YYYY-MM-DD)")
		}
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(n.Value), corpus.Tokyo)
	if err != nil {
		o.fail(n, k, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", n.Value))
		return time.Time{}, false
	}
	return t, true
}

func (o *applier) precision(f map[string]*yaml.Node) corpus.Precision {
	switch p := corpus.Precision(o.str(f, "precision")); p {
	case "":
		return corpus.Day
	case corpus.Day, corpus.Month, corpus.FiscalYear, corpus.Year:
		return p
	default:
		o.fail(f["precision"], "precision", fmt.Sprintf("%q (want day, month, fiscal-year or year)", p))
		return corpus.Day
	}
}

// measure resolves a measure by ID or exact title; empty is allowed.
func (o *applier) measure(f map[string]*yaml.Node) (corpus.Measure, bool) {
	ref := o.str(f, "measure")
	if ref == "" {
		return corpus.Measure{}, true
	}
	for _, m := range o.c.Measures {
		if m.ID == ref || corpus.Fold(m.Title) == corpus.Fold(ref) || corpus.Fold(corpus.ShortTitle(m.Title)) == corpus.Fold(ref) {
			return m, true
		}
	}
	o.fail(f["measure"], "measure", fmt.Sprintf("no measure with ID or title %q", ref))
	return corpus.Measure{}, false
}

func (o *applier) event(n *yaml.Node) (corpus.Event, bool) {
	before := len(o.problems)
	f := o.fields(n, "event", eventFields)
	e := corpus.Event{Source: fmt.Sprintf("%s:%d", o.name, n.Line)}
	if id := o.str(f, "replaces"); id != "" {
		var old *corpus.Event
		for i := range o.c.Events {
			if o.c.Events[i].ID == id {
				old = &o.c.Events[i]
			}
		}
		if old == nil {
			o.fail(f["replaces"], "replaces", fmt.Sprintf("no event with ID %q (see renkei corpus --json)", id))
		} else {
			e = *old
			e.Source = fmt.Sprintf("%s:%d", o.name, n.Line)
			e.Sessions = nil
		}
	}
	if m, ok := o.measure(f); ok && m.ID != "" {
		e.MeasureID, e.Edition = m.ID, m.Edition
		if e.Series == "" {
			e.Series = corpus.ShortTitle(m.Title)
		}
	}
	if s := o.str(f, "series"); s != "" {
		e.Series = s
	}
	if s := o.str(f, "title"); s != "" {
		e.Title = s
	}
	if e.Series == "" && e.Title == "" && f["measure"] == nil {
		o.fail(n, "title", "an event needs a title, a series or a measure")
	}
	if e.Title == "" {
		e.Title = e.Series
	}
	e.Precision = o.precision(f)
	if t, ok := o.date(f, "start", e.ID == "", n); ok {
		e.Start, e.End = t, t
		if e.Precision == corpus.Month {
			e.End = corpus.Date(t.Year(), t.Month()+1, 0)
		}
	}
	if t, ok := o.date(f, "end", false, n); ok {
		if t.Before(e.Start) {
			o.fail(f["end"], "end", "before start")
		}
		e.End = t
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"format", &e.Format}, {"venue", &e.Venue}} {
		if s := o.str(f, k.key); s != "" {
			*k.dst = s
		}
	}
	if h, ok := f["hosts"]; ok {
		var hosts []string
		if err := h.Decode(&hosts); err != nil {
			o.fail(h, "hosts", "must be a list of names")
		}
		e.Hosts = hosts
	}
	if h, ok := f["number"]; ok {
		if err := h.Decode(&e.Number); err != nil {
			o.fail(h, "number", "must be a whole number")
		}
	}
	if e.Edition == 0 {
		if p, ok := o.c.Latest(); ok {
			e.Edition = p.Edition
		}
	}
	if e.ID == "" {
		o.seq++
		e.ID = fmt.Sprintf("overlay-%s-%d", strings.TrimSuffix(o.name, path.Ext(o.name)), o.seq)
	}
	return e, len(o.problems) == before
}

func (o *applier) deadline(n *yaml.Node) (corpus.Deadline, bool) {
	before := len(o.problems)
	f := o.fields(n, "deadline", deadlineFields)
	d := corpus.Deadline{Source: fmt.Sprintf("%s:%d", o.name, n.Line), Text: o.str(f, "text"), Kind: o.str(f, "kind")}
	if m, ok := o.measure(f); ok {
		d.MeasureID = m.ID
	}
	if _, ok := f["measure"]; !ok {
		o.fail(n, "measure", "missing (a measure ID or title)")
	}
	if d.Text == "" {
		o.fail(n, "text", "missing (the sentence people will read)")
	}
	if d.Kind == "" {
		d.Kind = corpus.KindUntil
	} else if !contains(kinds, d.Kind) {
		o.fail(f["kind"], "kind", fmt.Sprintf("%q (want one of %s)", d.Kind, strings.Join(kinds, ", ")))
	}
	d.Precision = o.precision(f)
	if t, ok := o.date(f, "date", true, n); ok {
		d.Date = t
	}
	return d, len(o.problems) == before
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// IsInvalid reports whether err came from an invalid overlay file.
func IsInvalid(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
