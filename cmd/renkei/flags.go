package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/kanto-renkei/renkei/corpus"
	"github.com/kanto-renkei/renkei/internal/overlay"
)

// newFlags makes a flag set whose errors print usage and exit 2, and whose
// -h prints usage and exits 0.
func newFlags(env *Env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "使い方: renkei %s %s\n  %s\n\nフラグ:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns errHelp for -h and an exit-2 error for
// bad flags (usage already printed by the flag package).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return &exitError{code: 2}
	}
	return nil
}

// errHelp ends a command successfully after -h printed its usage.
var errHelp = &exitError{code: 0}

// loadCorpus reads the corpus folder, or the embedded edition when dir is "".
func loadCorpus(dir string) (*corpus.Corpus, error) {
	if dir == "" {
		return overlay.Load(corpus.Embedded())
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("corpus folder %s is not a directory", dir)
	}
	return overlay.Load(os.DirFS(dir))
}
