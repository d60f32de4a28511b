package api

import (
	"testing"
	"time"
)

// bare is a Module that is not an Inspector.
type bare struct{ Module }

// inspected is a Module that reports a state.
type inspected struct{ Module }

func (inspected) Closed() bool                 { return true }
func (inspected) Faults() uint64               { return 3 }
func (inspected) Suspended() (time.Time, bool) { return time.Unix(1, 0), true }
func (inspected) InstanceStats() Stats         { return Stats{Idle: 2, MemoryBytes: 64} }
func (inspected) InputLimit() int              { return 1024 }

func TestIntrospection(t *testing.T) {
	var m Module = bare{}
	if _, ok := Suspended(m); Closed(m) || Faults(m) != 0 || ok || InstanceStats(m) != (Stats{}) || InputLimit(m) != 0 {
		t.Fatal("a Module that is not an Inspector reports a state")
	}
	m = inspected{}
	until, ok := Suspended(m)
	if !Closed(m) || Faults(m) != 3 || !ok || !until.Equal(time.Unix(1, 0)) || InstanceStats(m) != (Stats{Idle: 2, MemoryBytes: 64}) || InputLimit(m) != 1024 {
		t.Fatal("an Inspector's state is not reported")
	}
}
