package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProgress(t *testing.T) {
	cfg := pipeline()
	cfg.Until, cfg.MaxEvents = 4*time.Second, 1_000_000
	s := newSim(t, cfg)
	assert.Equal(t, Progress{Until: int64(4 * time.Second), MaxEvents: 1_000_000}, s.Progress())
	for s.Now() < int64(time.Second) {
		s.Step()
	}
	p := s.Progress()
	assert.Equal(t, s.Events(), p.Events)
	assert.InDelta(t, 0.25, p.Done(), 0.01) // a quarter of the time, well within the budget
	s.Run()
	assert.InDelta(t, 1, s.Progress().Done(), 1e-9)

	cfg.Until, cfg.MaxEvents = 0, 1000 // the horizon is far: the budget decides
	s = newSim(t, cfg)
	for range 500 {
		s.Step()
	}
	assert.Equal(t, int64(Horizon), s.Progress().Until)
	assert.InDelta(t, 0.5, s.Progress().Done(), 1e-9)
}
