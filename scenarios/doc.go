// Package scenarios reads ckptsim scenario files: YAML documents that name a
// job graph, its workload and Flink's checkpointing knobs, and turn them into
// a validated sim.Config.
//
// Parse decodes one file's bytes; Load resolves a bundled scenario by name or
// reads a file by path. Every problem is an *Error that points at the line
// and column of the YAML node at fault and says what is allowed instead,
// including problems that topology or sim find in the decoded config. Parse
// never panics, whatever the input.
//
// The bundled scenarios (Bundled, DefaultName) are embedded in the binary and
// teach one aspect of checkpointing each. FORMAT.md in this directory is the
// reference of the file format, field by field.
//
// The package reads files but runs nothing: running a scenario is package
// sim's job.
package scenarios
