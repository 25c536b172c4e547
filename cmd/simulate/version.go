package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// writeVersion prints the module version the binary was built from, its
// VCS revision when the build recorded one, and the Go version.
func writeVersion(w io.Writer) {
	info, ok := readBuildInfo()
	if !ok {
		fmt.Fprintln(w, "simulate: no build information (built without module support)")
		return
	}
	line := "simulate " + info.Main.Version
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision != "" {
		line += " · revision " + revision[:min(12, len(revision))]
		if modified == "true" {
			line += " (with uncommitted changes)"
		}
	}
	fmt.Fprintf(w, "%s · %s\n", line, info.GoVersion)
}
