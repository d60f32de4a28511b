package pubkey

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	h, b64 := hex.EncodeToString(pub), base64.StdEncoding.EncodeToString(pub)
	for _, tc := range []struct {
		in    string
		n     int
		wrong string // the error names this entry
	}{
		{"", 0, ""},
		{h, 1, ""},
		{" " + h + " ,, " + b64, 2, ""},
		{h + ",abcd", 0, `"abcd"`},
		{"not-a-key", 0, `"not-a-key"`},
		{h[:60], 0, h[:60]},
	} {
		keys, err := ParseList(tc.in)
		if tc.wrong != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wrong) {
				t.Errorf("%q: %v, want an error naming %s", tc.in, err, tc.wrong)
			}
			continue
		}
		if err != nil || len(keys) != tc.n {
			t.Fatalf("%q: %d keys, %v; want %d", tc.in, len(keys), err, tc.n)
		}
		for _, k := range keys {
			if !bytes.Equal(k, pub) {
				t.Errorf("%q: key %x, want %x", tc.in, k, pub)
			}
		}
	}
}
