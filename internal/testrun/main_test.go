package main

import (
	"bytes"
	"strings"
	"testing"
)

// A go test -json stream with a pass, a skip with a reason, a failure and
// a package that failed outside its tests.
const stream = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":1.5}
{"Action":"run","Package":"p","Test":"TestB/sub"}
{"Action":"output","Package":"p","Test":"TestB/sub","Output":"=== RUN   TestB/sub\n"}
{"Action":"output","Package":"p","Test":"TestB/sub","Output":"    b_test.go:12: recording not present: open x: no such file\n"}
{"Action":"output","Package":"p","Test":"TestB/sub","Output":"--- SKIP: TestB/sub (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB/sub"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: got 1, want 2\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"--- FAIL: TestC (0.00s)\n"}
{"Action":"fail","Package":"p","Test":"TestC","Elapsed":0.2}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t1.7s\n"}
{"Action":"fail","Package":"p","Elapsed":1.7}
{"Action":"run","Package":"q","Test":"TestSlow"}
{"Action":"output","Package":"q","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"q","Test":"TestSlow","Output":"panic: test timed out after 15m0s\n"}
{"Action":"fail","Package":"q","Elapsed":900}
{"Action":"output","Package":"s","Output":"FAIL\ts [setup failed]\n"}
{"Action":"fail","Package":"s"}
{"Action":"output","Package":"r","Output":"?   \tr\t[no test files]\n"}
{"Action":"skip","Package":"r"}
`

func TestReporter(t *testing.T) {
	var out bytes.Buffer
	var got []outcome
	r := newReporter(&out, func(o outcome) { got = append(got, o) })
	if err := r.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	r.finish()
	want := []outcome{
		{Package: "p", Test: "TestA", Action: "pass", Elapsed: 1.5},
		{Package: "p", Test: "TestB/sub", Action: "skip", Reason: "recording not present: open x: no such file"},
		{Package: "p", Test: "TestC", Action: "fail", Elapsed: 0.2},
		{Package: "q", Test: "TestSlow", Action: "fail", Reason: "did not finish: the test binary timed out or crashed"},
		{Package: "s", Action: "fail", Reason: "package failed outside its tests"},
	}
	if len(got) != len(want) {
		t.Fatalf("outcomes %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("outcome %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, s := range []string{"got 1, want 2", "--- FAIL: TestC", "--- SKIP: p TestB/sub: recording not present", "FAIL\tp\t1.7s", "panic: test timed out"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, &out)
		}
	}
	for _, s := range []string{"TestA (0.00s)", "PASS\n", "no test files"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("report has noise %q:\n%s", s, &out)
		}
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []outcome
		status   int
		code     int
		last     string
		contains []string
	}{
		{"all passed", []outcome{{Package: "p", Test: "T", Action: "pass"}}, 0, 0, "1 passed, 0 failed, 0 skipped", nil},
		{"skips grouped by reason", []outcome{
			{Package: "p", Test: "T1", Action: "skip", Reason: "no fixtures"},
			{Package: "p", Test: "T2", Action: "skip", Reason: "no fixtures"},
			{Package: "p", Test: "T3", Action: "pass"},
		}, 0, 0, "1 passed, 0 failed, 2 skipped", []string{"2 skipped:", "p T1, T2: no fixtures"}},
		{"a failure", []outcome{{Package: "p", Test: "T", Action: "fail"}}, 1, 1, "0 passed, 1 failed, 0 skipped", []string{"p T (failed)"}},
		{"a step failed outside go test", []outcome{{Package: "p", Test: "T", Action: "pass"}}, 2, 1, "1 passed, 0 failed, 0 skipped", []string{"exit status 2"}},
		{"nothing ran", nil, 0, 1, "0 passed, 0 failed, 0 skipped", []string{"no test ran"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := report(&out, tt.outcomes, tt.status); code != tt.code {
				t.Errorf("exit status %d, want %d", code, tt.code)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if last := lines[len(lines)-1]; last != tt.last {
				t.Errorf("last line %q, want %q", last, tt.last)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("summary lacks %q:\n%s", s, &out)
				}
			}
		})
	}
}
