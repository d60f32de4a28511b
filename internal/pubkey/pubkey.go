// Package pubkey reads the ed25519 public keys that verify signed
// modules as operators write them (flags, configuration files): the 32
// key bytes in hex or in standard base64, what `wasmrun keygen` prints.
package pubkey

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Parse reads one public key, hex or standard base64, surrounding space
// ignored.
func Parse(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		b, err = base64.StdEncoding.DecodeString(s)
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not an ed25519 public key (32 bytes, hex or base64)", s)
	}
	return ed25519.PublicKey(b), nil
}

// ParseList reads a comma-separated list of keys; empty entries are
// skipped.
func ParseList(s string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, k := range strings.Split(s, ",") {
		if strings.TrimSpace(k) == "" {
			continue
		}
		key, err := Parse(k)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}
