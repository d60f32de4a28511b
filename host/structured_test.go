package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

const citySchema = `{"type":"object","properties":{"city":{"type":"string"},"pop":{"type":"integer"}},"required":["city"],"additionalProperties":false}`

func textServer(pieces ...string) *providertest.Server {
	pairs := []string{"start", `{"id":"r","model":"toy-1"}`}
	for _, p := range pieces {
		pairs = append(pairs, "text", p)
	}
	pairs = append(pairs, "done", "stop")
	return providertest.NewServer([]providertest.Case{sseCase("s", providertest.SSE(pairs...))})
}

func schemaReq() *abi.Request {
	r := streamReq("toy-1")
	r.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: "place", Schema: json.RawMessage(citySchema), Strict: true}
	return r
}

func TestStructuredOutputIsValidated(t *testing.T) {
	for _, tc := range []struct {
		text, pointer string
	}{
		{`{"town":42}`, ""}, // city is missing: a violation at the root
		{`{"city":"Oslo","town":42}`, "/town"},
		{`{"city":"Oslo","pop":"many"}`, "/pop"},
		{`not json`, ""},
	} {
		srv := textServer(tc.text)
		_, err := newClient(nil).Generate(context.Background(), provider(toyModule(t), srv), schemaReq())
		srv.Close()
		ae := requireCode(t, err, abi.CodeOutputInvalid)
		if !errors.Is(err, abi.ErrOutputInvalid) || ae.Pointer != tc.pointer {
			t.Errorf("%s: pointer %q, want %q (%v)", tc.text, ae.Pointer, tc.pointer, err)
		}
	}
	srv := textServer(`{"town":42}`)
	defer srv.Close()
	r, err := newClient(nil).Generate(context.Background(), provider(toyModule(t), srv), schemaReq(), host.SkipOutputValidation())
	if err != nil || r.Text != `{"town":42}` {
		t.Errorf("opt-out: %q %v", r.Text, err)
	}
}

type place struct {
	City string `json:"city"`
	Pop  int    `json:"pop,omitempty"`
}

func TestGenerateObjectDecodesAndAsksForTheSchema(t *testing.T) {
	srv := textServer(`{"city":"Oslo",`, `"pop":700000}`)
	defer srv.Close()
	req := streamReq("toy-1")
	var sent *abi.Request
	c := newClient(nil, host.WithRecorder(func(ctx context.Context, r *host.Recording) { sent = r.Request }))
	v, _, err := host.GenerateObject[place](context.Background(), c, provider(toyModule(t), srv), req)
	if err != nil || v != (place{"Oslo", 700000}) {
		t.Fatalf("%+v %v", v, err)
	}
	if req.ResponseFormat != nil {
		t.Error("the caller's request was modified")
	}
	if rf := sent.ResponseFormat; rf == nil || rf.Name != "place" || !strings.Contains(string(rf.Schema), `"required":["city"]`) {
		t.Errorf("the request does not ask for the schema: %+v", rf)
	}
}

func TestStreamObjectYieldsGrowingObjects(t *testing.T) {
	srv := textServer(`{"ci`, `ty":"Os`, `lo","po`, `p":7`, `00}`)
	defer srv.Close()
	var got []string
	for v, err := range host.StreamObject[place](context.Background(), newClient(nil), provider(toyModule(t), srv), streamReq("toy-1")) {
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		got = append(got, string(b))
	}
	want := []string{`{"city":""}`, `{"city":"Os"}`, `{"city":"Oslo"}`, `{"city":"Oslo","pop":7}`, `{"city":"Oslo","pop":700}`, `{"city":"Oslo","pop":700}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("objects %v\nwant    %v", got, want)
	}
}

func TestPartialJSON(t *testing.T) {
	for in, want := range map[string]string{
		``:                   "",
		`{`:                  `{}`,
		`{"a`:                `{}`,
		`{"a":`:              `{}`,
		`{"a":"x`:            `{"a":"x"}`,
		`{"a":"x\`:           `{"a":"x"}`,
		`{"a":1,"b":[1,2`:    `{"a":1,"b":[1,2]}`,
		`{"a":1,"b":tr`:      `{"a":1}`,
		`{"a":1, "b`:         `{"a":1}`,
		`[{"a":{"b":"c"}},`:  `[{"a":{"b":"c"}}]`,
		`{"a":"}{][,\"q"}`:   `{"a":"}{][,\"q"}`,
		`{"a":{"b":null},"c`: `{"a":{"b":null}}`,
	} {
		got, ok := host.PartialJSON(in)
		if string(got) != want || ok != (want != "") {
			t.Errorf("PartialJSON(%s) = %s %v, want %s", in, got, ok, want)
		}
	}
}

func TestStreamEndsWithOutputInvalid(t *testing.T) {
	srv := textServer(`{"city":"Oslo",`, `"pop":"many"}`)
	defer srv.Close()
	evs, err := collect(newClient(nil).Stream(context.Background(), provider(toyModule(t), srv), schemaReq()))
	ae := requireCode(t, err, abi.CodeOutputInvalid)
	if ae.Pointer != "/pop" || len(evs) < 4 || !strings.Contains(evs[len(evs)-1], `"finish"`) {
		t.Errorf("pointer %q, events %v", ae.Pointer, evs)
	}
	_, err = collect(newClient(nil).Stream(context.Background(), provider(toyModule(t), srv), schemaReq(), host.SkipOutputValidation()))
	if err != nil {
		t.Errorf("opt-out: %v", err)
	}
}

// TestVerifyOutputSkipsIncompleteAnswers: only an answer that finished
// with reason stop is held to the schema; a cut-off one keeps its finish
// reason as the signal.
func TestVerifyOutputSkipsIncompleteAnswers(t *testing.T) {
	req := &abi.Request{ResponseFormat: &abi.ResponseFormat{Type: "json_schema",
		Schema: json.RawMessage(`{"type":"object","required":["city"]}`)}}
	tests := []struct {
		finish  abi.FinishReason
		text    string
		wantErr bool
	}{
		{abi.FinishStop, `{"town":42}`, true},
		{"", `{"town":42}`, true},
		{abi.FinishLength, `{"city":"Par`, false},
		{abi.FinishContentFilter, `{"ci`, false},
		{abi.FinishStop, `{"city":"Paris"}`, false},
	}
	for _, tt := range tests {
		err := host.VerifyOutput(req, &host.Response{Text: tt.text, FinishReason: tt.finish})
		if (err != nil) != tt.wantErr {
			t.Errorf("finish %q text %s: err %v, want error %v", tt.finish, tt.text, err, tt.wantErr)
		}
	}
}
