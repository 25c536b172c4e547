package sim

import (
	"fmt"
	"math/rand/v2"

	"github.com/ckptsim/ckptsim/topology"
)

// Sim is one simulation run. Create it with New, then call Step until it
// returns false, or Run. A Sim is not safe for concurrent use; a run never
// starts goroutines.
type Sim struct {
	// Tracer, if set, receives every trace event in order.
	Tracer func(TraceEvent)

	cfg       Config
	eg        *topology.ExecutionGraph
	q         queue
	now       int64
	pcg       *rand.PCG
	rng       *rand.Rand
	fired     int64
	traced    int64
	until     int64
	maxEvents int64
	// logs are the sources' partitions by global index, partBase the
	// index of each source operator's first (see initPartitions).
	logs     []*sourceLog
	partBase []int32
	tasks    []task
	chans    []channel
	// prefetch: the channels do not fit in the caches, so the engine
	// gives the CPU hints of the ones it will visit (prefetch.go).
	prefetch bool
	// loopsOn: a proven restore loop does not end the run, so that a test
	// can watch it go on (TestRestoreLoopLasts).
	loopsOn bool
	coord   coordinator
	stop    StopReason
	job     job
	// checks are the checkers (observer.go): the engine tells them what
	// they observe; they hold no pointer into the run.
	checks *checkers
	// faultSubtask and faultChannel are the resolved targets of each
	// fault (-1: none).
	faultSubtask, faultChannel []int32
	// observe, if set, sees every output a sink makes visible (tests).
	observe func(output)
	// sourceReads counts the records all sources read, replays included.
	sourceReads int64
	// inFlight counts the records on all channels (MaxInFlightRecords).
	inFlight int64
	// lastEndOfInput is when a subtask last reached the end of its input;
	// failedSinceEnd counts the checkpoints that failed in a row since
	// (stallCheck).
	lastEndOfInput int64
	failedSinceEnd int
	// stuckMoves is the records moved (read, taken, emitted) when the
	// last checkpoint failed, stuckFor how many failed in a row since
	// without a record moving (deadlockCheck).
	stuckMoves int64
	stuckFor   int
	// deadlock is the cycle deadlockCheck found when it stopped the run:
	// the state right after, in the same instant, may be one the analysis
	// cannot judge (a task busy with a snapshot for a moment).
	deadlock *Deadlock
	// bounded reports whether the run can drain and be checked end to
	// end: every source is bounded, or a stop-with-savepoint ends the job.
	bounded bool
	// Commit latencies of two-phase commit sinks.
	commitLatency, maxCommitLatency, committedRecs int64
	scriptTask                                     int32    // the task under test of a scripted run
	script                                         []string // ScriptLog lines
	// zipf are the Zipf tables of the sources; graphs the execution
	// graph of each execution (a rescaling restore deploys a new one).
	zipf   zipfTables
	owners ownerTables // the hash gates' key-owner tables
	graphs []*topology.ExecutionGraph
	// fileSeq numbers the shared state files (backend.go); sharedLost
	// says how the registry deleted a file a retained checkpoint
	// references ("": it never did).
	fileSeq    int64
	sharedLost string
	// chunks and bufs are the storage the channels' queues share.
	chunks chunkPool
	bufs   ringPool[netBuf]
	// txnRecs are the record slices of committed transactions, emptied
	// for the next transactions to fill: a sink writes every record it
	// takes into one.
	txnRecs stack[[]output]
	// tokens is the token job of mode ChandyLamport (nil otherwise).
	tokens *tokenJob
	// lazy are the credits kept aside, by channel (credit.go), lazyN how
	// many channels have one. Everything before (seenAt, seenOrd) in the
	// order of events has happened: the event being handled, or the time
	// the run is observed at (ObserveAt).
	lazy    []lazyCredit
	lazyN   int
	seenAt  int64
	seenOrd uint64
	// eagerCredits makes every credit an event, as before credits were
	// lazy: the tests compare the two.
	eagerCredits bool
	// announcing are the BacklogAnnouncements on their way, by channel in
	// the order sent (nil when the receivers have exclusive buffers, which
	// never announce), annRings their storage, annSeq the id of the next
	// (credit.go).
	announcing []deque[announcement]
	annRings   ringPool[announcement]
	annSeq     uint32
}

