package cases

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// runOp runs an operation case: request.json (the operation's request) is
// projected with wasmadapt_project_op and compared with projection.json;
// the body, with the case's status, is parsed with wasmadapt_parse_op and
// compared with result.json, or must fail with expect_error. A case with
// expect_error and no body expects the projection to fail.
func runOp(ctx context.Context, m api.Module, c *Case) error {
	opr, ok := m.(api.Operator)
	if !ok {
		return fmt.Errorf("%s: module %s does not run operations (api.Operator)", c.Name, m.Name())
	}
	if c.Request == nil {
		return fmt.Errorf("%s: an operation case needs %s (the %s request)", c.Name, FileRequest, c.Meta.Op)
	}
	call := &abi.OpCall{Op: c.Meta.Op, Request: c.Request}
	if done, err := c.projected(opr.ProjectOp(ctx, call)); done || err != nil {
		return err
	}
	if c.Body == nil {
		return nil
	}
	got, err := OpResult(ctx, opr, c)
	if c.Meta.ExpectError != "" {
		if err == nil {
			return fail(c, "parse_op succeeded, expected error %s", c.Meta.ExpectError)
		}
		if code := abi.CodeOf(err); code != c.Meta.ExpectError {
			return fail(c, "parse_op failed with %v, expected code %s", err, c.Meta.ExpectError)
		}
		return nil
	}
	if err != nil {
		return fail(c, "parse_op failed: %v", err)
	}
	if c.Result == nil {
		return fmt.Errorf("%s: has %s but no %s", c.Name, FileBody, FileResult)
	}
	if d := jsonDiff(c.Result, got); d != "" {
		return fail(c, "result differs: %s", d)
	}
	return nil
}

// OpResult parses the case's body with wasmadapt_parse_op and returns the
// result as JSON.
func OpResult(ctx context.Context, opr api.Operator, c *Case) ([]byte, error) {
	call := &abi.OpCall{Op: c.Meta.Op, Request: c.Request}
	res, err := opr.ParseOp(ctx, call, &abi.ResponseInput{Status: uint32(c.status()), Headers: c.responseHeaders(), Body: c.Body})
	if err != nil {
		return nil, err
	}
	switch {
	case res.Models != nil:
		return json.Marshal(res.Models)
	case res.Embed != nil:
		return json.Marshal(res.Embed)
	default:
		return json.Marshal(res.CountTokens)
	}
}
