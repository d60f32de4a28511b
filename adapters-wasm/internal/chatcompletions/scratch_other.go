//go:build !wasip1

package chatcompletions

// getScratch takes a scratch from scratchPool: natively an Adapter serves
// concurrent calls.
func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(sc *scratch) { scratchPool.Put(sc) }
