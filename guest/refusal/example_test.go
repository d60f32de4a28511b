package refusal_test

import (
	"fmt"

	"github.com/wasmadapt/wasmadapt/guest/refusal"
)

func ExampleDetect() {
	ok, phrase := refusal.Detect("  I’m sorry, but I can’t help with that.")
	fmt.Println(ok, phrase)
	if ok {
		ev := refusal.PhraseEvent("I’m sorry, but I can’t help with that.")
		fmt.Println(ev.String())
	}
	// Output:
	// true i'm sorry, but i can't
	// {"type":"refusal","text":"I’m sorry, but I can’t help with that.","source":"phrase"}
}
