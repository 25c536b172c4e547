package protocol_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ckptsim/ckptsim/scenarios"
	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/sim/protocol"
	"github.com/ckptsim/ckptsim/topology"
)

// TestEngineAgrees replays, per subtask, the barrier-handling inputs of
// engine runs (the barriers, cancel markers and ends of partition it
// takes, from the trace) into a fresh protocol of the kind its mode
// selects, and checks that the protocol blocks the same channels,
// snapshots the same checkpoints and declines the same ones, in the same
// order, as the engine traced. The engine steps the same state machines
// (sim/driver.go), so this checks its executor from the outside: an input
// translated wrongly, or an action dropped, reordered or carried out at
// the wrong moment, shows as a difference. It covers every bundled
// scenario in the aligned, at-least-once and unaligned modes (the aligned
// checkpoint timeout is left out: the trace does not tell which barriers
// were prioritized).
func TestEngineAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every bundled scenario three times")
	}
	for _, name := range scenarios.Bundled() {
		sc, err := scenarios.Load(name)
		require.NoError(t, err)
		if sc.Config.Script != nil || sc.Config.Checkpoint.Mode == sim.ChandyLamport {
			continue // the conformance cases cover scripted runs; a token job runs no Flink mode
		}
		for _, mode := range []sim.Mode{sim.Aligned, sim.AtLeastOnce, sim.Unaligned} {
			cfg := sc.Config
			cfg.Checkpoint.Mode, cfg.Checkpoint.AlignedCheckpointTimeout = mode, 0
			t.Run(fmt.Sprintf("%s/%s", name, mode), func(t *testing.T) {
				engine, replayed := replay(t, cfg)
				for id := range engine {
					assert.Equal(t, engine[id], replayed[id], "subtask %d", id)
				}
			})
		}
	}
}

// replay runs cfg and returns, per subtask, the barrier effects the engine
// traced and those the protocol gives for the traced inputs.
func replay(t *testing.T, cfg sim.Config) (engine, replayed [][]string) {
	s, err := sim.New(cfg)
	require.NoError(t, err)
	var eg *topology.ExecutionGraph
	var protos []protocol.Protocol
	var input []map[int]int // per subtask: channel id -> input index
	// recovering: the subtask's input gates still read recovered channel
	// state (from its SubtaskRestoring to its last InputRecovered).
	var recovering []bool
	reset := func(id int) {
		protos[id], _ = forMode(cfg.Checkpoint, protocol.Spec{Inputs: len(eg.Subtasks[id].Inputs)})
	}
	// graph follows the execution graph, which a rescaling restore
	// replaces: every subtask then starts afresh.
	graph := func() {
		if s.Graph() == eg {
			return
		}
		eg = s.Graph()
		n := len(eg.Subtasks)
		protos, input, recovering = make([]protocol.Protocol, n), make([]map[int]int, n), make([]bool, n)
		for len(engine) < n {
			engine, replayed = append(engine, nil), append(replayed, nil)
		}
		for id := range n {
			input[id] = map[int]int{}
			for i, c := range eg.Subtasks[id].Inputs {
				input[id][int(c)] = i
			}
			reset(id)
		}
	}
	graph()
	unaligned := cfg.Checkpoint.Mode == sim.Unaligned
	aborted := map[int64]bool{} // at the coordinator
	savepoint := func(n int64) bool {
		cv, _ := s.CheckpointView(n, false)
		return cv.Savepoint
	}
	step := func(id int, in protocol.Input) {
		in.Recovering = recovering[id]
		for _, a := range protos[id].Step(in).Actions {
			switch a.Kind {
			case protocol.Block:
				replayed[id] = append(replayed[id], fmt.Sprintf("block c%d %d", a.Channel, a.Checkpoint))
			case protocol.Snapshot:
				if !aborted[a.Checkpoint] { // the engine cancels instead (abortedBefore)
					replayed[id] = append(replayed[id], fmt.Sprintf("snapshot %d", a.Checkpoint))
				}
			case protocol.Decline:
				replayed[id] = append(replayed[id], fmt.Sprintf("decline %d %s", a.Checkpoint, a.Reason))
			}
		}
	}
	s.Tracer = func(ev sim.TraceEvent) {
		graph()
		id := int(ev.Subtask)
		if id < 0 || id >= len(protos) || len(eg.Subtasks[id].Inputs) == 0 {
			if ev.Kind == sim.CheckpointAborted || ev.Kind == sim.CheckpointExpired {
				aborted[ev.Checkpoint] = true
			}
			return
		}
		ch := input[id][int(ev.Channel)]
		switch ev.Kind {
		case sim.CheckpointAborted, sim.CheckpointExpired:
			aborted[ev.Checkpoint] = true
		case sim.SubtaskFailed, sim.SubtaskRestoring:
			reset(id)
			recovering[id] = ev.Kind == sim.SubtaskRestoring
		case sim.InputRecovered:
			recovering[id] = ev.N > 0
		case sim.BarrierReceived:
			sp := savepoint(ev.Checkpoint)
			step(id, protocol.Input{Kind: protocol.Barrier, Channel: ch, Checkpoint: ev.Checkpoint, Now: s.Now(), Unaligned: unaligned && !sp, Savepoint: sp})
		case sim.CancelMarkerReceived:
			step(id, protocol.Input{Kind: protocol.Cancel, Channel: ch, Checkpoint: ev.Checkpoint, Now: s.Now()})
		case sim.EndOfPartition:
			step(id, protocol.Input{Kind: protocol.EndOfPartition, Channel: ch, Now: s.Now()})
		case sim.ChannelBlocked:
			engine[id] = append(engine[id], fmt.Sprintf("block c%d %d", ch, ev.Checkpoint))
		case sim.SnapshotSyncStart:
			engine[id] = append(engine[id], fmt.Sprintf("snapshot %d", ev.Checkpoint))
			if len(replayed[id]) < len(engine[id]) || replayed[id][len(engine[id])-1] != engine[id][len(engine[id])-1] {
				// Triggered directly: every input ended (FLIP-147).
				step(id, protocol.Input{Kind: protocol.Trigger, Checkpoint: ev.Checkpoint, Now: s.Now(), Savepoint: savepoint(ev.Checkpoint)})
			}
		case sim.TaskCheckpointAborted:
			engine[id] = append(engine[id], fmt.Sprintf("decline %d %s", ev.Checkpoint, ev.Reason))
		}
	}
	s.Run()
	for id := range engine {
		engine[id], replayed[id] = slices.Clip(engine[id]), slices.Clip(replayed[id])
	}
	return engine, replayed
}
