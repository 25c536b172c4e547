package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// outFile is a file a command writes whole or not at all. Writes go
// through a buffer into a temporary file in the destination's directory,
// and Close renames it into place: an interrupt, a panic or a full disk
// never leaves a truncated or empty file at the destination, nor destroys
// the file --force replaces before the new one is complete. A destination
// that is not a regular file, such as /dev/stdout or a named pipe, is
// written directly, without --force: it holds nothing to lose.
type outFile struct {
	*bufio.Writer
	path   string
	force  bool
	file   *os.File
	direct bool
	// finish, if set, completes the file before Close flushes it (the
	// Perfetto export writes it whole then) and reports the first error of
	// a writer that keeps its errors (the JSONL tracer).
	finish func() error
	closed bool
	err    error
}

// createOut starts writing the file the flag names. It refuses a
// directory, and a regular file that exists unless force is set; both
// problems are bad input, found before any work is done.
func createOut(flag, path string, force bool) (*outFile, error) {
	f := &outFile{path: path, force: force}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, bad("%s %s is a directory; give the name of a file to write", flag, path)
	case err == nil && !fi.Mode().IsRegular():
		f.direct = true
		f.file, err = os.OpenFile(path, os.O_WRONLY, 0)
	case err == nil && !force:
		return nil, bad("%s %s: the file exists; add --force to overwrite it", flag, path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, bad("%s %s: %v", flag, path, unwrapPath(err))
	default:
		f.file, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
		if err == nil {
			err = f.file.Chmod(0o644)
		}
	}
	if err != nil {
		return nil, bad("%s %s: cannot write it: %v", flag, path, unwrapPath(err))
	}
	f.Writer = bufio.NewWriterSize(f.file, 1<<16)
	return f, nil
}

// unwrapPath drops the path of an *fs.PathError, which the messages name
// already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close flushes the buffer and puts the file in place. It may be called
// more than once (a deferred Close covers a panic); later calls return the
// first one's error. A nil *outFile is a file not asked for.
func (f *outFile) Close() error {
	if f == nil {
		return nil
	}
	if f.closed {
		return f.err
	}
	f.closed = true
	var err error
	if f.finish != nil {
		err = f.finish()
	}
	if ferr := f.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	if f.direct {
		f.err = wrapWrite(f.path, err)
		return f.err
	}
	tmp := f.file.Name()
	if err == nil {
		err = f.place(tmp)
	} else {
		os.Remove(tmp)
	}
	f.err = wrapWrite(f.path, err)
	return f.err
}

// place renames the complete temporary file to the destination; without
// --force it never replaces a file, not even one created while the
// command ran.
func (f *outFile) place(tmp string) error {
	if f.force {
		return os.Rename(tmp, f.path)
	}
	err := os.Link(tmp, f.path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links.
		if _, serr := os.Lstat(f.path); errors.Is(serr, fs.ErrNotExist) {
			return os.Rename(tmp, f.path)
		}
		err = fs.ErrExist
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("the file was created while the command ran, so it was left alone (add --force to overwrite it); the output is in %s", tmp)
	}
	return os.Remove(tmp)
}

// wrapWrite names the file a write error is about.
func wrapWrite(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

// writableDir checks, before any work is done, that files can be created
// in the directory the flag names or, if it does not exist yet, in its
// nearest existing parent, where it would be created.
func writableDir(flag, dir string) error {
	d := dir
	for {
		fi, err := os.Stat(d)
		if err == nil && !fi.IsDir() {
			return bad("%s %s: %s is a file, not a directory", flag, dir, d)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return bad("%s %s: %v", flag, dir, unwrapPath(err))
		}
		d = filepath.Dir(d)
	}
	probe, err := os.CreateTemp(d, ".simulate-probe-*")
	if err != nil {
		return bad("%s %s: cannot write in %s: %v", flag, dir, d, unwrapPath(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}
