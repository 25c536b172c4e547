package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultName is the bundled scenario used when none is named.
const DefaultName = "minimal"

//go:embed bundled/*.yaml
var bundledFS embed.FS

// bundledPath is where the bundled scenario name is embedded.
func bundledPath(name string) string { return "bundled/" + name + ".yaml" }

// Bundled returns the names of the bundled scenarios: DefaultName first,
// then the others in alphabetical order.
func Bundled() []string {
	entries, _ := fs.ReadDir(bundledFS, "bundled") // sorted by file name
	names := []string{DefaultName}
	for _, e := range entries {
		if name := strings.TrimSuffix(e.Name(), ".yaml"); name != DefaultName {
			names = append(names, name)
		}
	}
	return names
}

// BundledSource returns the YAML text of a bundled scenario, for a person
// to copy and change.
func BundledSource(name string) ([]byte, error) {
	data, err := bundledFS.ReadFile(bundledPath(name))
	if err != nil {
		return nil, unknownScenario(name)
	}
	return data, nil
}

// Load returns the scenario nameOrPath names: a bundled scenario by name
// (see Bundled), or else a scenario file by path. An empty nameOrPath is
// DefaultName. A bundled name wins over a file of the same name in the
// working directory; write ./name to mean the file.
//
// Problems in the scenario are *Error; an unknown name is an *Error with
// Line 0; a file that cannot be read is the error of package os.
func Load(nameOrPath string) (*Scenario, error) {
	if nameOrPath == "" {
		nameOrPath = DefaultName
	}
	if data, err := BundledSource(nameOrPath); err == nil {
		return Parse(bundledPath(nameOrPath), data)
	}
	data, err := readFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !looksLikePath(nameOrPath) {
			return nil, unknownScenario(nameOrPath)
		}
		return nil, err
	}
	return Parse(nameOrPath, data)
}

// Describe returns the description of the scenario nameOrPath names, as
// Load resolves it.
func Describe(nameOrPath string) (string, error) {
	s, err := Load(nameOrPath)
	if err != nil {
		return "", err
	}
	return s.Description, nil
}

// Read parses the scenario r holds, such as standard input; name stands
// for the file in errors and Scenario.File. Like Load it reads at most
// MaxFileSize+1 bytes: a larger input is refused without being read whole.
// Problems in the scenario are *Error; a failed read is the reader's
// error.
func Read(name string, r io.Reader) (*Scenario, error) {
	data, err := readAtMost(name, r, -1)
	if err != nil {
		return nil, err
	}
	return Parse(name, data)
}

// readFile reads path, refusing a directory and a file larger than
// MaxFileSize by its size (an *Error) without reading it.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &Error{File: path, Msg: "this is a directory, not a scenario file"}
	} else if err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return readAtMost(path, f, size)
}

// readAtMost reads r, whose size is known when it is not negative: at most
// MaxFileSize+1 bytes, enough to know that a larger input is too large.
func readAtMost(name string, r io.Reader, size int64) ([]byte, error) {
	if size > MaxFileSize {
		return nil, tooLarge(name, size)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(name, size)
	}
	return data, nil
}

// looksLikePath reports whether s is meant as a file rather than a bundled
// name.
func looksLikePath(s string) bool {
	ext := filepath.Ext(s)
	return strings.ContainsRune(s, '/') || strings.ContainsRune(s, filepath.Separator) || ext == ".yaml" || ext == ".yml"
}

// unknownScenario is the error for a name that is neither bundled nor a
// file.
func unknownScenario(name string) *Error {
	return &Error{Msg: fmt.Sprintf("unknown scenario %q (bundled: %s; or give the path of a .yaml file)", name, strings.Join(Bundled(), ", "))}
}
