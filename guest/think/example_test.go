package think_test

import (
	"fmt"

	"github.com/wasmadapt/wasmadapt/guest/think"
)

// An adapter keeps the splitter's state in the host-owned transform state:
// load it at the start of each Transform call, append it at the end.
func Example() {
	opts := think.Options{TrimSpaceAfterClose: true}
	var state []byte // what the host passes between Transform calls
	var pieces []think.Piece
	for _, delta := range []string{"<th", "ink>Let me see.</thi", "nk>\n\nIt is 4."} {
		sp, _ := think.New(opts)
		if err := sp.LoadState(state); err != nil {
			panic(err)
		}
		pieces = sp.Feed(pieces[:0], delta)
		for _, p := range pieces {
			fmt.Printf("%s %q\n", p.Kind, p.Text)
		}
		state = sp.AppendState(state[:0])
	}
	sp, _ := think.New(opts)
	_ = sp.LoadState(state)
	fmt.Println(len(sp.Finish(nil)), "pieces at the end")
	// Output:
	// reasoning "Let me see."
	// text "It is 4."
	// 0 pieces at the end
}
