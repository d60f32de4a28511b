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
// each), setting the expiry of a counter that has none.
const addLoop = `
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[3*i-2])
  if redis.call('PTTL', KEYS[i]) < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3*i])
  end
end
return 0
`

// takeScript returns the 1-based index of the first counter at or over
// its limit (adding nothing), else adds every counter and returns 0.
var takeScript = redis.NewScript(`
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3*i-1])
  if limit > 0 and tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then
    return i
  end
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
func (s *RedisStore) Take(ctx context.Context, cs []Counter) (int, error) {
	keys, args := scriptArgs(cs)
	n, err := takeScript.Run(ctx, s.c, keys, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	return n - 1, nil
}

// Add adds every counter.
func (s *RedisStore) Add(ctx context.Context, cs []Counter) error {
	keys, args := scriptArgs(cs)
	if err := addScript.Run(ctx, s.c, keys, args...).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}
