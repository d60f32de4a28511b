package limits

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// RedisStore is the Store shared by every replica of the gateway: each
// Take and Add is one Lua script, which Redis runs atomically, so that
// the check of every counter and the increments are one step for all
// replicas.
type RedisStore struct {
	c redis.UniversalClient
}

// NewRedisStore returns a RedisStore on the client c.
func NewRedisStore(c redis.UniversalClient) *RedisStore { return &RedisStore{c: c} }

// addLoop adds every counter (KEYS; ARGV holds n, limit, ttl_ms for
// each), setting the expiry of a counter that has none, and returns
// {0, the counters' new values...}.
const addLoop = `
local out = {0}
for i = 1, #KEYS do
  out[i+1] = redis.call('INCRBY', KEYS[i], ARGV[3*i-2])
  if redis.call('PTTL', KEYS[i]) < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3*i])
  end
end
return out
`

// takeScript returns {the 1-based index of the first counter at or over
// its limit, the counters' values...} adding nothing, else adds every
// counter and returns {0, the counters' new values...}.
var takeScript = redis.NewScript(`
local cur, over = {0}, 0
for i = 1, #KEYS do
  cur[i+1] = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[3*i-1])
  if over == 0 and limit > 0 and cur[i+1] >= limit then
    over = i
  end
end
if over > 0 then
  cur[1] = over
  return cur
end
` + addLoop)

var addScript = redis.NewScript(addLoop)

func scriptArgs(cs []Counter) ([]string, []any) {
	keys := make([]string, len(cs))
	args := make([]any, 0, 3*len(cs))
	for i, c := range cs {
		keys[i] = c.Key
		args = append(args, strconv.FormatInt(c.N, 10), strconv.FormatInt(c.Limit, 10), strconv.FormatInt(c.TTL.Milliseconds(), 10))
	}
	return keys, args
}

// Take adds every counter when all are below their limits.
func (s *RedisStore) Take(ctx context.Context, cs []Counter) (int, []int64, error) {
	keys, args := scriptArgs(cs)
	out, err := takeScript.Run(ctx, s.c, keys, args...).Int64Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("redis: %w", err)
	}
	if len(out) != len(cs)+1 {
		return 0, nil, fmt.Errorf("redis: the limits script answered %d values for %d counters", len(out), len(cs))
	}
	return int(out[0]) - 1, out[1:], nil
}

// Add adds every counter.
func (s *RedisStore) Add(ctx context.Context, cs []Counter) error {
	keys, args := scriptArgs(cs)
	if err := addScript.Run(ctx, s.c, keys, args...).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}
