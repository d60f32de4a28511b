package host_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
)

// richSession has every kind of part, provider names and a pending
// approval: what a store must keep.
func richSession(t *testing.T, id string) *host.Session {
	s := host.NewSession(id, "trace-1")
	s.AddSystem("be brief")
	s.AddUser("hi")
	s.Append(abi.Message{Role: abi.RoleAssistant, Content: []abi.Part{
		{Type: abi.PartReasoning, Text: "hmm", Signature: "sig-1", Provider: "anthropic"},
		{Type: abi.PartReasoning, Redacted: "opaque", Provider: "anthropic"},
		{Type: abi.PartText, Text: "calling"},
		{Type: abi.PartToolCall, ID: "c1", Name: "rm", Arguments: `{"path":"/tmp/x"}`},
	}})
	data := []byte(`{"id":"` + id + `","trace_id":"trace-1","messages":[],"pending":{"step":3,"trace_id":"trace-1","request":{"model":"m","temperature":0.2},"calls":[{"index":0,"id":"c1","name":"rm","arguments":{"path":"/tmp/x"},"state":"pending"}]}}`)
	var p struct {
		Pending json.RawMessage `json:"pending"`
	}
	json.Unmarshal(data, &p)
	full, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	full = append(full[:len(full)-1], []byte(`,"pending":`+string(p.Pending)+`}`)...)
	out := &host.Session{}
	if err := json.Unmarshal(full, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSession(t *testing.T, got, want *host.Session) {
	t.Helper()
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("session changed:\n got %s\nwant %s", a, b)
	}
}

func TestSessionJSONIsLossless(t *testing.T) {
	s := richSession(t, "s-1")
	data, _ := json.Marshal(s)
	back := &host.Session{}
	if err := json.Unmarshal(data, back); err != nil {
		t.Fatal(err)
	}
	sameSession(t, back, s)
	m := back.Messages()[2].Content
	if len(m) != 4 || m[0].Signature != "sig-1" || m[0].Provider != "anthropic" || m[1].Redacted != "opaque" || back.Pending().Calls[0].State != host.CallPending {
		t.Errorf("history = %+v", m)
	}
}

func TestMemoryStoreLRUAndTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	ms := host.NewMemoryStore(2, time.Hour, func() time.Time { return now })
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		ms.Save(ctx, host.NewSession(id, ""))
	}
	if _, err := ms.Load(ctx, "a"); err != nil { // a is now the most recent
		t.Fatal(err)
	}
	ms.Save(ctx, host.NewSession("c", ""))
	if _, err := ms.Load(ctx, "b"); !errors.Is(err, host.ErrSessionNotFound) {
		t.Errorf("b should have been evicted (least recently used): %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := ms.Load(ctx, "a"); !errors.Is(err, host.ErrSessionNotFound) {
		t.Errorf("a should have expired: %v", err)
	}
	s, err := host.LoadOrNew(ctx, ms, "d", "t-2")
	if err != nil || s.ID != "d" || s.TraceID != "t-2" {
		t.Errorf("LoadOrNew = %+v %v", s, err)
	}
}

// testStore checks a store through a restart: reopen makes a new store on
// the same database.
func testStore(t *testing.T, reopen func() host.SessionStore) {
	ctx := context.Background()
	st := reopen()
	id := "s-" + time.Now().Format("150405.000000000")
	want := richSession(t, id)
	if err := st.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.AddUser("one more")
	if err := st.Save(ctx, want); err != nil { // an update
		t.Fatal(err)
	}
	got, err := reopen().Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, got, want)
	if err := st.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, id); !errors.Is(err, host.ErrSessionNotFound) {
		t.Errorf("after Delete: %v", err)
	}
}

func TestSQLStoreSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db := testSQLStore(t, "sqlite3", "file:"+path, host.SQLite, "sessions")
	st, _ := host.NewSQLStore(context.Background(), db, host.SQLite, "sessions", func() time.Time { return time.Unix(10, 0) })
	st.Save(context.Background(), host.NewSession("old", ""))
	if n, err := st.DeleteOlderThan(context.Background(), time.Unix(20, 0)); err != nil || n != 1 {
		t.Errorf("DeleteOlderThan = %d %v", n, err)
	}
	if _, err := host.NewSQLStore(context.Background(), db, host.SQLite, "x; DROP TABLE sessions", nil); err == nil {
		t.Error("a table name that is not an identifier was accepted")
	}
}

// testSQLStore runs testStore on SQLStores of table, each on a database
// handle of its own opened with driver and dsn, and returns the first
// handle (all are closed when the test ends).
func testSQLStore(t *testing.T, driver, dsn string, dialect host.SQLDialect, table string) *sql.DB {
	var dbs []*sql.DB
	t.Cleanup(func() {
		for _, db := range dbs {
			db.Close()
		}
	})
	testStore(t, func() host.SessionStore {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
		st, err := host.NewSQLStore(context.Background(), db, dialect, table, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
	return dbs[0]
}

// TestSQLStorePostgreSQL needs a PostgreSQL server: WASMADAPT_POSTGRES_DSN
// (e.g. postgres://user@localhost/db?sslmode=disable), which .ci/run sets.
func TestSQLStorePostgreSQL(t *testing.T) {
	dsn := os.Getenv("WASMADAPT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SKIPPED: set WASMADAPT_POSTGRES_DSN to test the PostgreSQL session store")
	}
	testSQLStore(t, "pgx", dsn, host.PostgreSQL, "wasmadapt_sessions")
}
