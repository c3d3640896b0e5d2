package main

import (
	"path/filepath"
	"testing"
)

func TestFileLock(t *testing.T) {
	lock := fileLock("file:" + filepath.Join(t.TempDir(), "renkei.db") + "?mode=rwc")
	unlock, ok := lock()
	if !ok {
		t.Fatal("first lock refused")
	}
	if _, ok := lock(); ok {
		t.Error("a second holder got the lock")
	}
	unlock()
	unlock2, ok := lock()
	if !ok {
		t.Fatal("lock not freed")
	}
	unlock2()
	if fileLock(":memory:") != nil {
		t.Error("an in-memory store has no file to lock")
	}
}
