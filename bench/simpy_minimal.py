#!/usr/bin/python3
"""The bundled scenario `minimal` as a SimPy model, to compare the speed of
ckptsim's engine with a general-purpose discrete-event library.

The job: one source partition reading 1,000 records/s (100 keys), a keyed
count of parallelism 2 behind a hash edge (50us per record), a sink behind
a rebalance edge; channels with 1 ms latency and 10 credits (a full
receiver buffer blocks the sender: backpressure); a checkpoint barrier
every second from the source, forwarded by the counts with a copy of their
state, which the sink aligns (it holds back the input that delivered the
barrier until the other one has). Records that cost nothing (source, sink)
take no time, as in ckptsim.

Events are counted as one per resumption of a process (each yield that
returns), ckptsim's counterpart of an event popped from its queue.

SimPy 2.3, as Debian packages it (apt-get install python3-simpy):
    /usr/bin/python3 bench/simpy_minimal.py SECONDS
prints: events, records read, records received, checkpoints completed.
"""
import sys

from SimPy.Simulation import Process, Store, activate, hold, get, put, initialize, simulate, now

LATENCY = 0.001      # channels: latency
CAPACITY = 10        # channels: credits (the receiver's buffer)
RATE = 1000.0        # source: records/s
KEYS = 100
COST = 50e-6         # count: per record
INTERVAL = 1.0       # checkpoint interval

events = 0
read = received = completed = 0


def mix(x):
    """SplitMix64's finalizer: the key of a record."""
    x &= (1 << 64) - 1
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & ((1 << 64) - 1)
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & ((1 << 64) - 1)
    return x ^ (x >> 31)


class Channel:
    """A FIFO with latency and credits: items are (sent_at, kind, payload)."""

    def __init__(self, name):
        self.store = Store(name=name, capacity=CAPACITY)


class Receive:
    """Takes the next item from a channel, waiting out its latency."""

    def take(self, proc, ch):
        global events
        yield get, proc, ch.store, 1
        events += 1
        item = proc.got[0]
        due = item[0] + LATENCY
        if due > now():
            yield hold, proc, due - now()
            events += 1
        proc.item = item


class Source(Process):
    def run(self, outs):
        global events, read
        off = 0
        next_barrier = INTERVAL
        n = 0
        while True:
            at = off / RATE
            if at > now():
                yield hold, self, at - now()
                events += 1
            if now() >= next_barrier:
                n += 1
                next_barrier += INTERVAL
                for ch in outs:
                    yield put, self, ch.store, [(now(), "barrier", n)]
                    events += 1
            key = mix(off) % KEYS
            read += 1
            off += 1
            yield put, self, outs[key % len(outs)].store, [(now(), "record", key)]
            events += 1


class Count(Process):
    def run(self, index, inp, out):
        global events
        self.index = index
        state = {}
        recv = Receive()
        while True:
            for _ in recv.take(self, inp):
                yield _
            _, kind, payload = self.item
            if kind == "barrier":
                snapshot = dict(state)  # the sync phase: a copy of the keyed state
                yield put, self, out.store, [(now(), "barrier", (self.index, (payload, len(snapshot))))]
                events += 1
                continue
            yield hold, self, COST
            events += 1
            state[payload] = state.get(payload, 0) + 1
            yield put, self, out.store, [(now(), "record", (self.index, (payload, state[payload])))]
            events += 1


class Sink(Process):
    """The sink's inputs share one receive buffer (a Store of both inputs'
    credits) whose items carry their input; the items of an input held
    back by alignment wait aside until the alignment ends."""

    def run(self, inbox, inputs):
        global events, received, completed
        recv = Receive()
        blocked = [False] * inputs
        held = []
        while True:
            for _ in recv.take(self, inbox):
                yield _
            _, kind, (i, payload) = self.item
            items = [(kind, i, payload)]
            while items:
                kind, i, payload = items.pop(0)
                if blocked[i]:
                    held.append((kind, i, payload))
                elif kind == "barrier":
                    blocked[i] = True
                    if all(blocked):
                        completed += 1
                        blocked = [False] * inputs
                        items, held = held + items, []
                else:
                    received += 1


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    initialize()
    to_count = [Channel("src->count[%d]" % i) for i in range(2)]
    to_sink = Channel("count->sink")
    to_sink.store = Store(name="count->sink", capacity=2 * CAPACITY)
    src = Source()
    activate(src, src.run(to_count))
    for i in range(2):
        c = Count()
        activate(c, c.run(i, to_count[i], to_sink))
    sink = Sink()
    activate(sink, sink.run(to_sink, 2))
    simulate(until=seconds)
    print("events %d records_read %d records_received %d checkpoints %d" % (events, read, received, completed))


if __name__ == "__main__":
    main()
