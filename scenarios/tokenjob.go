package scenarios

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/ckptsim/ckptsim/sim"
)

// tokenFields is the table of the tokens section: the token-passing
// workload of mode chandy-lamport (sim.TokenWorkload).
func (d *decoder) tokenFields(w *sim.TokenWorkload) []field {
	return []field{
		{name: "sends", set: func(n *yaml.Node) error {
			return d.list(n, "sends", sim.MaxTokenEvents, func(i int, item *yaml.Node) error {
				var sd sim.TokenSend
				err := d.mapping(item, fmt.Sprintf("tokens.sends[%d]", i), fmt.Sprintf("in send %d", i+1), []field{
					{name: "at", required: true, set: duration(&sd.At)},
					{name: "from", required: true, set: str(&sd.From)},
					{name: "to", required: true, set: str(&sd.To)},
					{name: "tokens", required: true, set: integer(&sd.Tokens)},
				})
				w.Sends = append(w.Sends, sd)
				return err
			})
		}},
		{name: "snapshots", set: func(n *yaml.Node) error {
			return d.list(n, "snapshots", sim.MaxTokenEvents, func(i int, item *yaml.Node) error {
				var sn sim.TokenSnapshot
				err := d.mapping(item, fmt.Sprintf("tokens.snapshots[%d]", i), fmt.Sprintf("in snapshot %d", i+1), []field{
					{name: "at", required: true, set: duration(&sn.At)},
					{name: "process", required: true, set: str(&sn.Process)},
				})
				w.Snapshots = append(w.Snapshots, sn)
				return err
			})
		}},
		{name: "send_every", set: duration(&w.SendEvery)},
		{name: "send_max", set: integer(&w.SendMax)},
	}
}
