package openai_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// caseFile is testdata/openai/<case>/case.json.
type caseFile struct {
	Description string `json:"description"`
	Status      int    `json:"status"`
	Framing     string `json:"framing"`
	ExpectError string `json:"expect_error"`
	Op          string `json:"op"`
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func TestCases(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "openai")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range dirs {
		if !de.IsDir() || de.Name() == "recordings" {
			continue
		}
		n++
		dir := filepath.Join(root, de.Name())
		t.Run(de.Name(), func(t *testing.T) {
			read := func(name string) []byte {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				return b
			}
			var c caseFile
			if b := read("case.json"); b != nil {
				if err := json.Unmarshal(b, &c); err != nil {
					t.Fatal(err)
				}
			}
			d := guest.NewDispatcher(openai.New())
			body := read("body")
			if c.Op != "" {
				runOpCase(t, d, &c, read("request.json"), read("projection.json"), body, read("result.json"))
				return
			}
			var ctx []byte
			if reqb := read("request.json"); reqb != nil {
				res := d.Project(reqb)
				if c.ExpectError != "" && body == nil {
					var e abi.Error
					if abi.Status(res[0]) != abi.StatusError || json.Unmarshal(res[1:], &e) != nil || string(e.Code) != c.ExpectError {
						t.Fatalf("projection: want error %s, got %s", c.ExpectError, res)
					}
					if e.Message == "" {
						t.Errorf("error without a message: %s", res[1:])
					}
					return
				}
				if abi.Status(res[0]) != abi.StatusOK {
					t.Fatalf("projection failed: %s", res[1:])
				}
				if want := read("projection.json"); want != nil && !jsonEqual(res[1:], want) {
					t.Errorf("projection:\ngot  %s\nwant %s", res[1:], want)
				}
				var req abi.Request
				if err := json.Unmarshal(reqb, &req); err != nil {
					t.Fatal(err)
				}
				ctx, _ = json.Marshal(req.Context())
			}
			if body == nil {
				return
			}
			var got []byte
			switch {
			case c.Status >= 400:
				res := d.MapError(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(c.Status), Context: ctx, Body: body}))
				if abi.Status(res[0]) != abi.StatusOK {
					t.Fatalf("map_error failed: %s", res[1:])
				}
				got = res[1:]
			case c.Framing == "none":
				res := d.ParseResponse(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: 200, Context: ctx, Body: body}))
				if abi.Status(res[0]) != abi.StatusOK {
					t.Fatalf("parse_response failed: %s", res[1:])
				}
				got = res[1:]
			default:
				got = guesttest.DispatchStream(t, d, ctx, guesttest.SplitSSE(body))
			}
			if want := read("events.jsonl"); string(got) != string(want) {
				t.Errorf("events:\ngot\n%s\nwant\n%s", got, want)
			}
			if c.ExpectError != "" && !strings.Contains(string(got), `"code":"`+c.ExpectError+`"`) {
				t.Errorf("no error event with code %s", c.ExpectError)
			}
		})
	}
	if n < 20 {
		t.Errorf("found %d cases in %s, expected at least 20", n, root)
	}
}

// runOpCase runs an operation case (ABI 1.3) through the dispatcher's
// project_op and parse_op.
func runOpCase(t *testing.T, d *guest.Dispatcher, c *caseFile, reqb, projection, body, result []byte) {
	t.Helper()
	call, _ := json.Marshal(abi.OpCall{Op: c.Op, Request: reqb})
	res := d.ProjectOp(call)
	if abi.Status(res[0]) != abi.StatusOK {
		t.Fatalf("project_op failed: %s", res[1:])
	}
	if projection != nil && !jsonEqual(res[1:], projection) {
		t.Errorf("projection:\ngot  %s\nwant %s", res[1:], projection)
	}
	if body == nil {
		return
	}
	status := c.Status
	if status == 0 {
		status = 200
	}
	res = d.ParseOp(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(status), Context: call, Body: body}))
	if c.ExpectError != "" {
		var e abi.Error
		if abi.Status(res[0]) != abi.StatusError || json.Unmarshal(res[1:], &e) != nil || string(e.Code) != c.ExpectError {
			t.Fatalf("parse_op: want error %s, got %s", c.ExpectError, res)
		}
		return
	}
	if abi.Status(res[0]) != abi.StatusOK {
		t.Fatalf("parse_op failed: %s", res[1:])
	}
	if !jsonEqual(res[1:], result) {
		t.Errorf("result:\ngot  %s\nwant %s", res[1:], result)
	}
}
