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

// readFile reads at most MaxFileSize+1 bytes of path: enough for Parse to
// refuse a file that is too large without reading all of it.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
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
