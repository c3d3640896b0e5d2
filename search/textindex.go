package search

import (
	"index/suffixarray"
	"sort"
)

// textIndex answers "which records contain this string?" for substrings of
// any length, in logarithmic time: a suffix array over all texts joined by
// a separator that never occurs in normalised text.
type textIndex struct {
	sa     *suffixarray.Index
	starts []int // byte offset where each text begins
	docs   []*doc
}

const textSep = "\x00"

func newTextIndex(docs []*doc, text func(*doc) string) *textIndex {
	ti := &textIndex{docs: docs}
	var buf []byte
	for _, d := range docs {
		ti.starts = append(ti.starts, len(buf))
		buf = append(buf, text(d)...)
		buf = append(buf, textSep...)
	}
	ti.sa = suffixarray.New(buf)
	return ti
}

// has reports whether any text contains s.
func (ti *textIndex) has(s string) bool {
	return s != "" && len(ti.sa.Lookup([]byte(s), 1)) > 0
}

// docsWith returns the set of records whose text contains s.
func (ti *textIndex) docsWith(s string) map[*doc]bool {
	out := map[*doc]bool{}
	if s == "" {
		return out
	}
	for _, off := range ti.sa.Lookup([]byte(s), -1) {
		i := sort.SearchInts(ti.starts, off+1) - 1
		out[ti.docs[i]] = true
	}
	return out
}

// presence memoises docsWith for the words of one query.
type presence struct {
	ti   *textIndex
	memo map[string]map[*doc]bool
}

func (p *presence) in(d *doc, s string) bool {
	set, ok := p.memo[s]
	if !ok {
		set = p.ti.docsWith(s)
		p.memo[s] = set
	}
	return set[d]
}