// StopReason says why a run ended.
type StopReason uint8

// The stop reasons.
const (
	// Running: the run has not ended.
	Running StopReason = iota
	// EndTime: the virtual end time was reached.
	EndTime
	// EventBudget: the event budget was spent.
	EventBudget
	// Quiescent: nothing was left to happen.
	Quiescent
	// JobEnded: the job finished, failed or was cancelled.
	JobEnded
	// Stalled: every subtask still running waits for its final checkpoint
	// and checkpoints keep failing with nothing left that could change
	// that (see stallCheck). Flink's job would stay RUNNING forever.
	Stalled
	// InFlightBudget: the channels held more than MaxInFlightRecords
	// records at once.
	InFlightBudget
	// RestoreLoop: a restore failed on state that cannot be read, and
	// every restart to come would restore the same state and fail again
	// (see restoreLoopCheck). Flink's job would fail over forever.
	RestoreLoop
	// Deadlocked: the job is stuck in a forced-alignment deadlock
	// (Result.Deadlock) with nothing left that could change it (see
	// deadlockCheck). Flink's job would stay RUNNING forever.
	Deadlocked
)

var stopNames = [...]string{"running", "end time", "event budget", "quiescent", "job ended", "stalled", "in-flight budget", "restore loop", "deadlock"}

// String names the reason.
func (r StopReason) String() string { return stopNames[r] }

// New validates cfg and builds a run: the execution graph, the tasks, the
// channels and the coordinator, with one PCG random source seeded from
// cfg.Seed.
func New(cfg Config) (*Sim, error) {
	if cfg.Script != nil {
		cfg.Graph = cfg.Script.Graph()
	}
	cfg.Recovery = cfg.Recovery.withDefaults()
	cfg.StateBackend = cfg.StateBackend.withDefaults()
	cfg.Channels = cfg.Channels.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	eg, err := topology.Expand(cfg.Graph)
	if err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, zipf: zipfTables{}, graphs: []*topology.ExecutionGraph{eg}, pcg: rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)}
	s.rng = rand.New(s.pcg)
	s.until = int64(cfg.Until)
	if s.until == 0 {
		s.until = int64(Horizon)
	}
	s.maxEvents = cfg.MaxEvents
	if s.maxEvents == 0 {
		s.maxEvents = defaultBudget(cfg)
	}
	s.initPartitions()
	s.build(eg)
	if err := s.checkUserProtocols(); err != nil {
		return nil, err
	}
	s.coord.running = len(s.tasks)
	// A stop-with-savepoint drains an unbounded job too.
	s.bounded = true
	for _, op := range cfg.Graph.Operators {
		if op.Kind == topology.Source && op.Source.Records == 0 && cfg.Recovery.Stop.At == 0 {
			s.bounded = false
		}
	}
	s.coord.lastCompletion = -1
	s.checks = newCheckers(&s.cfg, s.logs, s.bounded)
	s.job = job{restarter: restarter{cfg: cfg.Recovery.Restart}, region: topology.PipelinedRegions(eg),
		waiting: make([]bool, len(s.tasks)), waitingFor: make([]int, len(s.tasks)), stoppedBy: make([]int, len(s.tasks)), corrupt: map[int64]bool{}}
	for i := range s.job.waitingFor {
		s.job.waitingFor[i] = -1
	}
	if s.faultSubtask, s.faultChannel, err = s.faultTargets(); err != nil {
		return nil, err
	}
	s.scheduleFaults()
	for _, at := range cfg.Recovery.Savepoints {
		s.q.push(int64(at), evSavepoint, 0, 0, 0)
	}
	if cfg.Recovery.Stop.At > 0 {
		s.q.push(int64(cfg.Recovery.Stop.At), evStopWithSavepoint, 0, 0, 0)
	}
	if cfg.Recovery.CancelAt > 0 {
		s.q.push(int64(cfg.Recovery.CancelAt), evCancel, 0, 0, 0)
	}
	for i, r := range cfg.Restores {
		s.q.push(int64(r.At), evResubmit, int32(i), 0, 0)
	}
	s.job.restoresDue = len(cfg.Restores)
	if cfg.Script != nil {
		s.scriptStart()
		return s, nil
	}
	if cfg.Checkpoint.Mode == ChandyLamport {
		s.startTokenJob()
		return s, nil
	}
	s.coord.start(s)
	for i := range s.tasks {
		if s.tasks[i].isSource() {
			s.schedule(&s.tasks[i], 0, evSourceNext, 0)
		}
		s.scheduleDebloat(&s.tasks[i])
	}
	return s, nil
}

