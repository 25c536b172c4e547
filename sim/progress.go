package sim

// Progress is how far a run has come, for a caller that shows it while
// the run goes on: sim reads no clock, so the caller steps the run and
// decides when to look (Step, then Progress).
type Progress struct {
	// Now is the virtual time and Until the virtual end: Config.Until, or
	// the Horizon when the Config has none.
	Now, Until int64
	// Events is the number of events fired and MaxEvents the budget.
	Events, MaxEvents int64
}

// Progress is the run's progress now.
func (s *Sim) Progress() Progress {
	return Progress{Now: s.now, Until: s.until, Events: s.fired, MaxEvents: s.maxEvents}
}

// Done is the share of the run done, 0..1, by whichever of the end time
// and the event budget is closer to ending it.
func (p Progress) Done() float64 {
	return min(1, max(float64(p.Now)/float64(p.Until), float64(p.Events)/float64(p.MaxEvents)))
}
