package defaults

import (
	"testing"
	"time"
)

// row is one case of Positive: v with default def gives want.
type row[T Number] struct{ v, def, want T }

func checkPositive[T Number](t *testing.T, rows []row[T]) {
	t.Helper()
	for _, r := range rows {
		v := r.v
		if Positive(&v, r.def); v != r.want {
			t.Errorf("%T %v, default %v: %v, want %v", v, r.v, r.def, v, r.want)
		}
	}
}

func TestPositive(t *testing.T) {
	checkPositive(t, []row[int]{{0, 5, 5}, {-1, 5, 5}, {1, 5, 1}, {7, 5, 7}})
	checkPositive(t, []row[time.Duration]{{0, time.Second, time.Second}, {-time.Nanosecond, time.Second, time.Second}, {time.Nanosecond, time.Second, time.Nanosecond}})
	checkPositive(t, []row[float64]{{0, 0.5, 0.5}, {-0.1, 0.5, 0.5}, {0.01, 0.5, 0.01}})
	checkPositive(t, []row[int64]{{0, 1 << 40, 1 << 40}, {-(1 << 40), 3, 3}, {1 << 40, 3, 1 << 40}})
}
