package scenarios

import (
	"errors"
	"strings"

	"github.com/ckptsim/ckptsim/sim"
	"github.com/ckptsim/ckptsim/topology"
)

// validate runs sim's validation (which includes the graph's) and moves its
// errors to the position that caused them.
func (s *Scenario) validate() error {
	if err := s.checkFaultTargets(); err != nil {
		return err
	}
	err := s.Config.Validate()
	if err == nil {
		return nil
	}
	var be *sim.BoundError
	if errors.As(err, &be) {
		return s.boundErrorAt(be.Field).err(s.File, "%s", be.Msg)
	}
	var te *topology.Error
	if errors.As(err, &te) {
		return s.graphErrorAt(te).err(s.File, "%s", te.Msg)
	}
	return s.configErrorAt(err.Error()).err(s.File, "%s", err.Error())
}

// graphErrorAt is the position of the operator or edge a topology error
// names: its mapping in the operators or edges list.
func (s *Scenario) graphErrorAt(te *topology.Error) position {
	switch {
	case te.Key != "":
		return s.orRoot(te.Key)
	case te.Edge >= 0 && te.Edge < len(s.at.edgeAt):
		return s.at.edgeAt[te.Edge]
	case te.Operator >= 0 && te.Operator < len(s.at.opAt):
		return s.at.opAt[te.Operator]
	}
	return s.orRoot("operators")
}

// configErrors maps the messages of sim.Config.Validate to the field that
// holds the offending value, first match wins. sim reports plain errors, so
// this matches their wording; a message that matches nothing falls back to
// its section, then to the top of the file.
var configErrors = []struct {
	contains string
	path     string
	// when, if set, must hold for the entry to apply: it picks between two
	// fields one message covers.
	when func(c *sim.Config) bool
}{
	{"scripted run has no periodic checkpoints", "checkpoint.interval", nil},
	{"script", "script", nil},
	{"aligned checkpoint timeout", "checkpoint.aligned_checkpoint_timeout", nil},
	{"checkpoint interval", "checkpoint.interval", nil},
	{"checkpointing mode", "checkpoint.mode", nil},
	{"min pause", "checkpoint.min_pause", nil},
	{"max concurrent", "checkpoint.max_concurrent", nil},
	{"checkpoint timeout", "checkpoint.timeout", nil},
	{"retained", "checkpoint.num_retained", nil},
	{"checkpoint history", "checkpoint.history", nil},
	{"snapshot durations", "checkpoint.sync_duration", func(c *sim.Config) bool { return c.Checkpoint.SyncDuration < 0 }},
	{"snapshot durations", "checkpoint.async_base", nil},
	{"storage bandwidth", "checkpoint.storage_bandwidth", nil},
	{"latency and jitter", "channels.latency", func(c *sim.Config) bool { return c.Channels.Latency < 0 }},
	{"latency and jitter", "channels.jitter", nil},
	{"segment size", "channels.segment_size", nil},
	{"floating buffers per gate", "channels.floating_buffers_per_gate", func(c *sim.Config) bool { return c.Channels.FloatingBuffersPerGate < 0 }},
	{"max buffers per channel", "channels.max_buffers_per_channel", nil},
	{"buffers per channel", "channels.buffers_per_channel", nil},
	{"buffer timeout", "channels.buffer_timeout", nil},
	{"min segment size", "channels.debloat.min_segment_size", nil},
	{"debloating needs a target", "channels.debloat.target", func(c *sim.Config) bool { return c.Channels.Debloat.Target <= 0 }},
	{"debloating needs a target", "channels.debloat.period", nil},
	{"debloating needs samples", "channels.debloat.samples", func(c *sim.Config) bool { return c.Channels.Debloat.Samples < 1 }},
	{"debloating needs samples", "channels.debloat.threshold_percentage", nil},
	{"placement", "taskmanagers", func(c *sim.Config) bool { return c.Placement.TaskManagers < 1 }},
	{"placement", "slots_per_taskmanager", nil},
	{"run length", "until", nil},
	{"event budget", "max_events", nil},
}

// configErrorAt is the best position for a sim validation message.
func (s *Scenario) configErrorAt(msg string) position {
	if p, ok := s.faultErrorAt(msg); ok {
		return p
	}
	lower := strings.ToLower(msg)
	if p, ok := s.recoveryErrorAt(lower); ok {
		return p
	}
	if p, ok := s.backendErrorAt(lower); ok {
		return p
	}
	if p, ok := s.restoreErrorAt(msg); ok {
		return p
	}
	for _, e := range configErrors {
		if !strings.Contains(lower, e.contains) || (e.when != nil && !e.when(&s.Config)) {
			continue
		}
		if p, ok := s.at.values[e.path]; ok {
			return p
		}
		section, _, _ := strings.Cut(e.path, ".")
		return s.orRoot(section)
	}
	switch {
	case strings.Contains(lower, "checkpoint"):
		return s.orRoot("checkpoint")
	case strings.Contains(lower, "channel"):
		return s.orRoot("channels")
	}
	return s.at.root
}

// orRoot is the position of the top-level value path, or of the top-level
// mapping when the file does not have it.
func (s *Scenario) orRoot(path string) position {
	if p, ok := s.at.values[path]; ok {
		return p
	}
	return s.at.root
}
