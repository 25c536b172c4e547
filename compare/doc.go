// Package compare sets runs of one scenario side by side: the variants
// of a comparison or the grid of a what-if sweep (scenario keys set to
// several values, through scenarios.Setting so that they are validated as
// the file's own), the figures of each run (Metrics), and the text, JSON
// and CSV forms of the table and a plot of a metric over a swept key.
//
// It is a pure library like sim: it runs nothing itself (the caller steps
// each run, with its own progress and interrupts) and writes only to the
// io.Writer it is given.
package compare
