package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
	"go.yaml.in/yaml/v3"
)

// checkpointFields is the table of the checkpoint section: the knobs of
// Flink's CheckpointConfig. Defaults come from sim.DefaultCheckpointConfig.
func checkpointFields(c *sim.CheckpointConfig) []field {
	return []field{
		{name: "interval", set: duration(&c.Interval)},
		{name: "mode", set: oneOf(&c.Mode, sim.AllModes)},
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
		{name: "record_size", set: d.recordSize("channels.record_size", &d.jobRecordBytes, &d.jobRecordSizes)},
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

// recordSize decodes a record size at path: a byte size, which every
// record has, or a distribution the records draw their sizes from
// ({distribution: uniform, min, max}, {distribution: exponential, mean,
// min}, {distribution: normal, mean, stddev}); fixed then gets its mean.
// The keys a distribution does not take are refused with the ones it does.
func (d *decoder) recordSize(path string, fixed *int, dist **topology.RecordSizes) setter {
	return func(n *yaml.Node) error {
		if n.Kind != yaml.MappingNode {
			if err := byteSize(fixed)(n); err != nil {
				return bad(n, "expected a byte size (%s) or a distribution such as {distribution: uniform, min: 50B, max: 150B}, got %s", sizeHint, describe(n))
			}
			*dist = nil
			return nil
		}
		r := &topology.RecordSizes{}
		v := get(n, "distribution")
		if v == nil {
			return d.errAt(n, "missing required field \"distribution\" in record_size (allowed: %s)", join(topology.SizeShapes))
		}
		if err := oneOf(&r.Shape, topology.SizeShapes)(v); err != nil {
			return d.wrap("distribution", err)
		}
		takes := map[topology.SizeShape][]string{
			topology.UniformSize: {"min", "max"}, topology.ExponentialSize: {"mean", "min"}, topology.NormalSize: {"mean", "stddev"},
		}[r.Shape]
		fields := []field{{name: "distribution", required: true}}
		for _, k := range []struct {
			name string
			p    *int
		}{{"min", &r.Min}, {"max", &r.Max}, {"mean", &r.Mean}, {"stddev", &r.Stddev}} {
			taken := slices.Contains(takes, k.name)
			f := field{name: k.name, required: taken && (k.name != "min" || r.Shape == topology.UniformSize), set: byteSize(k.p)}
			if !taken {
				f.reject = fmt.Sprintf("record_size: a %s distribution takes %s, not %s", r.Shape, strings.Join(takes, " and "), k.name)
			}
			fields = append(fields, f)
		}
		if err := d.mapping(n, path, "in record_size", fields); err != nil {
			return err
		}
		if r.Shape == topology.ExponentialSize && get(n, "min") == nil {
			r.Min = 1
		}
		if err := r.Check(); err != nil {
			return bad(n, "%v", err)
		}
		*dist, *fixed = r, r.MeanSize()
		return nil
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
