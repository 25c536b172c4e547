package sim

// event is one scheduled happening. It is a small value type so that the
// queue holds events inline, without pointers or interface boxing: the
// engine's hot path allocates nothing per event.
type event struct {
	at   int64  // virtual time, ns
	seq  uint64 // schedule order: breaks ties between equal times
	b    int64  // checkpoint id or generation
	a    int32  // subtask or channel
	gen  uint32 // the subtask's or channel's incarnation: stale after a restart
	kind eventKind
}

// eventKind says what an event does when it fires.
type eventKind uint8

const (
	evSourceNext        eventKind = iota // a source subtask may emit its next record
	evArrive                             // an item reaches the receiver of channel a
	evProcessDone                        // subtask a finished processing its record
	evSyncDone                           // subtask a finished the sync phase of checkpoint b
	evAsyncDone                          // subtask a finished the async phase of checkpoint b
	evPeriodicTrigger                    // the coordinator's periodic timer (b = generation)
	evExpire                             // checkpoint b times out
	evAlignTimeout                       // subtask a: aligned checkpoint timeout of checkpoint b
	evOutputTimeout                      // channel a: a timeoutable barrier b queued at the sender times out
	evWake                               // subtask a may continue (credit came back)
	evScript                             // script step a becomes available
	evAnnounce                           // a timeoutable barrier b reaches the receiver of channel a
	evFault                              // fault a strikes
	evRestart                            // the job (or a region) is redeployed; b = failover number
	evRestored                           // subtask a finished restoring its state
	evSavepoint                          // a savepoint is triggered
	evCancel                             // the job is cancelled
	evResume                             // channel a: the receiver's resumeConsumption reaches the sender
	evStopWithSavepoint                  // the user stops the job with a savepoint
	evResubmit                           // the user resubmits the job (a manual restore)
	evMaterialize                        // subtask a's changelog backend materializes
	evMaterialized                       // subtask a's materialization is uploaded
)

// queue is a binary min-heap of events ordered by (at, seq). It is written
// out rather than built on container/heap so that events stay values and
// comparisons inline.
type queue struct {
	items []event
	seq   uint64
}

// push schedules e; its seq is assigned here. Sifting moves a hole
// rather than swapping, which halves the copies of the event structs.
func (q *queue) push(e event) {
	e.seq = q.seq
	q.seq++
	q.items = append(q.items, e)
	items := q.items
	i := len(items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !before(&e, &items[p]) {
			break
		}
		items[i] = items[p]
		i = p
	}
	items[i] = e
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *queue) pop() event {
	items := q.items
	top := items[0]
	n := len(items) - 1
	last := items[n]
	q.items = items[:n]
	items = q.items
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && before(&items[r], &items[l]) {
			m = r
		}
		if !before(&items[m], &last) {
			break
		}
		items[i] = items[m]
		i = m
	}
	if n > 0 {
		items[i] = last
	}
	return top
}

// before orders events by time, then by the order they were scheduled.
func before(a, b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) len() int { return len(q.items) }

// peekTime is the time of the earliest event; the queue must not be empty.
func (q *queue) peekTime() int64 { return q.items[0].at }
