package scenarios

import (
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"go.yaml.in/yaml/v3"
)

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

// channelFields is the table of the channels section: Flink's network
// options. Defaults come from sim.DefaultChannelConfig.
func (d *decoder) channelFields(c *sim.ChannelConfig) []field {
	return []field{
		{name: "latency", set: duration(&c.Latency)},
		{name: "jitter", set: duration(&c.Jitter)},
		{name: "segment_size", set: byteSize(&c.SegmentSize)},
		{name: "buffers_per_channel", set: integer(&c.BuffersPerChannel)},
		{name: "floating_buffers_per_gate", set: integer(&c.FloatingBuffersPerGate)},
		{name: "max_buffers_per_channel", set: integer(&c.MaxBuffersPerChannel)},
		{name: "buffer_timeout", set: bufferTimeout(&c.BufferTimeout)},
		{name: "debloat", set: d.section("channels.debloat", debloatFields(&c.Debloat))},
		{name: "record_size", set: byteSize(&d.recordSize)},
		{name: "capacity", reject: recordModel("capacity", "the receiver's buffer in records")},
		{name: "output_buffer", reject: recordModel("output_buffer", "the sender's records waiting for credit")},
	}
}

// recordModel is the message for a key of the record-counted network model
// that network buffers replaced.
func recordModel(key, was string) string {
	return "channels." + key + " (" + was + ") is gone: channels now carry network buffers in bytes, as Flink's do; " +
		"use segment_size, buffers_per_channel, floating_buffers_per_gate and max_buffers_per_channel (see FORMAT.md, channels)"
}

// debloatFields is the table of channels.debloat: Flink's
// taskmanager.network.memory.buffer-debloat.* options.
func debloatFields(c *sim.DebloatConfig) []field {
	return []field{
		{name: "enabled", set: boolean(&c.Enabled)},
		{name: "target", set: duration(&c.Target)},
		{name: "period", set: duration(&c.Period)},
		{name: "samples", set: integer(&c.Samples)},
		{name: "threshold_percentage", set: integer(&c.ThresholdPercentage)},
		{name: "min_segment_size", set: byteSize(&c.MinSegmentSize)},
	}
}

// bufferTimeout decodes execution.buffer-timeout: a duration, or -1 for
// no timeout (only full buffers are sent).
func bufferTimeout(p *time.Duration) setter {
	return func(n *yaml.Node) error {
		if n.Kind == yaml.ScalarNode && n.Value == "-1" {
			*p = sim.NoBufferTimeout
			return nil
		}
		if err := duration(p)(n); err != nil {
			return bad(n, "expected a duration or -1 (only full buffers), got %s (%s)", describe(n), durationHint)
		}
		return nil
	}
}
