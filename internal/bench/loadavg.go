package bench

import (
	"os"
	"strings"
)

// LoadAvg is the machine's 1, 5 and 15 minute load averages as
// /proc/loadavg gives them ("unknown" where it cannot be read): the
// benchmark report and the gateway's load generator print it beside
// every measurement, since a load above the core count means the
// measurement shared the CPU.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
