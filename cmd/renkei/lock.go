package main

import (
	"os"
	"strings"
	"syscall"
)

// fileLock returns a digest lock held with flock(2) on a file beside the
// SQLite database: the kernel frees it when the process ends, even by
// kill -9, so a crash never leaves it stuck. With a DSN that is not a file,
// no lock is used.
func fileLock(dsn string) func() (func(), bool) {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || path == ":memory:" {
		return nil
	}
	return func() (func(), bool) {
		f, err := os.OpenFile(path+".digest.lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return func() {}, true // cannot lock: do not stop the digest
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, false
		}
		return func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}, true
	}
}
