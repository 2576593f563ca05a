// Command run is `make bench`: it feeds irsa-fn and the no-op function the same synthetic
// ResourceLists, alternating, several runs each, and prints the median wall time, the median
// peak RSS, their ratios, and how time grows with a ten times larger input.
package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/irsa-dev/irsa-fn/bench/gen"
)

type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

type result struct {
	size        gen.Size
	fn, noop    []sample
	inputBytes  int
	outputBytes int
}

func main() {
	irsaFn := flag.String("irsa-fn", "bin/irsa-fn", "the irsa-fn binary")
	noop := flag.String("noop", "bin/noopfn", "the no-op function binary")
	runs := flag.Int("runs", 7, "runs of each function per size")
	flag.Parse()
	dir, err := os.MkdirTemp("", "irsa-fn-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	sizes := []gen.Size{{Objects: 1000, Bindings: 100}, {Objects: 10000, Bindings: 1000}}
	var results []result
	for _, s := range sizes {
		input := filepath.Join(dir, fmt.Sprintf("input-%d.yaml", s.Objects))
		f, err := os.Create(input)
		if err != nil {
			fail(err)
		}
		if err := gen.Write(f, s, 1); err != nil {
			fail(err)
		}
		f.Close()
		res := result{size: s}
		out, _, err := runOnce(*irsaFn, input)
		if err != nil {
			fail(fmt.Errorf("irsa-fn failed on the %d-object input: %v", s.Objects, err))
		}
		if roles := bytes.Count(out, []byte("kind: Role\n")); roles != s.Bindings {
			fail(fmt.Errorf("irsa-fn rendered %d roles for %d bindings", roles, s.Bindings))
		}
		info, _ := os.Stat(input)
		res.inputBytes, res.outputBytes = int(info.Size()), len(out)
		for i := 0; i < *runs; i++ {
			order := []string{*noop, *irsaFn}
			if i%2 == 1 {
				order = []string{*irsaFn, *noop}
			}
			for _, bin := range order {
				_, smp, err := runOnce(bin, input)
				if err != nil {
					fail(err)
				}
				if bin == *irsaFn {
					res.fn = append(res.fn, smp)
				} else {
					res.noop = append(res.noop, smp)
				}
			}
		}
		results = append(results, res)
	}
	ok := report(results, *runs)
	if !ok {
		os.Exit(1)
	}
}

// runOnce runs a function on an input file (as stdin) and measures it.
func runOnce(bin, input string) ([]byte, sample, error) {
	in, err := os.Open(input)
	if err != nil {
		return nil, sample{}, err
	}
	defer in.Close()
	cmd := exec.Command(bin)
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, sample{}, fmt.Errorf("%s: %v\n%s", bin, err, stderr.String())
	}
	usage := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	return stdout.Bytes(), sample{wall: wall, cpu: cpu, rssKB: usage.Maxrss}, nil
}

// median returns the median of what get reads from each sample.
func median[T cmp.Ordered](s []sample, get func(sample) T) T {
	v := make([]T, len(s))
	for i, x := range s {
		v[i] = get(x)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func medianWall(s []sample) time.Duration {
	return median(s, func(x sample) time.Duration { return x.wall })
}
func medianCPU(s []sample) time.Duration {
	return median(s, func(x sample) time.Duration { return x.cpu })
}
func medianRSS(s []sample) int64 { return median(s, func(x sample) int64 { return x.rssKB }) }

// report prints the table and checks the targets: at the largest size irsa-fn takes at most the
// no-op's wall time, at the smallest at most 1.25 times it; at both its peak memory is at most
// 1.25 times the no-op's; and ten times the input costs at most eleven times the time.
func report(results []result, runs int) bool {
	fmt.Printf("irsa-fn vs a no-op KRM function on the same SDK: median of %d alternating runs each\n\n", runs)
	fmt.Printf("%-18s %10s %10s %12s %12s %7s %12s %12s %7s\n", "objects/bindings", "input", "output", "noop wall", "irsa-fn wall", "ratio", "noop RSS", "irsa-fn RSS", "ratio")
	for _, r := range results {
		nw, fw := medianWall(r.noop), medianWall(r.fn)
		nr, fr := medianRSS(r.noop), medianRSS(r.fn)
		fmt.Printf("%-18s %9.1fM %9.1fM %10.0fms %10.0fms %6.2fx %10.1fMiB %10.1fMiB %6.2fx\n",
			fmt.Sprintf("%d/%d", r.size.Objects, r.size.Bindings), float64(r.inputBytes)/1e6, float64(r.outputBytes)/1e6,
			ms(nw), ms(fw), ms(fw)/ms(nw), float64(nr)/1024, float64(fr)/1024, float64(fr)/float64(nr))
	}
	small, large := results[0], results[len(results)-1]
	scaling := ms(medianWall(large.fn)) / ms(medianWall(small.fn))
	noopScaling := ms(medianWall(large.noop)) / ms(medianWall(small.noop))
	fmt.Printf("\nCPU time (user+system, less sensitive to the machine's other load):\n")
	for _, r := range results {
		nc, fc := medianCPU(r.noop), medianCPU(r.fn)
		fmt.Printf("%-18s noop %8.0fms  irsa-fn %8.0fms  ratio %.2fx\n", fmt.Sprintf("%d/%d", r.size.Objects, r.size.Bindings), ms(nc), ms(fc), ms(fc)/ms(nc))
	}
	fmt.Printf("\nscaling 10x input: irsa-fn %.2fx time, no-op %.2fx time\n\n", scaling, noopScaling)
	ok := true
	check := func(name string, got, limit float64) {
		verdict := "meets"
		if got > limit {
			verdict, ok = "MISSES", false
		}
		fmt.Printf("%-6s %-55s %.2f (target <= %.2f)\n", verdict, name, got, limit)
	}
	for _, t := range []struct {
		r         result
		wallLimit float64
	}{{small, 1.25}, {large, 1.0}} {
		size := fmt.Sprintf("%d/%d", t.r.size.Objects, t.r.size.Bindings)
		check("wall time vs no-op at "+size, ms(medianWall(t.r.fn))/ms(medianWall(t.r.noop)), t.wallLimit)
		check("peak RSS vs no-op at "+size, float64(medianRSS(t.r.fn))/float64(medianRSS(t.r.noop)), 1.25)
	}
	check("time for 10x the input", scaling, 11)
	return ok
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", strings.TrimSpace(err.Error()))
	os.Exit(2)
}
