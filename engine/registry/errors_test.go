package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/engine"
)

// TestErrorTextsNameTheRegistry checks that what the registry itself
// refuses reads "registry: ..." (not "engine: ...") and still matches its
// sentinel, so a log line says which layer refused.
func TestErrorTextsNameTheRegistry(t *testing.T) {
	ctx := context.Background()
	r, _ := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	closed, _ := newRegistry(t, Options{}, engine.Config{PoolSize: 1})
	if err := closed.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var reject *RejectError
	cases := []struct {
		name string
		call func() error
		is   error // nil: checked with errors.As against *RejectError
	}{
		{"get unknown", func() error { _, _, err := r.Get("nope"); return err }, ErrUnknownModule},
		{"rollback unknown", func() error { return r.Rollback(ctx, "nope") }, ErrUnknownModule},
		{"activate unknown", func() error { return r.Activate(ctx, "nope", strings.Repeat("0", 64)) }, ErrUnknownModule},
		{"invalid name", func() error { _, err := r.Load(ctx, "a/b", []byte("x")); return err }, nil},
		{"not a module", func() error { _, err := r.Load(ctx, "junk", []byte("not wasm")); return err }, nil},
		{"closed", func() error { _, err := closed.Load(ctx, "chat", []byte("x")); return err }, ErrRegistryClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "registry: ") {
				t.Fatalf("error %q does not start with \"registry: \"", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("error %v is not %v", err, c.is)
			}
			if c.name == "not a module" && !errors.As(err, &reject) {
				t.Fatalf("error %v is not a *RejectError", err)
			}
		})
	}
}
