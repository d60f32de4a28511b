// Package compilecache bounds an engine's on-disk compilation cache.
//
// The WebAssembly runtimes write compiled code into a directory (wazero:
// one file per module under wazero-<version>-<arch>-<os>/, keyed by a hash
// of the module's bytes; wasmtime: <tag>-<sha256>.cwasm files). Neither
// evicts anything, so a directory that sees many rebuilt modules grows
// without bound. A Cache keeps an index next to that code,
// wasmadapt-cache.json, which maps each module digest (sha256 of the
// module bytes, so a module rebuilt with identical bytes reuses its entry)
// to the files its compilation added and to when it was last used, and
// evicts the least recently used modules' files when the directory grows
// past its limit.
//
// The index is advisory: files the index does not know (written by another
// process at the same moment, or before the index existed) are evicted in
// the order of their modification time, and a module whose files were
// removed is simply compiled again. Processes sharing a directory may
// lose each other's last-used updates; nothing worse happens.
package compilecache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// IndexFile is the name of the index inside the cache directory.
const IndexFile = "wasmadapt-cache.json"

// DefaultMaxBytes is the size limit Open applies for a limit of 0: room
// for every shipped adapter's compiled code (about 16 MB each with wazero;
// 29 adapters take about 480 MB) four times over, so that a process that
// serves all of them and rebuilds a few never compiles one twice.
const DefaultMaxBytes int64 = 2 << 30

// Entry is the compiled code of one module in the cache.
type Entry struct {
	// Digest is the hex sha256 of the module's bytes; "" for files the
	// index does not attribute to a module.
	Digest string `json:"-"`
	// Name is the name the module was last loaded under.
	Name string `json:"name,omitempty"`
	// Files are the entry's files, relative to the cache directory.
	Files []string `json:"files"`
	// LastUsed is when the module was last compiled or loaded from the
	// cache (for unattributed files: their modification time).
	LastUsed time.Time `json:"last_used"`
	// Size is the total size of the entry's files present on disk.
	Size int64 `json:"-"`
}

type index struct {
	Modules map[string]*Entry `json:"modules"`
}

// Cache is a compilation cache directory with a size limit. Its methods
// are safe for concurrent use.
type Cache struct {
	dir   string
	limit int64

	mu   sync.Mutex // serializes index reads and updates
	cold sync.Mutex // serializes cold compiles (file attribution)
}

// Open returns the Cache of dir, creating dir if needed. maxBytes is the
// size limit (0: DefaultMaxBytes; negative: no limit).
func Open(dir string, maxBytes int64) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("compilecache: %w", err)
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache{dir: dir, limit: maxBytes}, nil
}

// Dir returns the cache directory.
func (c *Cache) Dir() string { return c.dir }

// Limit returns the size limit in bytes (negative: none).
func (c *Cache) Limit() int64 { return c.limit }

func (c *Cache) load() *index {
	ix := &index{}
	if b, err := os.ReadFile(filepath.Join(c.dir, IndexFile)); err == nil {
		_ = json.Unmarshal(b, ix) // a corrupt index is an empty one
	}
	if ix.Modules == nil {
		ix.Modules = map[string]*Entry{}
	}
	return ix
}

func (c *Cache) save(ix *index) error {
	b, err := json.MarshalIndent(ix, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".index-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(c.dir, IndexFile))
}

// files returns every file of compiled code in the directory (not the
// index, not temporary files) with its size and modification time.
func (c *Cache) files() (map[string]fs.FileInfo, error) {
	out := map[string]fs.FileInfo{}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || p == filepath.Join(c.dir, IndexFile) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		rel, _ := filepath.Rel(c.dir, p)
		out[rel] = info
		return nil
	})
	return out, err
}

// Cached reports whether the compiled code of the module with this digest
// is in the cache: its next compilation is a load.
func (c *Cache) Cached(digest string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	en := c.load().Modules[digest]
	if en == nil || len(en.Files) == 0 {
		return false
	}
	for _, f := range en.Files {
		if _, err := os.Stat(filepath.Join(c.dir, f)); err != nil {
			return false
		}
	}
	return true
}