// build creates the subtasks and channels of execution graph eg: the job's
// deployment, at the start and again after a rescaling restore.
func (s *Sim) build(eg *topology.ExecutionGraph) {
	s.scheduleAllLazy() // the credit events of the old deployment are stale
	s.eg = eg
	s.chans = make([]channel, len(eg.Channels))
	s.prefetch = prefetches(len(s.chans))
	s.lazy = make([]lazyCredit, len(eg.Channels))
	s.announcing = nil
	if s.cfg.Channels.BuffersPerChannel == 0 {
		s.announcing = make([]deque[announcement], len(eg.Channels))
	}
	pl := &s.cfg.Placement
	for i, c := range eg.Channels {
		s.chans[i] = channel{id: int32(i), from: int32(c.From), to: int32(c.To),
			local: pl.TaskManagerOf(&eg.Subtasks[c.From]) == pl.TaskManagerOf(&eg.Subtasks[c.To])}
		s.initChannel(&s.chans[i])
	}
	s.tasks = make([]task, len(eg.Subtasks))
	layout := newChainLayout(eg, s.cfg.Seed)
	keys := ownerKeys(s.cfg.Graph) // of the hash gates' key-owner tables
	for i := range eg.Subtasks {
		st := &eg.Subtasks[i]
		op := eg.Op(i)
		t := &s.tasks[i]
		*t = task{id: int32(i), op: op, opIdx: st.Operator, chain: layout.chain(eg, st), wakeAt: -1, curCh: -1, flushAt: -1, idleSince: -1}
		// The task's inputs are the graph's, and an input gate's channels
		// a run of them (they are ordered by edge).
		t.inputs = st.Inputs
		first := 0 // the current gate's first input
		for in, id := range st.Inputs {
			c := &s.chans[id]
			c.input = int32(in)
			if in == 0 || eg.Channels[id].Edge != eg.Channels[t.inputs[in-1]].Edge {
				t.gates = append(t.gates, inGate{})
				first = in
			}
			c.gate = int32(len(t.gates) - 1)
			t.gates[c.gate].chans = t.inputs[first : in+1 : in+1]
		}
		for gi := range t.gates {
			t.gates[gi].reset(&s.cfg.Channels)
		}
		t.openInputs, t.dataInputs = len(t.inputs), len(t.inputs)
		t.readable = newInputSet(len(t.inputs))
		t.recording = make([]int64, len(t.inputs))
		for _, g := range st.Outputs {
			gt := gate{part: g.Partitioning, pool: s.cfg.Channels.outputPool(len(g.Channels)), chans: g.Channels}
			if gt.part == topology.Hash {
				gt.owners = s.owners.get(keys, g.KeyGroups, len(g.Channels))
			}
			for _, id := range g.Channels {
				s.chans[id].outGate = int32(len(t.outputs))
			}
			if gt.part == topology.Rebalance {
				// Flink's RebalancePartitioner starts at a random channel.
				gt.rr = s.rng.IntN(len(gt.chans))
			}
			t.outputs = append(t.outputs, gt)
		}
		t.proto = s.newProtocol(t, 0)
		switch op.Kind {
		case topology.Source:
			t.splits = s.initialSplits(st.Operator, st.Index)
		case topology.Aggregate:
			t.state = newKeyedState(s.owners.get(keys, s.cfg.Graph.MaxParallelismOf(st.Operator), op.Parallelism), st.Index)
			t.backend = backend{memtable: map[int64]struct{}{}, base: map[int64]int64{}}
			s.startBackend(t)
		}
	}
}

