package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersion(t *testing.T) {
	defer func(f func() (*debug.BuildInfo, bool)) { readBuildInfo = f }(readBuildInfo)
	tests := []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}}, true, "simulate v0.3.0 · go1.26.8\n"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "b77771e0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}}, true,
			"simulate (devel) · revision b77771e01234 (with uncommitted changes) · go1.26.8\n"},
		{nil, false, "simulate: no build information (built without module support)\n"},
	}
	for _, tt := range tests {
		readBuildInfo = func() (*debug.BuildInfo, bool) { return tt.info, tt.ok }
		for _, arg := range []string{"--version", "version"} {
			code, out, _ := runArgs(arg)
			assert.Equal(t, 0, code)
			assert.Equal(t, tt.want, out)
		}
	}
}
