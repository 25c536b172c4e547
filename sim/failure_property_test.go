package sim

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ckptsim/ckptsim/topology"
)

// genRestart draws a restart strategy that allows enough restarts for any
// fault schedule of genFaults.
func genRestart(t *rapid.T) RestartStrategy {
	switch rapid.SampledFrom([]RestartKind{FixedDelay, FailureRate, ExponentialDelay}).Draw(t, "restart") {
	case FixedDelay:
		return fixedDelay(1000, ms(t, 0, 100, "restart.delay"))
	case FailureRate:
		return RestartStrategy{Kind: FailureRate, MaxFailures: 1000, Interval: ms(t, 1, 2000, "restart.interval"), Delay: ms(t, 0, 100, "restart.delay")}
	default:
		return RestartStrategy{Kind: ExponentialDelay, Delay: ms(t, 1, 50, "restart.delay"), MaxDelay: ms(t, 50, 300, "restart.max"),
			Multiplier: rapid.Float64Range(1.01, 3).Draw(t, "restart.multiplier"), ResetThreshold: ms(t, 0, 2000, "restart.reset"),
			Jitter: rapid.Float64Range(0, 1).Draw(t, "restart.jitter")}
	}
}

// genFaults draws crashes of random subtasks at random times within the
// job's expected duration, maybe in a phase of a checkpoint or while
// restoring, maybe random crashes over a bounded window.
func genFaults(t *rapid.T, s *Sim, duration time.Duration) []Fault {
	var faults []Fault
	subtask := func(label string) string {
		return s.eg.Subtasks[rapid.IntRange(0, len(s.eg.Subtasks)-1).Draw(t, label)].Name
	}
	for i := range rapid.IntRange(0, 4).Draw(t, "crashes") {
		label := fmt.Sprintf("crash%d", i)
		f := Fault{Kind: Crash, Subtask: subtask(label + ".subtask"), MachineLost: rapid.Bool().Draw(t, label+".lost")}
		switch ph := rapid.SampledFrom(Phases).Draw(t, label+".phase"); ph {
		case AtTime:
			f.At = time.Duration(rapid.Int64Range(0, int64(duration)).Draw(t, label+".at"))
		case Restoring:
			f.Phase, f.Checkpoint = ph, int64(rapid.IntRange(1, 3).Draw(t, label+".failover"))
		default:
			f.Phase, f.Checkpoint = ph, int64(rapid.IntRange(1, 20).Draw(t, label+".checkpoint"))
		}
		faults = append(faults, f)
	}
	if rapid.Bool().Draw(t, "random?") {
		f := Fault{Kind: RandomCrashes, MTBF: ms(t, 100, 2000, "random.mtbf"), At: ms(t, 0, 500, "random.at")}
		f.Until = f.At + ms(t, 100, 2000, "random.window")
		if rapid.Bool().Draw(t, "random.one?") {
			f.Subtask = subtask("random.subtask")
		}
		faults = append(faults, f)
	}
	return faults
}

// TestPropertyRecovery: for random jobs and random fault schedules, with
// restart strategies that allow the restarts, the job finishes; in an
// exactly-once mode with a two-phase commit sink every checker holds (the
// final keyed state is the failure-free one, the committed output has no
// duplicate and no loss); in at-least-once mode nothing is lost.
func TestPropertyRecovery(t *testing.T) {
	for _, pm := range propModes {
		t.Run(pm.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				cfg := genConfig(t, pm, true)
				for i := range cfg.Graph.Operators {
					if op := &cfg.Graph.Operators[i]; op.Kind == topology.Sink {
						op.SinkMode = topology.TwoPhaseCommitSink
					}
				}
				// The input lasts records/rate: the longest partition.
				var duration time.Duration
				for _, op := range cfg.Graph.Operators {
					if op.Source != nil {
						duration = max(duration, time.Duration(float64(op.Source.Records)/op.Source.Rate*float64(time.Second)))
					}
				}
				cfg.Recovery = recoveryWith(genRestart(t))
				cfg.Recovery.Failover = rapid.SampledFrom([]Failover{FullFailover, RegionFailover}).Draw(t, "failover")
				cfg.Recovery.LocalRecovery = rapid.Bool().Draw(t, "local")
				if rapid.Bool().Draw(t, "savepoint?") {
					cfg.Recovery.Savepoints = []time.Duration{time.Duration(rapid.Int64Range(0, int64(duration)).Draw(t, "savepoint"))}
				}
				cfg.MaxEvents = 20_000_000
				probe, err := New(cfg)
				if err != nil {
					t.Fatalf("invalid config: %v", err)
				}
				cfg.Faults = genFaults(t, probe, duration)
				s, err := New(cfg)
				if err != nil {
					t.Fatalf("invalid faults: %v", err)
				}
				r := s.Run()
				if r.Stop == Stalled {
					return // no checkpoint completes after the end of input: Flink's job waits too
				}
				if r.Deadlock != nil {
					return // the forced-alignment deadlock: Flink's job never finishes either
				}
				if r.Job != JobFinished {
					t.Fatalf("the job is %s (stop: %s at %v), want FINISHED; failovers: %+v", r.Job, r.Stop, time.Duration(r.VirtualEnd), r.Failovers)
				}
				checkInvariants(t, pm, r)
				if r.Summary.Lost != 0 {
					t.Fatalf("%d records lost", r.Summary.Lost)
				}
				if pm.mode != AtLeastOnce && r.Summary.Duplicates != 0 {
					t.Fatalf("%d duplicates in the committed output", r.Summary.Duplicates)
				}
			})
		})
	}
}