// Track runs compile, which compiles the module with this digest through
// the cache directory, records the files it added under the digest and
// marks the entry used, then evicts least recently used entries past the
// limit (never this one). It returns the evicted entries. Cold compiles
// (of a digest not cached) run one at a time so that new files are
// attributed to the right module; loads from the cache run concurrently
// with them and with each other.
func (c *Cache) Track(digest, name string, compile func() error) ([]Entry, error) {
	if c.Cached(digest) {
		if err := compile(); err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		ix := c.load()
		if en := ix.Modules[digest]; en != nil {
			en.LastUsed = time.Now()
			en.Name = name
		}
		return nil, c.save(ix)
	}
	// Only cold compiles wait for each other: a load from the cache (or
	// an index read) never waits for a compilation that takes seconds.
	c.cold.Lock()
	defer c.cold.Unlock()
	before, err := c.files()
	if err != nil {
		return nil, err
	}
	if err := compile(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	after, err := c.files()
	if err != nil {
		return nil, err
	}
	ix := c.load()
	en := ix.Modules[digest]
	if en == nil {
		en = &Entry{}
		ix.Modules[digest] = en
	}
	en.Name, en.LastUsed = name, time.Now()
	for f := range after {
		if _, ok := before[f]; !ok {
			en.Files = append(en.Files, f)
		}
	}
	en.Files = uniq(en.Files)
	evicted, err := c.trim(ix, after, digest, c.limit)
	if serr := c.save(ix); err == nil {
		err = serr
	}
	return evicted, err
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// entries combines the index with the files on disk: attributed entries
// with their present files' sizes, then one entry per unattributed file.
// Index entries whose files are all gone are dropped from ix.
func entries(ix *index, files map[string]fs.FileInfo) []Entry {
	var out []Entry
	owned := map[string]bool{}
	for d, en := range ix.Modules {
		e := *en
		e.Digest, e.Files, e.Size = d, nil, 0
		for _, f := range en.Files {
			if fi, ok := files[f]; ok {
				e.Files = append(e.Files, f)
				e.Size += fi.Size()
				owned[f] = true
			}
		}
		if len(e.Files) == 0 {
			delete(ix.Modules, d)
			continue
		}
		en.Files = e.Files
		out = append(out, e)
	}
	for f, fi := range files {
		if !owned[f] {
			out = append(out, Entry{Files: []string{f}, LastUsed: fi.ModTime(), Size: fi.Size()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastUsed.After(out[j].LastUsed) })
	return out
}

// trim evicts the least recently used entries, except keep, until the
// files total at most limit bytes (a negative limit: no eviction).
func (c *Cache) trim(ix *index, files map[string]fs.FileInfo, keep string, limit int64) ([]Entry, error) {
	all := entries(ix, files)
	var total int64
	for _, e := range all {
		total += e.Size
	}
	var evicted []Entry
	var firstErr error
	for i := len(all) - 1; i >= 0 && limit >= 0 && total > limit; i-- {
		e := all[i]
		if keep != "" && e.Digest == keep {
			continue
		}
		for _, f := range e.Files {
			if err := os.Remove(filepath.Join(c.dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) && firstErr == nil {
				firstErr = err
			}
		}
		delete(ix.Modules, e.Digest)
		total -= e.Size
		evicted = append(evicted, e)
	}
	return evicted, firstErr
}

// List returns the cache's entries, most recently used first.
func (c *Cache) List() ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	files, err := c.files()
	if err != nil {
		return nil, err
	}
	return entries(c.load(), files), nil
}

// Trim evicts least recently used entries until the cache holds at most
// maxBytes (0: the cache's limit; negative: remove everything) and
// returns the evicted entries.
func (c *Cache) Trim(maxBytes int64) ([]Entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case maxBytes == 0:
		maxBytes = c.limit
	case maxBytes < 0:
		maxBytes = 0
	}
	files, err := c.files()
	if err != nil {
		return nil, err
	}
	ix := c.load()
	evicted, err := c.trim(ix, files, "", maxBytes)
	if serr := c.save(ix); err == nil {
		err = serr
	}
	return evicted, err
}

// Size returns the total size of the cache's compiled code.
func (c *Cache) Size() (int64, error) {
	files, err := c.files()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, fi := range files {
		n += fi.Size()
	}
	return n, nil
}
