package iamsync

import "sync"

// progress counts the roles worked on and reports each step to a callback.
type progress struct {
	mu              sync.Mutex
	report          func(done, total int)
	finished, total int
}

func newProgress(report func(done, total int), total int) *progress {
	return &progress{report: report, total: total}
}

// add counts n more roles to work on.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n
}

// done counts one role as worked on and reports it.
func (p *progress) done() {
	if p.report == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	p.report(p.finished, p.total)
}
