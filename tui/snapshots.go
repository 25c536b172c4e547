package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/ckptsim/ckptsim/sim"
)

// The panes of a token job (mode chandy-lamport): the checkpoint pane
// lists the snapshots with their token totals and shows the selected one
// as recorded so far; the details pane shows a process's tokens and what
// each of its inputs recorded. The graph pane's ribbons show the markers
// on the channels (|n) and the token messages that will be recorded on
// arrival (*).

// snapColumns are the columns of the snapshot table.
var snapColumns = []column{
	{"ID", 4, true, 0}, {"STATUS", 12, false, 1}, {"INITIATOR", 12, false, 4}, {"COMPLETED", 10, true, 3},
	{"STATES", 8, true, 5}, {"ACKED", 7, true, 6}, {"TOKENS", 14, true, 2}, {"ON CHANNELS", 12, true, 7},
}

// drawSnapshots draws the checkpoint pane of a token job.
func (p *checkpointPane) drawSnapshots(scr tcell.Screen) {
	u := p.u
	s := u.m.Sim()
	snaps := s.TokenSnapshots()
	n := int64(len(snaps))
	sel := u.selectedCheckpoint()
	x, y, w, h, ok := p.frame(scr, fmt.Sprintf(" Snapshots · %d initiated · %d tokens in the system ", n, s.TokenTotal()))
	if !ok {
		return
	}
	th := &u.th
	tableH := p.tableHeight(n, h)
	show := fitColumns(snapColumns, w)
	heads := make([]string, len(snapColumns))
	for i, c := range snapColumns {
		heads[i] = c.head
	}
	drawRow(scr, x, y, w, snapColumns, show, heads, th.header, nil)
	if sel > 0 {
		p.off = clampScroll(p.off, int(sel-1), int(n), p.tableRows)
	}
	for i := 0; i < p.tableRows && int64(p.off+i) < n; i++ {
		v := &snaps[p.off+i]
		status, done := "IN_PROGRESS", "-"
		if v.Done {
			status, done = "COMPLETED", fmtTimeMs(v.Completed)
		}
		row := []string{itoa(int64(v.ID)), status, u.m.SubtaskName(int32(v.Initiator)), done, fmt.Sprintf("%d/%d", v.RecordedStates(), v.Processes),
			fmt.Sprintf("%d/%d", v.Acked, v.Processes), fmt.Sprintf("%d/%d", v.Total(), s.TokenTotal()), itoa(v.Total() - v.States())}
		st := th.base
		if int64(v.ID) == sel {
			st = th.selected
		}
		drawRow(scr, x, y+1+i, w, snapColumns, show, row, st, nil)
	}
	if h < 6 || sel == 0 {
		if sel == 0 && h > 1 {
			text(scr, x, y+1, x+w, "no snapshot yet: processes initiate them at the times of tokens.snapshots", th.dim)
		}
		return
	}
	v := &snaps[sel-1]
	ry := y + tableH
	state := "in progress"
	if v.Done {
		state = "completed"
	}
	cx := text(scr, x, ry, x+w, fmt.Sprintf("── snapshot %d %s: %d of %d tokens recorded ", v.ID, state, v.Total(), s.TokenTotal()), th.bold)
	fill(scr, cx, ry, x+w-cx, '─', th.dim)
	lines := strings.Split(strings.TrimSuffix(v.String(), "\n"), "\n")[1:]
	for i, l := range lines {
		if ry+1+i >= y+h {
			break
		}
		text(scr, x, ry+1+i, x+w, l, th.base)
	}
}

// processActivity is what process id of a token job shows in the graph
// pane: the tokens it holds and the snapshots it records inputs for (~),
// else idle (·).
func (u *UI) processActivity(id int, s *sim.Sim) (rune, tcell.Style, string) {
	th := &u.th
	text := fmt.Sprintf("holds %d tokens", s.TokensHeld(id))
	var recording []string
	for _, ch := range u.m.Graph().Subtasks[id].Inputs {
		for _, n := range s.Recording(int(ch)) {
			if r := fmt.Sprintf("ck%d", n); !slices.Contains(recording, r) {
				recording = append(recording, r)
			}
		}
	}
	if len(recording) == 0 {
		return '·', th.idle, text
	}
	return '~', th.lane[laneAsync], text + " · recording for " + strings.Join(recording, ", ")
}

// processLines are the details pane's lines of process id of a token job.
func (p *detailsPane) processLines(id int, add func(...dpart), plain func(string, ...any) dpart) {
	u := p.u
	th := &u.th
	s := u.m.Sim()
	eg := u.m.Graph()
	add(dpart{u.m.SubtaskName(int32(id)), th.bold}, plain(" process · holds %d tokens", s.TokensHeld(id)))
	snaps := s.TokenSnapshots()
	var recorded []string
	for i := range snaps {
		if v := &snaps[i]; v.Recorded[id] {
			for _, pr := range v.Tokens {
				if pr.ID == eg.Subtasks[id].Name {
					recorded = append(recorded, fmt.Sprintf("ck%d %d", v.ID, pr.Tokens))
				}
			}
		}
	}
	if len(recorded) > 0 {
		add(dpart{"recorded state: " + strings.Join(recorded, ", "), th.lane[laneAsync]})
	}
	st := eg.Subtasks[id]
	if len(st.Inputs) > 0 {
		add(dpart{"inputs", th.header})
	}
	for _, ch := range st.Inputs {
		c := s.ChannelView(int(ch))
		parts := []dpart{plain("  %s  %d in flight", u.m.ChannelName(int32(ch)), c.ReceiverRecords)}
		for _, n := range s.Recording(int(ch)) {
			got := int64(0)
			for _, m := range snaps[n-1].Messages {
				if m.From == eg.Subtasks[eg.Channels[ch].From].Name && m.To == st.Name {
					got += m.Tokens
				}
			}
			parts = append(parts, dpart{fmt.Sprintf(" · recording for ck%d: %d so far", n, got), th.prio})
		}
		add(parts...)
	}
}
