package toolid_test

import (
	"fmt"

	"github.com/wasmadapt/wasmadapt/guest/toolid"
)

// Projection: one Mapper per request over every tool-call ID and every
// tool-result reference in the history; the same Map on both sides keeps
// calls and results paired.
func ExampleMapper() {
	history := []string{"tooluse_AbCdEfGh1", "tooluse_AbCdEfGh2", "aB3dE6gH9"}
	m := toolid.NewMapper(toolid.Base62Rule{N: 9}, history)
	for _, id := range history {
		out, _ := m.Map(id)
		back, _ := m.Original(out)
		fmt.Println(len(out), toolid.IsBase62(out, 9), back == id, out == id)
	}
	// Output:
	// 9 true true false
	// 9 true true false
	// 9 true true true
}

func ExampleSanitize() {
	fmt.Println(toolid.Sanitize("toolu_01AbC", toolid.AlnumDashUnderscore))
	fmt.Println(len(toolid.Sanitize("functions.Bash:0", toolid.AlnumDashUnderscore)))
	// Output:
	// toolu_01AbC
	// 25
}
