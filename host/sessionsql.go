package host

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// SQLDialect names the SQL flavour a SQLStore speaks.
type SQLDialect string

// The supported dialects.
const (
	// SQLite: any database/sql SQLite driver (? placeholders).
	SQLite SQLDialect = "sqlite"
	// PostgreSQL: any database/sql PostgreSQL driver, such as pgx's
	// stdlib ($n placeholders).
	PostgreSQL SQLDialect = "postgres"
)

// SQLStore is a SessionStore in a SQL table (id, JSON data, update time),
// through database/sql: sessions survive a restart. The host imports no
// driver: open the *sql.DB with the one you use.
type SQLStore struct {
	db                         *sql.DB
	now                        func() time.Time
	load, save, del, deleteOld string
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// NewSQLStore returns a store in table (created if missing) of db. now is
// the clock of the update times (nil: time.Now).
func NewSQLStore(ctx context.Context, db *sql.DB, dialect SQLDialect, table string, now func() time.Time) (*SQLStore, error) {
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("host: session table name %q must be an SQL identifier (letters, digits, _)", table)
	}
	ph := func(n int) string { return "?" }
	switch dialect {
	case SQLite:
	case PostgreSQL:
		ph = func(n int) string { return "$" + strconv.Itoa(n) }
	default:
		return nil, fmt.Errorf("host: unknown SQL dialect %q (want %q or %q)", dialect, SQLite, PostgreSQL)
	}
	if now == nil {
		now = time.Now
	}
	create := "CREATE TABLE IF NOT EXISTS " + table + " (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at BIGINT NOT NULL)"
	if _, err := db.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("host: creating the session table %s: %w", table, err)
	}
	return &SQLStore{
		db:   db,
		now:  now,
		load: "SELECT data FROM " + table + " WHERE id = " + ph(1),
		save: "INSERT INTO " + table + " (id, data, updated_at) VALUES (" + ph(1) + ", " + ph(2) + ", " + ph(3) + ")" +
			" ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
		del:       "DELETE FROM " + table + " WHERE id = " + ph(1),
		deleteOld: "DELETE FROM " + table + " WHERE updated_at < " + ph(1),
	}, nil
}

// Load reads the session with id.
func (st *SQLStore) Load(ctx context.Context, id string) (*Session, error) {
	var data string
	err := st.db.QueryRowContext(ctx, st.load, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("host: loading session %s: %w", id, err)
	}
	s := &Session{}
	if err := json.Unmarshal([]byte(data), s); err != nil {
		return nil, fmt.Errorf("host: decoding session %s: %w", id, err)
	}
	return s, nil
}

// Save writes s under s.ID.
func (st *SQLStore) Save(ctx context.Context, s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("host: encoding session %s: %w", s.ID, err)
	}
	if _, err := st.db.ExecContext(ctx, st.save, s.ID, string(data), st.now().UnixMilli()); err != nil {
		return fmt.Errorf("host: saving session %s: %w", s.ID, err)
	}
	return nil
}

// Delete removes the session with id.
func (st *SQLStore) Delete(ctx context.Context, id string) error {
	if _, err := st.db.ExecContext(ctx, st.del, id); err != nil {
		return fmt.Errorf("host: deleting session %s: %w", id, err)
	}
	return nil
}

// DeleteOlderThan removes the sessions last saved before t and returns
// how many it removed: run it periodically to bound the table.
func (st *SQLStore) DeleteOlderThan(ctx context.Context, t time.Time) (int64, error) {
	res, err := st.db.ExecContext(ctx, st.deleteOld, t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("host: pruning sessions: %w", err)
	}
	return res.RowsAffected()
}
