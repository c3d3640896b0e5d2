package corpus

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
)

//go:embed data/*.txt
var embedded embed.FS

// Embedded is the shipped edition(s): the folder corpus/data of the repo.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// Default parses the embedded documents.
func Default() (*Corpus, error) { return Load(Embedded()) }

// Load parses every *.txt document at the top of fsys and merges them. Each
// record carries its edition; Latest names the newest. A file that is not a
// program document fails the load (an operator pointed at the wrong folder
// wants to know); a folder with no documents is an error too.
func Load(fsys fs.FS) (*Corpus, error) {
	names, err := fs.Glob(fsys, "*.txt")
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no program documents (*.txt) in the corpus folder")
	}
	sort.Strings(names)
	all := &Corpus{}
	editions := map[int]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		c, err := Parse(path.Base(name), data)
		if err != nil {
			return nil, err
		}
		ed := c.Programs[0].Edition
		if prev, dup := editions[ed]; dup {
			all.Warnings = append(all.Warnings, Warning{Source: name,
				Message: fmt.Sprintf("%d年版は %s と重複しているため読み込みません", ed, prev)})
			continue
		}
		editions[ed] = name
		all.merge(c)
	}
	return all, nil
}

func (c *Corpus) merge(o *Corpus) {
	c.Programs = append(c.Programs, o.Programs...)
	c.Measures = append(c.Measures, o.Measures...)
	c.Events = append(c.Events, o.Events...)
	c.Deadlines = append(c.Deadlines, o.Deadlines...)
	c.Contacts = append(c.Contacts, o.Contacts...)
	c.Warnings = append(c.Warnings, o.Warnings...)
	c.Notes = append(c.Notes, o.Notes...)
	c.SortEvents()
}

// SortEvents orders events by start date (then ID), the order people read
// schedules in.
func (c *Corpus) SortEvents() {
	sort.SliceStable(c.Events, func(i, j int) bool {
		a, b := c.Events[i], c.Events[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.ID < b.ID
	})
}

// Stale reports whether the newest edition is older than the fiscal year of
// now: its schedules and limits may be out of date.
func (c *Corpus) Stale(now time.Time) bool {
	p, ok := c.Latest()
	return ok && FiscalYearOf(now) > p.Edition
}
