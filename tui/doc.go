// Package tui is the terminal user interface of ckptsim (tview/tcell): it
// shows a simulation's graph, timeline, checkpoints and trace and lets a
// person step through them. It only consumes package sim.
package tui
