package recordings_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/mistral"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
)

// familyUpdateEnv, when set to 1, writes the expected events of recordings
// that have none yet (for review line by line before committing); existing
// files are never overwritten.
const familyUpdateEnv = "WASMADAPT_WRITE_MISSING_RECORDING_EVENTS"

// familyRecordings replays every recording of provider through adapter a
// and compares the events with testdata/<name>/recordings/<file>.events.jsonl.
// Recordings listed in skip (another API of the provider) must have no
// expectation; every other one must have one. Streams are replayed with all
// chunks in one call and with one chunk per call, which must agree.
func familyRecordings(t *testing.T, provider, name string, a guest.Adapter, skip map[string]string) {
	t.Helper()
	recs := loadRecordings(t, provider)
	m := engine.NewNative(name, a)
	defer m.Close(context.Background())
	seen := 0
	for _, r := range recs {
		t.Run(r.Name(), func(t *testing.T) {
			want := filepath.Join("..", "..", "testdata", name, "recordings", r.Name()+".events.jsonl")
			if why, ok := skip[r.Name()]; ok {
				if _, err := os.Stat(want); err == nil {
					t.Errorf("%s is skipped (%s) but has expected events %s", r.Name(), why, want)
				}
				t.Skip(why)
			}
			got := nativeReplay(t, m, &r, nil)
			exp, err := os.ReadFile(want)
			if os.IsNotExist(err) && os.Getenv(familyUpdateEnv) == "1" {
				if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s: review it", want)
				return
			}
			if err != nil {
				t.Fatalf("no expected events for recording %s: %v", r.Name(), err)
			}
			seen++
			if !bytes.Equal(got, exp) {
				t.Errorf("events differ from %s:\ngot\n%s\nwant\n%s", want, got, exp)
			}
		})
	}
	if seen == 0 && os.Getenv(familyUpdateEnv) != "1" {
		t.Errorf("no recording of %s was checked", provider)
	}
}

func TestMistralRecordings(t *testing.T) {
	familyRecordings(t, "mistral", "mistral", mistral.New(), map[string]string{
		"test_mistral_model_thinking_part.yaml.0": "interaction 0 of this cassette is an OpenAI Responses API call, not Mistral",
	})
}
