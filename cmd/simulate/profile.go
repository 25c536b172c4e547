package main

import (
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names the environment variable that asks for a CPU profile
// of the whole command, in pprof's format: SIMULATE_CPUPROFILE=cpu.prof
// simulate run testdata/bench/big-job.yaml, then go tool pprof cpu.prof.
// bench/pgo.sh builds cmd/simulate/default.pgo from such profiles.
const cpuProfileEnv = "SIMULATE_CPUPROFILE"

// profiled runs f, with a CPU profile written to the file
// $SIMULATE_CPUPROFILE names if it is set: whole, once f returns, and
// never over an existing file.
func profiled(f func() error) error {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return f()
	}
	// createOut would say to add --force, which no command has for this.
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return bad("%s=%s: the file exists; remove it or name another", cpuProfileEnv, path)
	}
	out, err := createOut(cpuProfileEnv, path, false)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return bad("%s: %v", cpuProfileEnv, err)
	}
	ferr := f()
	pprof.StopCPUProfile()
	if err := out.Close(); ferr == nil {
		ferr = err
	}
	return ferr
}
