package search

import (
	"bufio"
	"context"
	"fmt"
	"github.com/kanto-renkei/renkei/corpus"
	"os"
	"sort"
	"strings"
	"testing"
)

func TestCalib(t *testing.T) {
	if os.Getenv("CALIB") == "" {
		t.Skip()
	}
	c, _ := corpus.Default()
	x, _ := New(c, DefaultSynonyms())
	var rows []string
	for _, f := range []string{"testdata/questions.tsv", "../../shared/eval/dev.tsv", "/tmp/extra.tsv"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			l := sc.Text()
			if l == "" || l[0] == '#' {
				continue
			}
			cols := strings.Split(l, "\t")
			if len(cols) < 4 || cols[3] == "event" || cols[3] == "contact" {
				continue
			}
			r, _ := x.Search(context.Background(), Query{Text: cols[0]})
			all := append(append([]Hit{}, r.Hits...), r.Rejected...)
			sort.SliceStable(all, func(i, j int) bool {
				return all[i].Coverage*0.5+all[i].Strong*0.5 > all[j].Coverage*0.5+all[j].Strong*0.5
			})
			if len(all) == 0 {
				rows = append(rows, fmt.Sprintf("%-9s NOHIT %s", cols[3], cols[0]))
				continue
			}
			h := all[0]
			m, _ := c.Measure(h.ID)
			ok := strings.Contains(cols[1], "none")
			for _, w := range strings.Split(cols[1], "|") {
				if strings.Contains(corpus.Fold(m.Title), corpus.Fold(w)) {
					ok = true
				}
			}
			rows = append(rows, fmt.Sprintf("%-9s cov=%.2f str=%.2f acc=%v right=%v %s -> %s", cols[3], h.Coverage, h.Strong, answers(h, len(r.Words)), ok, cols[0], m.Title))
		}
	}
	sort.Strings(rows)
	for _, r := range rows {
		t.Log(r)
	}
}
