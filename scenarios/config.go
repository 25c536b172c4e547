package scenarios

import "github.com/ckptsim/ckptsim/sim"

// checkpointFields is the table of the checkpoint section: the knobs of
// Flink's CheckpointConfig. Defaults come from sim.DefaultCheckpointConfig.
func checkpointFields(c *sim.CheckpointConfig) []field {
	return []field{
		{name: "interval", set: duration(&c.Interval)},
		{name: "mode", set: oneOf(&c.Mode, sim.Modes)},
		{name: "aligned_checkpoint_timeout", set: duration(&c.AlignedCheckpointTimeout)},
		{name: "min_pause", set: duration(&c.MinPause)},
		{name: "max_concurrent", set: integer(&c.MaxConcurrent)},
		{name: "timeout", set: duration(&c.Timeout)},
		{name: "num_retained", set: integer(&c.NumRetained)},
		{name: "history", set: integer(&c.History)},
		{name: "sync_duration", set: duration(&c.SyncDuration)},
		{name: "async_base", set: duration(&c.AsyncBase)},
		{name: "storage_bandwidth", set: bandwidth(&c.StorageBandwidth)},
	}
}

// channelFields is the table of the channels section. Defaults come from
// sim.DefaultChannelConfig.
func channelFields(c *sim.ChannelConfig) []field {
	return []field{
		{name: "latency", set: duration(&c.Latency)},
		{name: "jitter", set: duration(&c.Jitter)},
		{name: "capacity", set: integer(&c.Capacity)},
		{name: "output_buffer", set: integer(&c.OutputBuffer)},
	}
}
