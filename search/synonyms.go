package search

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/kanto-renkei/renkei/corpus"
)

//go:embed synonyms.txt
var defaultSynonyms string

// Synonyms expands a question with the words its triggers stand for: BCP →
// 事業継続力強化計画, 跡継ぎ → 事業承継 後継者. It is the data file
// search/synonyms.txt (or an admin's copy), read once.
type Synonyms struct {
	rules []rule
}

type rule struct {
	expand   []string // words to search as well
	triggers []string // normalised
	line     int
}

// DefaultSynonyms is the dictionary shipped in the binary.
func DefaultSynonyms() *Synonyms {
	s, err := ParseSynonyms(defaultSynonyms)
	if err != nil {
		panic(err) // the shipped file is tested
	}
	return s
}

// ParseSynonyms reads a dictionary: one rule a line, 「WORDS : TRIGGER, …」.
// A malformed line is an error naming its number.
func ParseSynonyms(text string) (*Synonyms, error) {
	s := &Synonyms{}
	for i, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		ln = strings.ReplaceAll(ln, "：", ":")
		left, right, ok := strings.Cut(ln, " : ")
		if !ok {
			left, right, ok = strings.Cut(ln, ":")
		}
		if !ok {
			return nil, fmt.Errorf("synonyms line %d: want 「WORDS : TRIGGER, TRIGGER」, got %q", i+1, ln)
		}
		r := rule{expand: strings.Fields(corpus.Normalize(left)), line: i + 1}
		for _, t := range strings.Split(strings.ReplaceAll(right, "、", ","), ",") {
			if t = corpus.Normalize(t); t != "" {
				r.triggers = append(r.triggers, t)
			}
		}
		if len(r.expand) == 0 || len(r.triggers) == 0 {
			return nil, fmt.Errorf("synonyms line %d: a rule needs words and triggers: %q", i+1, ln)
		}
		s.rules = append(s.rules, r)
	}
	return s, nil
}

// Expansion is what one rule added to a question.
type Expansion struct {
	Trigger string   // the trigger found in the question
	Words   []string // the words searched as well
}

// Expand returns one Expansion per trigger found in the normalised
// question q (a rule may fire through several triggers: 地震 and 水害).
// ASCII triggers (BCP, CE, IP) must stand as whole words.

func (s *Synonyms) Expand(q string) []Expansion {
	if s == nil {
		return nil
	}
	var out []Expansion
	for _, r := range s.rules {
		for _, t := range r.triggers {
			if containsWord(q, t) {
				out = append(out, Expansion{Trigger: t, Words: r.expand})
			}
		}
	}
	return out
}

// containsWord reports whether t occurs in q; when t begins or ends with an
// ASCII letter or digit, the neighbouring characters must not be ones.
func containsWord(q, t string) bool {
	for from := 0; ; {
		i := strings.Index(q[from:], t)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(t)
		okLeft := i == 0 || !isAlnum(q[i-1]) || !isAlnum(t[0])
		okRight := j == len(q) || !isAlnum(q[j]) || !isAlnum(t[len(t)-1])
		if okLeft && okRight {
			return true
		}
		from = i + 1
	}
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z'
}
