package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gdamore/tcell/v2"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/tui"
)

// tuiScreen opens the screen the UI draws on; tests replace it with a
// simulation screen.
var tuiScreen = func() (tcell.Screen, error) { return nil, nil }

// tuiCmd opens the terminal UI on a scenario.
func tuiCmd(args []string, stdout io.Writer) error {
	var o runOptions
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	o.overrideFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: simulate tui [FILE|NAME] [flags]\n\nOpens the terminal UI on a scenario (default %q): watch barriers flow through\nthe job, step through checkpoints and back in time. Press ? in the UI for the keys.\nNO_COLOR=1 draws without colour.\n\nFlags:\n", scenarios.DefaultName)
		fs.PrintDefaults()
	}
	sc, cfg, err := o.scenario(fs, args, stdout, "tui")
	if err != nil {
		return err
	}
	scr, err := tuiScreen()
	if err != nil {
		return err
	}
	u, err := tui.New(cfg, tui.Options{Screen: scr, Description: sc.Description})
	if err != nil {
		return usageError{err}
	}
	if err := u.Run(); err != nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
