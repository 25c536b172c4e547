package topology

// PipelinedRegions returns the pipelined region of each subtask of eg, as
// Flink's scheduler computes them (PipelinedRegionComputeUtil): in
// streaming every channel is pipelined, so a region is a connected
// component of the execution graph, named by its lowest subtask ID. Region
// failover (RestartPipelinedRegionFailoverStrategy) restarts the region of
// a failed subtask.
func PipelinedRegions(eg *ExecutionGraph) []int {
	parent := make([]int, len(eg.Subtasks))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, c := range eg.Channels {
		a, b := find(int(c.From)), find(int(c.To))
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	region := make([]int, len(parent))
	for i := range region {
		region[i] = find(i)
	}
	return region
}
