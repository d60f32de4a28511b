package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/internal/recordings"
)

// providerRecordings returns the recordings of provider, skipping the test
// when the recordings directory is absent or holds none of provider's.
func providerRecordings(t *testing.T, provider string) []recordings.Recording {
	t.Helper()
	recs := loadRecordings(t, provider)
	if len(recs) == 0 {
		t.Skipf("no %s recordings", provider)
	}
	return recs
}

// loadRecordings returns the recordings of provider (perhaps none),
// skipping the test when the recordings directory is absent.
func loadRecordings(t *testing.T, provider string) []recordings.Recording {
	t.Helper()
	root, ok := recordings.Dir()
	if !ok {
		t.Skip("no ../shared/fixtures/provider-recordings: recordings not present")
	}
	recs, err := recordings.LoadProvider(root, provider)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