// initPartitions creates the logs of the sources' partitions, numbered
// across the job in operator order: a source's partitions stay the same
// however it is rescaled.
func (s *Sim) initPartitions() {
	g := s.cfg.Graph
	s.partBase = make([]int32, len(g.Operators))
	for i := range g.Operators {
		op := &g.Operators[i]
		s.partBase[i] = int32(len(s.logs))
		if op.Kind != topology.Source {
			continue
		}
		for range op.PartitionsOf() {
			s.logs = append(s.logs, newSourceLog(op.Source, s.cfg.Seed, len(s.logs), s.zipf))
		}
	}
}

// initialSplits are the splits source subtask index of operator op reads
// from the start of its log: the partitions topology.SplitOwner gives it
// at the operator's present parallelism, in partition order.
func (s *Sim) initialSplits(op, index int) []split {
	o := &s.cfg.Graph.Operators[op]
	var out []split
	for p := range o.PartitionsOf() {
		if topology.SplitOwner(p, o.Parallelism) == index {
			out = append(out, s.splitAt(int32(p)+s.partBase[op], 0))
		}
	}
	return out
}

// splitAt is the split of global partition part at offset.
func (s *Sim) splitAt(part int32, offset int64) split {
	return split{part: part, offset: offset, log: s.logs[part]}
}

// eventsPerHop is the default budget's allowance per record and operator
// it reaches: a record costs one to three events at each subtask (its
// arrival, the end of its processing, a wake-up), and replays after a
// failover repeat some.
const eventsPerHop = 4

// defaultBudget is the event budget of a run whose Config sets none: the
// larger of DefaultMaxEvents and eventsPerHop events for each time a
// record the sources read by the end of the run reaches an operator
// (each receiver of a broadcast counts), at most MaxEventBudget. A job
// that reads ten million records is not cut off at fifty million events;
// a job without an end (unbounded sources, no end time) keeps
// DefaultMaxEvents.
func defaultBudget(cfg Config) int64 {
	g := cfg.Graph
	order, err := g.Order()
	if err != nil {
		return DefaultMaxEvents
	}
	reach := make([]float64, len(g.Operators))
	for i, op := range g.Operators {
		if op.Kind != topology.Source {
			continue
		}
		n := float64(op.Source.Records)
		if cfg.Until > 0 {
			byEnd := op.Source.Rate * cfg.Until.Seconds()
			if n == 0 || byEnd < n {
				n = byEnd
			}
		}
		if n == 0 {
			return DefaultMaxEvents
		}
		reach[i] = n * float64(op.PartitionsOf())
	}
	from, to := g.EdgeEnds()
	outputs := make([][]int, len(g.Operators))
	for i := range g.Edges {
		outputs[from[i]] = append(outputs[from[i]], i)
	}
	hops := 0.0
	for _, op := range order {
		hops += reach[op]
		for _, i := range outputs[op] {
			receiver := to[i]
			if g.Edges[i].Partitioning == topology.Broadcast {
				reach[receiver] += reach[op] * float64(g.Operators[receiver].Parallelism)
			} else {
				reach[receiver] += reach[op]
			}
		}
	}
	return int64(min(max(eventsPerHop*hops, DefaultMaxEvents), MaxEventBudget))
}

