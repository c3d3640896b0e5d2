//go:build ignore

// gen_baseforms writes baseforms.txt.gz: the base form (基本形) of every
// verb and adjective entry of kagome's IPA dictionary, keyed by entry ID.
// renkei loads the dictionary without its feature columns (DictShrink: a
// third of the memory and start-up time) and takes base forms from this
// table instead. Regenerate with `go generate ./search` after upgrading
// kagome-dict/ipa.
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"log"
	"os"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
)

func main() {
	d := ipa.Dict()
	baseAt := int(d.ContentsMeta[dict.BaseFormIndex])
	f, err := os.Create("baseforms.txt.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	fmt.Fprintf(w, "# ipa entries %d\n", len(d.POSTable.POSs))
	prev, n := 0, 0
	for id, pos := range d.POSTable.POSs {
		if len(pos) == 0 {
			continue
		}
		switch d.POSTable.NameList[pos[0]] {
		case "動詞", "形容詞":
		default:
			continue
		}
		i := baseAt - len(pos)
		if i < 0 || i >= len(d.Contents[id]) {
			continue
		}
		base := d.Contents[id][i]
		if base == "" || base == "*" {
			continue
		}
		// id as a delta from the previous line keeps the file small.
		fmt.Fprintf(w, "%d %s\n", id-prev, base)
		prev = id
		n++
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d base forms", n)
}
