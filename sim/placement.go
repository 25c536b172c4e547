package sim

import (
	"fmt"

	"github.com/ckptsim/ckptsim/topology"
)

// Placement is where subtasks run: TaskManagers with a number of slots
// each. With Flink's default slot sharing every slot holds one subtask of
// each operator (a pipeline of the job), so subtask i of every operator
// runs in slot i, and slots fill the TaskManagers in order (the default
// cluster.evenly-spread-out-slots: false). A channel between two subtasks
// of one TaskManager is local (LocalInputChannel); the others cross the
// network (RemoteInputChannel). A crash of a machine loses the task-local
// state of every subtask on it.
type Placement struct {
	// TaskManagers is the number of TaskManagers; 0 places every subtask
	// on a TaskManager of its own.
	TaskManagers int
	// SlotsPerTaskManager is taskmanager.numberOfTaskSlots.
	SlotsPerTaskManager int
}

// MaxTaskManagers bounds Placement.TaskManagers and
// Placement.SlotsPerTaskManager.
const MaxTaskManagers = 100_000

func (p *Placement) validate(g *topology.Graph) error {
	switch {
	case p.TaskManagers == 0 && p.SlotsPerTaskManager == 0:
		return nil
	case p.TaskManagers < 1 || p.SlotsPerTaskManager < 1:
		return fmt.Errorf("placement needs taskmanagers >= 1 and slots_per_taskmanager >= 1")
	case p.TaskManagers > MaxTaskManagers || p.SlotsPerTaskManager > MaxTaskManagers:
		return fmt.Errorf("placement: at most %d taskmanagers and %d slots per taskmanager", MaxTaskManagers, MaxTaskManagers)
	}
	need := 0
	for _, op := range g.Operators {
		need = max(need, op.Parallelism)
	}
	if have := p.TaskManagers * p.SlotsPerTaskManager; have < need {
		return fmt.Errorf("placement: %d taskmanagers × %d slots = %d slots, but the job needs %d (its highest parallelism, with slot sharing)",
			p.TaskManagers, p.SlotsPerTaskManager, have, need)
	}
	return nil
}

// TaskManagerOf is the TaskManager subtask st runs on: its index among
// the placement's TaskManagers, or -1 - st.ID (one of its own) without a
// placement.
func (p *Placement) TaskManagerOf(st *topology.Subtask) int {
	if p.TaskManagers == 0 {
		return -1 - st.ID
	}
	return st.Index / p.SlotsPerTaskManager
}