// Step fires the next event. It returns false once the run has ended.
func (s *Sim) Step() bool {
	if s.stop != Running {
		return false
	}
	next, from := s.next()
	switch {
	case (s.job.status == JobFinished || s.job.status == JobFailed || s.job.status == JobCanceled) && s.job.restoresDue == 0:
		s.stop = JobEnded // nothing will resubmit it
	case next == nil:
		s.stop = Quiescent
	case next.at > s.until:
		s.now = s.until
		s.stop = EndTime
	case s.fired >= s.maxEvents:
		s.stop = EventBudget
	case s.inFlight > MaxInFlightRecords:
		s.stop = InFlightBudget
	}
	if s.stop != Running {
		return false
	}
	e := s.q.take(from)
	if s.prefetch {
		s.prefetchNet()
	}
	if e.at < s.now {
		panic(fmt.Sprintf("sim: event %d scheduled in the past (%d < %d)", e.kind(), e.at, s.now))
	}
	s.now = e.at
	s.seenAt, s.seenOrd = e.at, e.ord
	s.fired++
	s.dispatch(e)
	return true
}

// next returns the next event and where it is in the queue (nil: none).
// Once nothing else is due by the end time, the credits kept aside
// (credit.go) are scheduled: they fire before the run ends, as they did.
func (s *Sim) next() (*event, int8) {
	next, from := s.q.head()
	if s.lazyN > 0 && (next == nil || next.at > s.until) {
		s.scheduleAllLazy()
		next, from = s.q.head()
	}
	return next, from
}

// Run steps until the end and returns the result.
func (s *Sim) Run() *Result {
	for s.Step() {
	}
	return s.Result()
}

// schedule plans an event for task t's current incarnation.
func (s *Sim) schedule(t *task, at int64, kind eventKind, b int64) {
	s.q.push(at, kind, t.id, b, t.attempt)
}

// scheduleOn plans an event for channel c's current incarnation.
func (s *Sim) scheduleOn(c *channel, at int64, kind eventKind, b int64) {
	s.q.push(at, kind, c.id, b, c.attempt)
}

// deliver plans the arrival of a message sent on channel c now (a buffer,
// an event, a credit, a backlog or a buffer size): in the queue's FIFO of
// the network, where a fixed latency keeps them in order.
func (s *Sim) deliver(c *channel, at int64, kind eventKind, b int64) {
	s.q.pushNet(at, kind, c.id, b, c.attempt)
}

