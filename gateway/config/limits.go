package config

import (
	"net"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits are a key's tenant limits (package gateway/limits); a field left
// out or 0 is no limit:
//
//	keys:
//	  - name: team-a
//	    ...
//	    limits:
//	      requests_per_minute: 600
//	      tokens_per_minute: 200000    # input plus output tokens
//	      token_budget: 50000000       # tokens a budget_period
//	      budget_period: 720h          # required with token_budget (a Go duration, at least 1m)
//
// The counters are kept in memory (per replica) unless redis: is set,
// where every replica shares them.
type Limits struct {
	// RequestsPerMinute bounds the requests a minute.
	RequestsPerMinute int64 `yaml:"requests_per_minute"`
	// TokensPerMinute bounds the tokens (input plus output) a minute.
	TokensPerMinute int64 `yaml:"tokens_per_minute"`
	// TokenBudget bounds the tokens of one BudgetPeriod.
	TokenBudget int64 `yaml:"token_budget"`
	// BudgetPeriod is the budget's window, a Go duration ("24h", "720h").
	BudgetPeriod string `yaml:"budget_period"`
	// Line is the line of the limits entry in the file.
	Line int `yaml:"-"`
}

// Period is BudgetPeriod parsed (0 when unset; Load has validated it).
func (l *Limits) Period() time.Duration {
	d, _ := time.ParseDuration(l.BudgetPeriod)
	return d
}

// Redis is where the replicas of a gateway share their limit counters:
//
//	redis:
//	  addr: redis.default.svc:6379
//	  password_env: REDIS_PASSWORD    # optional
//	  db: 0                           # optional
//	  key_prefix: wasmadapt:limits    # optional, the default
//
// When Redis cannot be reached a limited request is refused with 503
// (limits fail closed); keys without limits do not use it.
type Redis struct {
	// Addr is host:port.
	Addr string `yaml:"addr"`
	// PasswordEnv names the variable holding the password ("": none).
	PasswordEnv string `yaml:"password_env"`
	// DB is the database number.
	DB int `yaml:"db"`
	// KeyPrefix starts every counter's key.
	KeyPrefix string `yaml:"key_prefix"`
	// Line is the line of the redis entry in the file.
	Line int `yaml:"-"`
}

// limitLines sets the lines of the redis entry and of each key's limits.
func (c *Config) limitLines(doc *yaml.Node, keys []*yaml.Node) {
	if c.Redis != nil {
		c.Redis.Line = keyLine(doc, "redis")
	}
	for i := range c.Keys {
		if c.Keys[i].Limits != nil && i < len(keys) {
			c.Keys[i].Limits.Line = keyLine(keys[i], "limits")
		}
	}
}

// keyLine is the line of the mapping key named key in n (0: none).
func keyLine(n *yaml.Node, key string) int {
	if k, _ := pair(n, key); k != nil {
		return k.Line
	}
	return 0
}

// validateLimits checks the redis entry and every key's limits.
func (c *Config) validateLimits(add func(line int, format string, args ...any)) {
	if r := c.Redis; r != nil {
		if _, port, err := net.SplitHostPort(r.Addr); err != nil || port == "" {
			add(r.Line, "redis: addr %q is not host:port", r.Addr)
		}
		if r.DB < 0 {
			add(r.Line, "redis: db must be 0 or more")
		}
	}
	for _, k := range c.Keys {
		l := k.Limits
		if l == nil {
			continue
		}
		for _, f := range []struct {
			name string
			v    int64
		}{{"requests_per_minute", l.RequestsPerMinute}, {"tokens_per_minute", l.TokensPerMinute}, {"token_budget", l.TokenBudget}} {
			if f.v < 0 {
				add(l.Line, "key %q: %s must be 0 (no limit) or more, not %d", k.Name, f.name, f.v)
			}
		}
		switch d, err := time.ParseDuration(l.BudgetPeriod); {
		case l.BudgetPeriod == "" && l.TokenBudget > 0:
			add(l.Line, "key %q: token_budget needs budget_period (a Go duration such as 24h or 720h)", k.Name)
		case l.BudgetPeriod == "":
		case err != nil:
			add(l.Line, "key %q: budget_period %q is not a Go duration (such as 24h or 720h)", k.Name, l.BudgetPeriod)
		case d < time.Minute:
			add(l.Line, "key %q: budget_period %s is shorter than 1m", k.Name, d)
		case l.TokenBudget == 0:
			add(l.Line, "key %q: budget_period without token_budget limits nothing (set token_budget or remove it)", k.Name)
		}
	}
}
