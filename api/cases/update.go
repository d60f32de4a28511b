package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// ErrNoDir is returned by Update for a case not loaded from a directory.
var ErrNoDir = errors.New("cases: the case has no directory to update")

// Update rewrites the case's expectations with what m produces, for
// golden files that are meant to follow the module: events.jsonl when the
// case has a body, and projection.json when the case has one and its
// projection is not expected to fail. A file is written only when it
// differs from m's output (the projection compared as JSON, so formatting
// alone is no change); Update returns the names of the files it wrote and
// updates c to match. A case that expects an error (expect_error) keeps
// that expectation: Update never writes case.json.
func Update(ctx context.Context, m api.Module, c *Case) ([]string, error) {
	if c.Dir == "" {
		return nil, ErrNoDir
	}
	req, err := c.request()
	if err != nil {
		return nil, err
	}
	var changed []string
	write := func(name string, b []byte, dst *[]byte) error {
		if err := os.WriteFile(filepath.Join(c.Dir, name), b, 0o644); err != nil {
			return err
		}
		*dst = b
		changed = append(changed, name)
		return nil
	}
	if c.Meta.Op != "" {
		err := updateOp(ctx, m, c, write)
		return changed, err
	}
	if req != nil && c.Projection != nil && (c.Meta.ExpectError == "" || c.Body != nil) {
		pr, err := m.Project(ctx, req)
		if err != nil {
			return changed, fmt.Errorf("%s: projection failed: %w", c.Name, err)
		}
		got, err := json.MarshalIndent(pr, "", "  ")
		if err != nil {
			return changed, err
		}
		if jsonDiff(c.Projection, got) != "" {
			if err := write(FileProjection, append(got, '\n'), &c.Projection); err != nil {
				return changed, err
			}
		}
	}
	if c.Body != nil {
		evs, err := events(ctx, m, c, req, 0)
		if err != nil {
			return changed, fmt.Errorf("%s: %w", c.Name, err)
		}
		if got := appendLines(nil, evs); !bytes.Equal(got, c.Events) {
			if err := write(FileEvents, got, &c.Events); err != nil {
				return changed, err
			}
		}
	}
	return changed, nil
}

// updateOp rewrites an operation case's result.json (when its body parses)
// and projection.json (when present).
func updateOp(ctx context.Context, m api.Module, c *Case, write func(string, []byte, *[]byte) error) error {
	opr, ok := m.(api.Operator)
	if !ok || c.Request == nil {
		return fmt.Errorf("%s: an operation case needs %s and a module that runs operations", c.Name, FileRequest)
	}
	w := func(name string, v []byte, dst *[]byte) error {
		var buf bytes.Buffer
		if err := json.Indent(&buf, v, "", "  "); err != nil {
			return err
		}
		buf.WriteByte('\n')
		if *dst != nil && jsonDiff(*dst, v) == "" {
			return nil
		}
		return write(name, buf.Bytes(), dst)
	}
	if c.Projection != nil {
		pr, err := opr.ProjectOp(ctx, &abi.OpCall{Op: c.Meta.Op, Request: c.Request})
		if err != nil {
			return fmt.Errorf("%s: projection failed: %w", c.Name, err)
		}
		b, err := json.Marshal(pr)
		if err != nil {
			return err
		}
		if err := w(FileProjection, b, &c.Projection); err != nil {
			return err
		}
	}
	if c.Body != nil && c.Meta.ExpectError == "" {
		b, err := OpResult(ctx, opr, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		if err := w(FileResult, b, &c.Result); err != nil {
			return err
		}
	}
	return nil
}