func (s *Sim) dispatch(e event) {
	switch e.kind() {
	case evSourceNext, evProcessDone, evSyncDone, evAsyncDone, evAlignTimeout, evWake, evRestored, evMaterialize, evMaterialized, evFlush, evDebloat:
		if int(e.a) >= len(s.tasks) {
			return // for a subtask a rescaling restore removed
		}
		t := &s.tasks[e.a]
		if e.gen != t.attempt {
			return // for an incarnation that a restart ended
		}
		switch e.kind() {
		case evSourceNext:
			if t.wakeAt == e.at {
				t.wakeAt = -1
			}
			s.tryWork(t)
		case evProcessDone:
			s.processDone(t)
		case evSyncDone:
			s.syncDone(t, e.b)
		case evAsyncDone:
			s.asyncDone(t, e.b)
		case evAlignTimeout:
			s.alignmentTimeout(t, e.b)
			// The timer is a mail of the task's mailbox; the barriers it
			// prioritized are priority events, which the task takes next,
			// also while backpressured (CheckpointedInputGate's
			// processPriorityEvents mail, on the priority event that
			// RemoteInputChannel.convertToPriorityEvent announces).
			s.tryWork(t)
		case evWake:
			s.tryWork(t)
		case evRestored:
			s.restored(t)
		case evMaterialize:
			s.materialize(t)
		case evMaterialized:
			s.materialized(t)
		case evFlush:
			s.flushOutputs(t)
		case evDebloat:
			s.debloat(t)
		}
	case evArrive, evOutputTimeout, evAnnounce, evResume, evBuffer, evCredit, evBacklog, evBufferSize, evPartitionRequest:
		if int(e.a) >= len(s.chans) {
			return // for a channel a rescaling restore removed
		}
		c := &s.chans[e.a]
		if e.gen != c.attempt {
			return
		}
		switch e.kind() {
		case evArrive, evBuffer:
			if e.kind() == evBuffer {
				s.landArrived(c)
			}
			if c.prio > 0 {
				s.jumpPriority(c)
			}
			s.tryWork(&s.tasks[c.to])
		case evOutputTimeout:
			s.outputTimeout(c, e.b)
		case evAnnounce:
			if !s.heldByPartition(c, &e) {
				s.announce(c, e.b, s.barrierTrigger(c, e.b))
			}
		case evResume:
			s.resumed(c)
		case evCredit:
			s.credited(c, uint32(e.b>>32), int(e.b&(1<<32-1)))
		case evBacklog:
			if !s.heldByPartition(c, &e) {
				s.backlogAnnounced(c, e.b)
			}
		case evBufferSize:
			s.resized(c, int32(e.b))
		case evPartitionRequest:
			s.partitionRequested(c)
		}
	case evPeriodicTrigger:
		s.coord.periodic(s, e.b)
	case evExpire:
		s.coord.expire(s, e.b)
	case evScript:
		s.scriptStep(int(e.a))
	case evFault:
		s.strike(int(e.a))
	case evRestart:
		s.restart(e.b)
	case evSavepoint:
		s.coord.savepoint(s)
	case evCancel:
		s.cancel()
	case evStopWithSavepoint:
		s.stopWithSavepoint()
	case evResubmit:
		s.resubmit(int(e.a))
	case evTokenSend, evTokenSnapshot, evTokenRule, evTokenArrive:
		s.tokenEvent(e)
	default:
		panic(fmt.Sprintf("sim: unknown event kind %d", e.kind()))
	}
}

// trace emits a trace event stamped with the current time.
func (s *Sim) trace(ev TraceEvent) {
	if !s.listened() {
		s.traced++ // kept small so that it inlines and costs nothing untraced
		return
	}
	s.emitTrace(ev)
}

// untraced counts a trace event that nobody receives and reports so; the
// caller builds and emits the event (emitTrace) only when it returns
// false. What happens to a record several times on its way goes through
// it, so that a run nobody listens to builds no TraceEvent per record,
// which the inlined trace still does at its call site.
func (s *Sim) untraced() bool {
	if s.listened() {
		return false
	}
	s.traced++
	return true
}

// listened reports whether anything receives the trace: a Tracer, or the
// log of a scripted run.
func (s *Sim) listened() bool { return s.Tracer != nil || s.cfg.Script != nil }

func (s *Sim) emitTrace(ev TraceEvent) {
	if s.cfg.Script != nil {
		s.scriptLog(ev)
	}
	ev.Seq = s.traced
	ev.At = s.now
	s.traced++
	if s.Tracer != nil {
		s.Tracer(ev)
	}
}

// barrierTrigger is the trigger time carried by barrier n queued on c.
func (s *Sim) barrierTrigger(c *channel, n int64) int64 {
	for i := range c.in().len() {
		if it := c.in().at(i); it.kind == itemBarrier && it.ck == n {
			return it.trigger()
		}
	}
	return s.coord.triggerTime(n)
}

func (s *Sim) taskFinished(t *task) { s.coord.taskFinished(s, t) }

func (s *Sim) channelName(id int) string { return s.eg.ChannelName(id) }

// Now is the current virtual time in nanoseconds.
func (s *Sim) Now() int64 { return s.now }

// Budget is the run's event budget: Config.MaxEvents, or the default that
// scales with the job.
func (s *Sim) Budget() int64 { return s.maxEvents }

// Events is the number of events fired so far.
func (s *Sim) Events() int64 { return s.fired }

// Graph is the execution graph being run.
func (s *Sim) Graph() *topology.ExecutionGraph { return s.eg }

// Config is the run's configuration.
func (s *Sim) Config() Config { return s.cfg }
