package tokens

import "math/rand"

// COS418Seed is the seed the COS 418 assignment's tests give Go's legacy
// math/rand source (snapshot_test.go: rand.Seed(8053172852482175524)).
const COS418Seed = 8053172852482175524

// cos418 is the delivery of the COS 418 chandy-lamport assignment's
// simulator (github.com/COS418F18/assignments_template,
// assignment2/src/chandy-lamport/simulator.go and server.go), reproduced
// exactly so that its published snapshots come out.
type cos418 struct {
	rnd *rand.Rand
}

func newCOS418() *cos418 {
	// Go's legacy source (math/rand v1), as the assignment's global
	// rand.Seed had it before Go 1.24 made that call a no-op.
	return &cos418{rnd: rand.New(rand.NewSource(COS418Seed))}
}

// send queues m on link l with the receive time of
// Simulator.GetReceiveTime: now + 1 + Intn(5), one draw per send.
func (c *cos418) send(r *run, l int, m message) {
	m.due = r.now + 1 + int64(c.rnd.Intn(5))
	r.links[l].queue = append(r.links[l].queue, m)
}

// tick is Simulator.Tick: the servers in string order of id, and for each
// its links in string order of destination; the first link whose head is
// due delivers that message, and the visit moves to the next server. A
// message never overtakes the head of its link.
func (c *cos418) tick(r *run) {
	for _, i := range r.order {
		for _, l := range r.procs[i].out {
			if q := r.links[l].queue; len(q) > 0 && q[0].due <= r.now {
				r.deliver(l)
				break
			}
		}
	}
}
