package adapterset

import (
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestWholeMatchesStream checks, for every adapter, each pair of golden
// cases stream-NAME / whole-NAME in testdata/<adapter>/: ParseResponse of
// the whole body gives the events the stream gives (see
// guesttest.WholeMatchesStream).
func TestWholeMatchesStream(t *testing.T) {
	pairs := 0
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			pairs += guesttest.WholeMatchesStream(t, New(name), filepath.Join("..", "..", "testdata", name))
		})
	}
	if pairs == 0 {
		t.Error("no stream-NAME / whole-NAME case pairs found")
	}
}
