#!/usr/bin/env python3
"""Rewrites docs/benchmarks.md from the JMH JSON and the harness JSON of one run.

Called by argos-benchmarks/run-benchmarks.sh; every figure on the page comes from those two
files. Missing results (a benchmark that failed, a section that did not run) are shown as
"not measured", never invented.
"""
import argparse
import datetime
import json
import os
import sys

NA = "not measured"


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"format-results: cannot read {path}: {e}", file=sys.stderr)
        return None


class Jmh:
    def __init__(self, entries):
        self.entries = entries or []

    def find(self, name, **params):
        for e in self.entries:
            if not e.get("benchmark", "").endswith(name):
                continue
            p = e.get("params") or {}
            if all(str(p.get(k)) == str(v) for k, v in params.items()):
                return e
        return None

    def score(self, name, **params):
        e = self.find(name, **params)
        return None if e is None else e["primaryMetric"]["score"]

    def error(self, name, **params):
        e = self.find(name, **params)
        if e is None:
            return None
        err = e["primaryMetric"].get("scoreError")
        return None if err in (None, "NaN") else err

    def unit(self, name, **params):
        e = self.find(name, **params)
        return "" if e is None else e["primaryMetric"]["scoreUnit"]

    def bytes_per_op(self, name, **params):
        e = self.find(name, **params)
        if e is None:
            return None
        for k, v in (e.get("secondaryMetrics") or {}).items():
            if k.endswith("gc.alloc.rate.norm"):
                return v["score"]
        return None

    def percentile(self, name, pct, **params):
        e = self.find(name, **params)
        if e is None:
            return None
        return (e["primaryMetric"].get("scorePercentiles") or {}).get(pct)

    def samples(self, name, **params):
        e = self.find(name, **params)
        if e is None:
            return None
        raw = e["primaryMetric"].get("rawDataHistogram")
        if not raw:
            return None
        return sum(c for fork in raw for it in fork for _, c in it)


def num(x, digits=2):
    if x is None:
        return NA
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def pm(score, err, digits=2):
    if score is None:
        return NA
    if err is None:
        return num(score, digits)
    return f"{num(score, digits)} ± {num(err, digits)}"


def bop(b):
    if b is None:
        return NA
    if b < 0.01:
        return "0"
    return num(b, 1)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rx(r):
    return NA if r is None else f"{r:.2f}×"


def verdict(ok):
    if ok is None:
        return NA
    return "met" if ok else "**missed**"


def ratio_range(a, ea, b, eb):
    """Rough bounds of a / b from the two ± half-widths (relative errors added in quadrature)."""
    r = ratio(a, b)
    if r is None or ea is None or eb is None or a == 0:
        return None
    rel = ((ea / a) ** 2 + (eb / b) ** 2) ** 0.5
    return (r * (1 - rel), r * (1 + rel))


def verdict_limit(value, limit, bounds=None):
    """met / missed on the point estimate, saying when the bounds straddle the limit."""
    if value is None:
        return NA
    ok = value <= limit
    text = "met" if ok else "**missed**"
    if bounds is not None and bounds[0] <= limit < bounds[1]:
        text += " (limit inside the ± error)"
    return text


def zero(b):
    return None if b is None else b < 0.01


def all_of(*xs):
    if any(x is None for x in xs):
        return None
    return all(xs)


def mib(b):
    return NA if b is None else f"{b / (1024 * 1024):,.1f} MiB"


def section_result(h, name):
    if not h or name not in h:
        return None
    r = h[name]
    if isinstance(r, dict) and "error" in r and len(r) == 1:
        return None
    return r


def ci_text(c, unit=" %"):
    if not c:
        return NA
    return f"{c[0]:.3f}{unit} (95 % CI {c[1]:.3f} … {c[2]:.3f})"


def verdict_ci(c, limit):
    """met / missed by a 95 % interval of a mean; inconclusive when it straddles the limit."""
    if not c:
        return NA
    if c[2] <= limit:
        return "met"
    if c[1] > limit:
        return "**missed**"
    return f"inconclusive: the interval straddles {limit:g} % (mean {'under' if c[0] <= limit else 'over'})"


def merged(paths):
    """The sections of several harness JSON files, later files winning."""
    out = {}
    for p in paths:
        d = load(p) if os.path.exists(p) else None
        if d:
            for k, v in d.items():
                if k == "workload" and isinstance(v, dict) and v.get("mode", "calls") != "calls":
                    k = "workload:" + v["mode"]  # the other modes (control, record, ...) beside it
                out[k] = v
    return out


def fresh_key_section(jmh, targets):
    """FreshKeyBenchmark: keys built per call (hash not cached), against the map; markdown lines."""
    L = []
    w = L.append
    cls = "FreshKeyBenchmark"
    if jmh.find(f"{cls}.concurrentHashMapLongAdder") is None:
        return L
    w("## Per key, keys built per call: `recordRequest(key)` and `isQuarantined(key)` as a server sees them")
    w("")
    w("`FreshKeyBenchmark`: every call builds its key (`\"10.\" + a + \".\" + b + \".\" + c`), so its hash is not")
    w("cached and is paid inside the call, as for a key parsed from a request. `keys=1000` cycles a hot")
    w("set (the map stays in cache); `keys=1000000` a million keys (the map's entries, about 150 MB, are")
    w("far beyond the caches: its look-ups miss them, as with caches evicted between calls; Argos's")
    w("sketch is 256 KiB whatever the keys). `keyOnly` and `keyAndHash` are the floors every other row")
    w("includes. The quarantine holds 1 000 other keys, so `isQuarantined` misses, as most requests do.")
    w("Ratios are each row minus `keyOnly` (the key's construction, the same in every row), divided")
    w("by the map's minus `keyOnly`.")
    w("")
    w("| keys | keyOnly | keyAndHash | Argos `recordRequest(key)` | Argos `isQuarantined(key)` | both, one key | map | record ÷ map (net) | both ÷ map (net) | Argos B/op beyond the key |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for k in ("1000", "65536", "1000000"):
        ko = jmh.score(f"{cls}.keyOnly", keys=k)
        kh = jmh.score(f"{cls}.keyAndHash", keys=k)
        rec = jmh.score(f"{cls}.argosRecordRequest", keys=k)
        isq = jmh.score(f"{cls}.argosIsQuarantined", keys=k)
        both = jmh.score(f"{cls}.argosRecordAndCheck", keys=k)
        m = jmh.score(f"{cls}.concurrentHashMapLongAdder", keys=k)
        b = jmh.bytes_per_op(f"{cls}.argosRecordRequest", keys=k)
        bk = jmh.bytes_per_op(f"{cls}.keyOnly", keys=k)
        if b is not None and bk is not None:
            b = max(0.0, b - bk)
        def net(x):
            return None if None in (x, ko, m) or m - ko <= 0 else (x - ko) / (m - ko)
        w(f"| {int(k):,} | {num(ko)} | {num(kh)} | {num(rec)} | {num(isq)} | {num(both)} | {num(m)} | "
          f"{rx(net(rec))} | {rx(net(both))} | {bop(b)} |")
        r = net(rec)
        targets.append((f"`recordRequest(key)` clearly cheaper than the map with keys built per call ({int(k):,} keys; net ≤ 0.8×)",
                        rx(r), NA if r is None else verdict(r <= 0.8)))
    w("")
    return L


def cost_sections(h, targets, command=None, note=None):
    """The whole-process sections (harness hostCost, startup, workload) as markdown lines."""
    L = []
    w = L.append
    hc = section_result(h, "hostCost")
    st = section_result(h, "startup")
    wl = section_result(h, "workload")
    if not (hc or st or wl):
        return L
    w("## What the host pays: the whole process")
    w("")
    w("Harness sections `hostCost`, `startup` and `workload` (`dev.argos.benchmarks.harness.HostCost`):")
    w("every figure is the CPU time of the whole process (the application's threads, Argos's, the")
    w("watched executors' own threads woken by probes, JIT, GC), with and without Argos, not the CPU")
    w("time of Argos's threads alone as in the idle-cost section above.")
    w("")
    if note:
        w(f"> **{note}**")
        w("")
    if command:
        w("```")
        w(command)
        w("```")
        w("")
    if hc and hc.get("rows"):
        w("### Idle Argos, whole process")
        w("")
        w(f"An otherwise idle process in alternating phases (order ABBA) of {hc.get('phaseMs', 0) / 1000:g} s: A without Argos, B")
        w(f"with a fresh Argos at its defaults under an agent with `Quarantines.inMemory()`, given {hc.get('settleMs', 0) / 1000:g} s to")
        w("settle before each measurement; 0, 1 or 8 idle one-thread executors exist in both arms and are")
        w(f"watched in B. {hc.get('pairs')} pairs per row. Two kinds of executor: `Executors.newSingleThreadExecutor()`")
        w("(a wrapper Argos cannot look into: probed every probe interval, like an event loop) and a plain")
        w("one-thread `ThreadPoolExecutor` (seen idle, so not probed while idle; see docs/signals/eventLoopLag.md).")
        w("The A/A control runs no Argos in either arm: its interval is")
        w("the method's own noise. Process CPU from `getProcessCpuTime` (counted in 10 ms clock ticks, so")
        w("one phase resolves about 0.1 %: the mean over pairs is the figure), and the same from the")
        w("live threads' `/proc/self/task/*/schedstat` (nanoseconds). Wake-ups: voluntary context")
        w("switches of all threads per second.")
        w("")
        w("| watched executors | without (mean, % of one core) | with (mean) | cost: with − without, mean (95 % CI) | same, from schedstat | wake-ups/s without → with | of which Argos's threads |")
        w("|---|---|---|---|---|---|---|")
        byw = {}
        kinds = {"singleThreadExecutor": "newSingleThreadExecutor", "threadPoolExecutor": "ThreadPoolExecutor"}
        for row in hc["rows"]:
            kind = row.get("executors")
            byw[str(row.get("watched")) + (":" + kind if kind else "")] = row
            wo = row.get("withoutPercentOfOneCore") or {}
            wi = row.get("withPercentOfOneCore") or {}
            wa = row.get("wakeUpsPerSecondWithout") or {}
            wb = row.get("wakeUpsPerSecondWith") or {}
            ar = row.get("argosThreadsPercentOfOneCore") or {}
            label = "A/A control" if row.get("watched") == "control" else str(row.get("watched"))
            if row.get("executors"):
                label += f" ({kinds.get(row.get('executors'), row.get('executors'))})"
            w(f"| {label} | {num(wo.get('mean'), 3)} % | {num(wi.get('mean'), 3)} % | {ci_text(row.get('costPercentOfOneCoreCi95'))} | "
              f"{ci_text(row.get('threadsSchedstatCostPercentOfOneCoreCi95'))} | {num(wa.get('mean'), 0)} → {num(wb.get('mean'), 0)} | "
              f"{num(ar.get('mean'), 3) + ' %' if ar.get('mean') is not None else NA} |")
        w("")
        ctrl = byw.get("control")
        ctext = f"; control {ci_text(ctrl.get('costPercentOfOneCoreCi95'))}" if ctrl else ""
        plans = [("0", 0.3, "nothing watched")]
        for key, name in kinds.items():
            plans.append((f"1:{key}", 0.5, f"one watched executor ({name})"))
        for n, limit, what in plans:
            row = byw.get(n)
            c = row.get("costPercentOfOneCoreCi95") if row else None
            targets.append((f"whole process, idle Argos at defaults, {what}: ≤ {limit} % of one core",
                            (ci_text(c) + ctext) if c else NA,
                            verdict_ci(c, limit)))
        for key, name in kinds.items():
            r1, r8 = byw.get("1:" + key), byw.get("8:" + key)
            if r1 and r8 and r1.get("costPercentOfOneCoreCi95") and r8.get("costPercentOfOneCoreCi95"):
                per = (r8["costPercentOfOneCoreCi95"][0] - r1["costPercentOfOneCoreCi95"][0]) / 7
                wk = ((r8.get("wakeUpsPerSecondWith") or {}).get("mean"), (r1.get("wakeUpsPerSecondWith") or {}).get("mean"))
                wtext = f", {(wk[0] - wk[1]) / 7:.0f} wake-ups/s per executor" if None not in wk else ""
                targets.append((f"whole process: each extra watched executor ({name}) well under 0.1 % of one core",
                                f"{per:.3f} % per executor ((8 watched − 1 watched) ÷ 7, a difference of two means){wtext}{ctext}",
                                verdict(per < 0.1)))
        w("")
    if st:
        w("### Start-up")
        w("")
        w(f"Child JVMs (same `java`, same class path, default flags), {st.get('pairs')} pairs alternately with and")
        w("without `Argos.createArgos()` + `Agent.createAgent(...)` (which starts it) at defaults with")
        w("`Quarantines.inMemory()`; the calls timed inside the child, and the child's whole process CPU at")
        w("its end. Classes counted with `-Xlog:class+load` in one more child of each kind.")
        w("")
        cw, cc = st.get("callsWallMs") or {}, st.get("callsProcessCpuMs") or {}
        pw, po, pd = st.get("processCpuMsWith") or {}, st.get("processCpuMsWithout") or {}, st.get("processCpuMsDiffPerPair") or {}
        wd = st.get("childWallMsDiffPerPair") or {}
        w("| figure | p50 | min … max |")
        w("|---|---|---|")
        w(f"| wall time of the calls | {num(cw.get('p50'), 1)} ms | {num(cw.get('min'), 1)} … {num(cw.get('max'), 1)} ms |")
        w(f"| process CPU during the calls (all threads) | {num(cc.get('p50'), 1)} ms | {num(cc.get('min'), 1)} … {num(cc.get('max'), 1)} ms |")
        w(f"| whole child process CPU, with | {num(pw.get('p50'), 0)} ms | {num(pw.get('min'), 0)} … {num(pw.get('max'), 0)} ms |")
        w(f"| whole child process CPU, without (control arm) | {num(po.get('p50'), 0)} ms | {num(po.get('min'), 0)} … {num(po.get('max'), 0)} ms |")
        w(f"| extra process CPU per pair | {num(pd.get('p50'), 0)} ms | {num(pd.get('min'), 0)} … {num(pd.get('max'), 0)} ms |")
        w(f"| extra child wall time per pair (JVM start to exit) | {num(wd.get('p50'), 0)} ms | {num(wd.get('min'), 0)} … {num(wd.get('max'), 0)} ms |")
        w("")
        def count(x):
            return NA if x is None else f"{int(x):,}"
        w(f"Classes loaded: {count(st.get('classesLoadedWith'))} with Argos, {count(st.get('classesLoadedWithout'))} without;"
          f" of them {st.get('argosClassesWith')} Argos's and {st.get('jacksonClassesWith')} Jackson's.")
        w("")
        targets.append(("start-up: createArgos + createAgent + start at defaults ≤ 50 ms wall",
                        f"p50 {num(cw.get('p50'), 1)} ms, max {num(cw.get('max'), 1)} ms (whole child: +{num(pd.get('p50'), 0)} ms CPU)",
                        verdict_limit(cw.get("p50"), 50)))
        jk = st.get("jacksonClassesWith")
        targets.append(("start-up: no Jackson class loaded until something writes JSON",
                        NA if jk is None else f"{jk} Jackson classes loaded", NA if jk is None else verdict(jk == 0)))
    if wl:
        w("### A request workload on every core")
        w("")
        w(f"Requests of about 1 µs (sort 32 random ints, fill a small `HashMap`) on {wl.get('threads')} threads, each with a key")
        w("built for it (`10.a.b.c`, one of about a million clients), in alternating phases (ABBA) of")
        w(f"{wl.get('phaseMs', 0) / 1000:g} s: with a fresh Argos at defaults (settled {wl.get('settleMs', 0) / 1000:g} s) and the workload calling")
        w("`recordRequest(key)` and `isQuarantined(key)` on every request, and without Argos (the key still")
        w("built). Extra = process CPU per request with ÷ without − 1, per pair.")
        w("")
        rows = [wl] + [v for k, v in sorted(h.items()) if k.startswith("workload:") and isinstance(v, dict) and "error" not in v]
        w("| mode | pairs | CPU per request without (p50) | with (p50) | extra process CPU, mean (95 % CI) |")
        w("|---|---|---|---|---|")
        for r in rows:
            a, b = r.get("cpuMicrosPerRequestWithout") or {}, r.get("cpuMicrosPerRequestWith") or {}
            w(f"| `{r.get('mode')}` | {r.get('pairs')} | {num(a.get('p50'), 3)} µs | {num(b.get('p50'), 3)} µs | {ci_text(r.get('extraCpuPercentCi95'))} |")
        w("")
        c = wl.get("extraCpuPercentCi95")
        ctl = [v for k, v in h.items() if k == "workload:control" and isinstance(v, dict)]
        cc = f"; control {ci_text(ctl[0].get('extraCpuPercentCi95'))}" if ctl else ""
        targets.append(("workload of ~1 µs requests: extra process CPU ≤ 3 %", ci_text(c) + cc, verdict_ci(c, 3.0)))
    return L


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jmh", required=True)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--command", default="argos-benchmarks/run-benchmarks.sh")
    ap.add_argument("--elapsed", type=int, default=None)
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--cores", default="?")
    ap.add_argument("--note", default="")
    ap.add_argument("--cost", action="append", default=[],
                    help="harness JSON with the whole-process sections (hostCost, startup, workload)")
    ap.add_argument("--cost-command", default=None, help="the command that measured the --cost files")
    ap.add_argument("--cost-note", default=None, help="a note above the whole-process sections")
    ap.add_argument("--fresh-only", default=None,
                    help="print only the FreshKeyBenchmark section (and its targets) of this JMH JSON to stdout")
    ap.add_argument("--sections-only", action="store_true",
                    help="print only the whole-process sections and their targets to stdout")
    ap.add_argument("--ablation", action="append", default=[],
                    help="harness JSON of the overhead section run with another argos.bench.record")
    a = ap.parse_args()
    if a.fresh_only:
        targets = []
        lines = fresh_key_section(Jmh(load(a.fresh_only)), targets)
        lines.append("| target | measured | |")
        lines.append("|---|---|---|")
        for t, m, v in targets:
            lines.append(f"| {t} | {m} | {v} |")
        print("\n".join(lines))
        return
    if a.sections_only:
        targets = []
        lines = cost_sections(merged(a.cost), targets, a.cost_command, a.cost_note)
        lines.append("### Targets of issue 12 (§1, §2), from these figures")
        lines.append("")
        lines.append("| target | measured | |")
        lines.append("|---|---|---|")
        for t, m, v in targets:
            lines.append(f"| {t} | {m} | {v} |")
        print("\n".join(lines))
        return

    jmh = Jmh(load(a.jmh))
    h = load(a.harness) or {}
    targets = []  # (target, measured, verdict)
    L = []
    w = L.append

    jvm = NA
    if jmh.entries:
        e = jmh.entries[0]
        jvm = f"{e.get('vmName', '')} {e.get('vmVersion', '')}".strip()
    # the date of the run: when its last results were written (re-formatting keeps it)
    stamps = [os.path.getmtime(f) for f in [a.jmh, a.harness] + a.ablation if os.path.exists(f)]
    stamp = max(stamps) if stamps else None
    when = (datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc) if stamp is not None
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")

    w("# Benchmarks")
    w("")
    w("Argos side by side with what a user would pick instead, measured in one run on one machine.")
    w("Every figure on this page was written by the command below from that run's results; ratios")
    w("compare figures measured in the same run. Nothing here is edited by hand: to change the page,")
    w("change `argos-benchmarks/format-results.py` and run the command again.")
    w("")
    if a.note:
        w(f"> **{a.note}**")
        w("")
    w("```")
    w(a.command)
    w("```")
    w("")
    w("| run | |")
    w("|---|---|")
    w(f"| date | {when} |")
    w(f"| commit | {a.commit} |")
    w(f"| machine | {a.cores} cores{', ' + a.cpu if a.cpu else ''}; shared, not isolated |")
    w(f"| JVM | {jvm} |")
    w(f"| wall time of the whole command | {NA if a.elapsed is None else f'{a.elapsed // 60} min {a.elapsed % 60} s'} (build included) |")
    w("| JMH settings | 1 fork, 3 × 1 s warm-up, 5 × 1 s measurement, `-prof gc` |")
    w("")
    w("Results of the run (raw JMH JSON, harness JSON and logs) stay in")
    w("`argos-benchmarks/target/results/`. The error after ± is JMH's 99.9 % confidence half-width.")
    w("B/op is JMH's `gc.alloc.rate.norm` (bytes allocated per operation); below 0.01 it is shown as 0.")
    w("")

    # ------------------------------------------------------------------ hot path
    w("## Hot path: `recordRequest()`")
    w("")
    w("`HotPath1Thread` and `HotPath2Threads` (`dev.argos.benchmarks.HotPathBenchmark`): one shared")
    w("counter of each kind, incremented by 1 or 2 threads; Argos started at its defaults.")
    w("")
    w("| threads | benchmark | ns/op | B/op | × LongAdder |")
    w("|---|---|---|---|---|")
    names = [
        ("argosRecordRequest", "Argos `recordRequest()`"),
        ("longAdderIncrement", "`LongAdder.increment()` (floor)"),
        ("micrometerCounterIncrement", "Micrometer `Counter.increment()`"),
        ("dropwizardMeterMark", "Dropwizard `Meter.mark()`"),
    ]
    for cls, t in (("HotPath1Thread", 1), ("HotPath2Threads", 2)):
        floor = jmh.score(f"{cls}.longAdderIncrement")
        for m, label in names:
            s = jmh.score(f"{cls}.{m}")
            w(f"| {t} | {label} | {pm(s, jmh.error(f'{cls}.{m}'))} | {bop(jmh.bytes_per_op(f'{cls}.{m}'))} | {rx(ratio(s, floor))} |")
        argos = jmh.score(f"{cls}.argosRecordRequest")
        r = ratio(argos, floor)
        mic = jmh.score(f"{cls}.micrometerCounterIncrement")
        dw = jmh.score(f"{cls}.dropwizardMeterMark")
        rr = ratio_range(argos, jmh.error(f"{cls}.argosRecordRequest"), floor, jmh.error(f"{cls}.longAdderIncrement"))
        targets.append((f"`recordRequest()` within 1.2× of LongAdder, {t} thread(s)", rx(r),
                        verdict_limit(r, 1.2, rr)))
        faster = None if None in (argos, mic, dw) else (argos < mic and argos < dw)
        v = verdict(faster)
        if faster is not None:
            ea = jmh.error(f"{cls}.argosRecordRequest") or 0
            for peer, pe in ((mic, jmh.error(f"{cls}.micrometerCounterIncrement")),
                             (dw, jmh.error(f"{cls}.dropwizardMeterMark"))):
                if abs(argos - peer) <= ea + (pe or 0):
                    v += " (a tie within the ± error)"
                    break
        targets.append((f"`recordRequest()` faster than Micrometer and Dropwizard, {t} thread(s)",
                        f"{num(argos)} vs {num(mic)} / {num(dw)} ns/op", v))
        b = jmh.bytes_per_op(f"{cls}.argosRecordRequest")
        targets.append((f"`recordRequest()` 0 B/op, {t} thread(s)", bop(b), verdict(zero(b))))
    w("")

    # ------------------------------------------------------------------ per key
    w("## Per key: `recordRequest(key)`")
    w("")
    w("`PerKeyBenchmark`: keys built in setup and cycled in order, one thread; `keys=1000` is a hot")
    w("set, `keys=1000000` a million distinct keys. The peer is a `ConcurrentHashMap<String, LongAdder>`")
    w("(get, then computeIfAbsent on a miss), the map a user would write.")
    w("")
    w("| keys | Argos ns/op | map ns/op | Argos ÷ map | Argos B/op | map B/op |")
    w("|---|---|---|---|---|---|")
    for k in ("1000", "1000000"):
        s = jmh.score("PerKeyBenchmark.argosRecordRequestKey", keys=k)
        m = jmh.score("PerKeyBenchmark.concurrentHashMapLongAdder", keys=k)
        ba = jmh.bytes_per_op("PerKeyBenchmark.argosRecordRequestKey", keys=k)
        bm = jmh.bytes_per_op("PerKeyBenchmark.concurrentHashMapLongAdder", keys=k)
        w(f"| {int(k):,} | {pm(s, jmh.error('PerKeyBenchmark.argosRecordRequestKey', keys=k))} | "
          f"{pm(m, jmh.error('PerKeyBenchmark.concurrentHashMapLongAdder', keys=k))} | {rx(ratio(s, m))} | {bop(ba)} | {bop(bm)} |")
        if k == "1000":
            r = ratio(s, m)
            rr = ratio_range(s, jmh.error("PerKeyBenchmark.argosRecordRequestKey", keys=k), m,
                             jmh.error("PerKeyBenchmark.concurrentHashMapLongAdder", keys=k))
            targets.append(("`recordRequest(key)` at least as fast as the map on 1 000 hot keys",
                            rx(r), verdict_limit(r, 1.0, rr)))
        targets.append((f"`recordRequest(key)` 0 B/op, {int(k):,} keys", bop(ba), verdict(zero(ba))))
    w("")
    mem = section_result(h, "memory")
    w("Retained memory (harness section `memory`): heap used after `System.gc()` once N distinct keys")
    w("were recorded into each, minus the heap used before (the keys are built on the fly and not kept")
    w("by the harness; the map keeps them, Argos may not).")
    w("")
    w("| distinct keys | Argos retained | map retained |")
    w("|---|---|---|")
    if mem and mem.get("rows"):
        rows = mem["rows"]
        for row in rows:
            w(f"| {row['keys']:,} | {mib(row.get('argosRetainedBytes'))} | {mib(row.get('mapRetainedBytes'))} |")
        first, last = rows[0], rows[-1]
        fa, la = first.get("argosRetainedBytes"), last.get("argosRetainedBytes")
        # "does not grow": retained at the most keys no more than at the fewest plus 1 MiB of noise
        ok = None if fa is None or la is None else la <= max(fa, 0) + 1024 * 1024 * 1.5
        targets.append(("retained memory of `recordRequest(key)` does not grow with distinct keys",
                        f"{mib(fa)} at {first['keys']:,} keys, {mib(la)} at {last['keys']:,} "
                        f"(map: {mib(last.get('mapRetainedBytes'))})", verdict(ok)))
    else:
        w(f"| {NA} | | |")
        targets.append(("retained memory of `recordRequest(key)` does not grow with distinct keys", NA, NA))
    w("")

    L.extend(fresh_key_section(jmh, targets))
    # ------------------------------------------------------------------ quarantine
    w("## `isQuarantined(key)`")
    w("")
    w("`QuarantineBenchmark`: `Quarantines.inMemory()` holding 1 000 keys against a `ConcurrentHashMap`")
    w("holding the same keys; `miss` asks about 1 000 other keys (the common case), `hit` about the")
    w("quarantined ones (a hit also checks the entry's expiry against the clock).")
    w("")
    w("| lookup | Argos ns/op | `containsKey` ns/op | Argos ÷ map | Argos B/op |")
    w("|---|---|---|---|---|")
    for lk in ("miss", "hit"):
        s = jmh.score("QuarantineBenchmark.argosIsQuarantined", lookup=lk)
        m = jmh.score("QuarantineBenchmark.concurrentHashMapContainsKey", lookup=lk)
        b = jmh.bytes_per_op("QuarantineBenchmark.argosIsQuarantined", lookup=lk)
        r = ratio(s, m)
        w(f"| {lk} | {pm(s, jmh.error('QuarantineBenchmark.argosIsQuarantined', lookup=lk))} | "
          f"{pm(m, jmh.error('QuarantineBenchmark.concurrentHashMapContainsKey', lookup=lk))} | {rx(r)} | {bop(b)} |")
        rr = ratio_range(s, jmh.error("QuarantineBenchmark.argosIsQuarantined", lookup=lk), m,
                         jmh.error("QuarantineBenchmark.concurrentHashMapContainsKey", lookup=lk))
        targets.append((f"`isQuarantined` within 1.5× of `containsKey` ({lk})", rx(r),
                        verdict_limit(r, 1.5, rr)))
        targets.append((f"`isQuarantined` 0 B/op ({lk})", bop(b), verdict(zero(b))))
    w("")

    # ------------------------------------------------------------------ sampler tick
    w("## One sampler tick at the defaults")
    w("")
    w("`dev.argos.observers.SamplerTickBenchmark` (in the benchmark jar, in Argos's package so that it")
    w("can call the package-private `SamplerEngine.runOnce`): `argosTick` runs every sampler an Argos")
    w("at its defaults registers, once, on a manual clock advanced by the sample rate (100 ms) before")
    w("each tick, as the `argos-sampler` thread does 10 times a second (GC notifications, which arrive")
    w("on a JMX thread, are not part of it, nor are the short wake-ups of the sampler thread between")
    w("ticks that the JVM stall meter asks for: the idle cost below covers everything the threads do;")
    w("nor is the cache state: this loop runs with warm caches, the real thread after each park).")
    w("`argosSnapshot` is the public read path `Argos.snapshot()`.")
    w("`micrometerRead` reads every meter of Micrometer's `JvmMemoryMetrics`, `JvmGcMetrics`,")
    w("`JvmThreadMetrics`, `ProcessorMetrics` and `FileDescriptorMetrics` once through `Meter.measure()`.")
    w("")
    w("| benchmark | µs/op | B/op |")
    w("|---|---|---|")
    for m, label in (("argosTick", "Argos: one tick of every sampler"),
                     ("argosSnapshot", "Argos: `snapshot()`"),
                     ("micrometerRead", "Micrometer: read the JVM binders' meters once")):
        n = f"SamplerTickBenchmark.{m}"
        w(f"| {label} | {pm(jmh.score(n), jmh.error(n))} | {bop(jmh.bytes_per_op(n))} |")
    tick = jmh.score("SamplerTickBenchmark.argosTick")
    if tick is not None:
        w("")
        w(f"At 10 ticks a second that is {tick * 10 / 1e4:.4f} % of one core for the samplers' own work.")
    w("")

    # ------------------------------------------------------------------ sampler parts
    w("## Two samplers' own work")
    w("")
    w("`dev.argos.observers.SamplerPartsBenchmark` (in Argos's package, like the tick benchmark):")
    w("`heapSamplerTick` is one `HeapSampler.tick` at the defaults (60 s window) after three windows of")
    w("history with a young collection every 500 ms, with or without a new GC event to fold in;")
    w("`resourceProbeRead` is one read of this JVM's descriptors, sockets and threads from `/proc`, at")
    w("Argos's cadence (sockets told apart every 5th read) or telling sockets apart on every read (a")
    w("`readlink` per descriptor), with 0 or 2 000 extra files open. Argos reads resources at most once")
    w("a second, so the second table is per second, not per tick.")
    w("")
    w("| benchmark | µs/op | B/op |")
    w("|---|---|---|")
    for ev, label in (("false", "`HeapSampler.tick`, nothing new"), ("true", "`HeapSampler.tick` with a new GC event")):
        n = "SamplerPartsBenchmark.heapSamplerTick"
        w(f"| {label} | {pm(jmh.score(n, gcEvent=ev), jmh.error(n, gcEvent=ev))} | {bop(jmh.bytes_per_op(n, gcEvent=ev))} |")
    for files in ("0", "2000"):
        for probe, label in (("default", "default cadence"), ("everyRead", "sockets every read")):
            n = "SamplerPartsBenchmark.resourceProbeRead"
            w(f"| `OsResourceProbe.read`, +{files} files, {label} | "
              f"{pm(jmh.score(n, probe=probe, extraFiles=files), jmh.error(n, probe=probe, extraFiles=files))} | "
              f"{bop(jmh.bytes_per_op(n, probe=probe, extraFiles=files))} |")
    w("")

    # ------------------------------------------------------------------ dispatch
    w("## Signal dispatch: `Agent.publish` to listener")
    w("")
    w("`DispatchBenchmark` (sample-time mode): one `publish` until every listener on `argos:signal` has")
    w("run (with 10 listeners, until the last one has). The publishing thread waits by spinning briefly")
    w("then yielding.")
    w("")
    w("| listeners | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | samples |")
    w("|---|---|---|---|---|---|---|")
    for n in ("1", "10"):
        b = "DispatchBenchmark.publishToListeners"
        def p(q):
            return num(jmh.percentile(b, q, listeners=n), 1)
        smp = jmh.samples(b, listeners=n)
        w(f"| {n} | {p('50.0')} | {p('90.0')} | {p('99.0')} | {p('99.9')} | {p('100.0')} | {NA if smp is None else f'{smp:,}'} |")
    w("")

    # ------------------------------------------------------------------ detection
    w("## Detection latency of executor stalls")
    w("")
    d = section_result(h, "detection")
    w("Harness section `detection`: a single-thread executor watched with `argos.watch(...)` under an")
    w("agent, Argos at its defaults (threshold 50 ms, sample rate 100 ms); each stall is a task that")
    w("blocks the executor for 300 ms, started at a random phase against the sampler. Latency is from")
    w("the stall's first instruction to the `eventLoopLag` signal reaching a listener.")
    w("")
    if d:
        lat = d.get("latencyMs") or {}
        w("| stalls | detected | detected while in progress | resolved | p50 ms | p90 ms | p99 ms | max ms |")
        w("|---|---|---|---|---|---|---|---|")
        w(f"| {d.get('stalls')} | {d.get('detected')} | {d.get('detectedInProgress')} | {d.get('resolved')} | "
          f"{num(lat.get('p50'), 1)} | {num(lat.get('p90'), 1)} | {num(lat.get('p99'), 1)} | {num(lat.get('max'), 1)} |")
        rep = d.get("reportedLagAtDetectionMs") or {}
        if rep.get("n"):
            w("")
            w(f"`lagMs` carried by the first signal: p50 {num(rep.get('p50'), 1)} ms, max {num(rep.get('max'), 1)} ms.")
        ok = None if not d.get("stalls") else d.get("detected") == d.get("stalls") and d.get("detectedInProgress") == d.get("stalls")
        targets.append((f"every one of {d.get('stalls')} stalls detected while in progress",
                        f"{d.get('detected')} detected, {d.get('detectedInProgress')} in progress; p50 {num(lat.get('p50'), 1)} ms, p99 {num(lat.get('p99'), 1)} ms",
                        verdict(ok)))
    else:
        w(NA + ".")
        targets.append(("executor stalls detected while in progress", NA, NA))
    w("")
    g = section_result(h, "gc")
    w("### Reported lag of forced full GCs")
    w("")
    w("Harness section `gc`: a live set of small linked objects (so that a full GC pauses longer than the")
    w("threshold), then `System.gc()` repeatedly; for each, the largest `lagMs` of the `eventLoopLag`")
    w("signals with key `jvm` in the 2.5 s after it against the GC's own duration from its")
    w("`GarbageCollectionNotificationInfo`.")
    w("")
    if g and g.get("rows"):
        w("| # | GC duration ms | `System.gc()` wall ms | reported `lagMs` | reported `gcPauseMs` | cause | error ms | signal at the listener, ms after `System.gc()` returned |")
        w("|---|---|---|---|---|---|---|---|")
        for i, row in enumerate(g["rows"]):
            def v(x):
                return NA if x is None or (isinstance(x, (int, float)) and x < 0) else num(x, 1)
            w(f"| {i + 1} | {v(row.get('gcDurationMs'))} | {v(row.get('systemGcWallMs'))} | {v(row.get('reportedLagMs'))} | "
              f"{v(row.get('reportedGcPauseMs'))} | {row.get('cause')} | {num(row.get('errorMs'), 1) if 'errorMs' in row else NA} | "
              f"{v(row.get('signalAfterGcReturnedMs'))} |")
        ae = g.get("absErrorMs") or {}
        sa = g.get("signalAfterGcReturnedMs") or {}
        w("")
        w(f"Collector: {g.get('collector')}; live set about {g.get('liveSetMb')} MB. Detected {g.get('detected')} of {g.get('gcs')};"
          f" absolute error p50 {num(ae.get('p50'), 1)} ms, max {num(ae.get('max'), 1)} ms."
          + (f" The signal reached the listener p50 {num(sa.get('p50'), 1)} ms, max {num(sa.get('max'), 1)} ms after"
             " `System.gc()` returned (the meter waits for the GC's notification, then for its next wake-up)."
             if sa.get("n") else ""))
        targets.append(("forced full GCs reported with their pause",
                        f"{g.get('detected')} of {g.get('gcs')}; absolute error p50 {num(ae.get('p50'), 1)} ms, max {num(ae.get('max'), 1)} ms",
                        verdict(None if not g.get("gcs") else g.get("detected") == g.get("gcs"))))
    else:
        w(NA + ".")
    w("")

    # ------------------------------------------------------------------ overhead
    w("## Host overhead")
    w("")
    o = section_result(h, "overhead")
    w("Harness section `overhead`: requests of CPU- and allocation-heavy work (each 16 units of: sort 32")
    w("random ints, fill a small `HashMap` with boxed keys and strings) on every core, in alternating")
    w("phases (order ABBA) with Argos at its defaults under an agent with `Quarantines.inMemory()`, every")
    w("request recorded with `recordRequest(key)` over 1 024 keys, and without Argos at all.")
    w("Loss = 1 − with ÷ without, per adjacent pair.")
    w("")
    w("Two measures per phase: requests per second of wall time (what a dedicated machine would see, but")
    w("on a shared machine other processes swing it by tens of per cent from one phase to the next),")
    w("and requests per second of CPU time of the whole process (workload, GC, JIT and Argos's threads")
    w("together), which is what Argos's own work and interference take away from a saturated host and")
    w("is far less sensitive to other processes. The target is judged on the second, by the 95 %")
    w("confidence interval of the mean loss over the pairs.")
    w("")
    if o:
        w("| measure (requests) | without (p50) | with (p50) | loss p50 | loss min … max | mean loss, 95 % CI |")
        w("|---|---|---|---|---|---|")
        def ci(c):
            return NA if not c else f"{c[0]:.2f} % ({c[1]:.2f} … {c[2]:.2f} %)"
        for label, kw, kwi, kl, kc in (
                ("per CPU-second", "withoutPerCpuSecond", "withPerCpuSecond", "cpuLossPercentPerPair", "cpuLossPercentCi95"),
                ("per second (wall)", "withoutPerSecond", "withPerSecond", "lossPercentPerPair", "lossPercentCi95")):
            wo, wi, lo = o.get(kw) or {}, o.get(kwi) or {}, o.get(kl) or {}
            w(f"| {label} | {num(wo.get('p50'))} | {num(wi.get('p50'))} | {num(lo.get('p50'))} % | "
              f"{num(lo.get('min'))} … {num(lo.get('max'))} % | {ci(o.get(kc))} |")
        w("")
        w(f"{o.get('pairs')} pairs of {o.get('phaseMs')} ms phases on {o.get('threads')} threads, after {o.get('warmupPairs', 2)} warm-up pairs;"
          f" one request costs {num(o.get('cpuMicrosPerRequestWithout'), 1)} µs of CPU without Argos. Recording costs"
          " a fixed few ns per request (see the per-key table), a share that grows as requests get lighter;"
          " the rest of the loss is Argos's threads and their interference with the workload, which the"
          " \"nothing recorded\" row below measures alone.")
        share = o.get("argosThreadsCpuPercentOfProcess") or {}
        if share.get("p50") is not None:
            w("")
            w(f"Argos's own threads (names starting with `argos`) took {share['p50']:.2f} % of the process's CPU"
              f" time in the median phase with Argos (max {share['max']:.2f} %): their direct cost, measured"
              " without the noise of a difference of throughputs. The loss can exceed it through interference"
              " (the sampler thread preempting a workload thread, cache lines evicted) and through noise.")
        rows = []
        for path in a.ablation:
            ab = load(path) if os.path.exists(path) else None
            ov = section_result(ab, "overhead") if ab else None
            if ov and ov.get("cpuLossPercentCi95"):
                rows.append(ov)
        if rows:
            labels = {"key": "`recordRequest(key)` on every request (the figures above)",
                      "plain": "`recordRequest()` on every request",
                      "none": "Argos running, nothing recorded",
                      "control": "no Argos in either arm (A/A control: the method's own noise and bias)"}
            w("")
            w("Where the loss comes from: the same section run again (same command, separate JVMs)")
            w("with less recorded, and once with no Argos at all in either arm, per CPU-second. A row")
            w("whose interval overlaps the control's cannot be told apart from noise on this machine:")
            w("")
            w("| Argos at defaults, and the workload calls | mean loss, 95 % CI |")
            w("|---|---|")
            c = o.get("cpuLossPercentCi95")
            if c:
                w(f"| {labels['key']} | {c[0]:.2f} % ({c[1]:.2f} … {c[2]:.2f} %) |")
            for ov in rows:
                c = ov["cpuLossPercentCi95"]
                w(f"| {labels.get(ov.get('record'), ov.get('record'))} | {c[0]:.2f} % ({c[1]:.2f} … {c[2]:.2f} %) |")
        sig = o.get("signalsWhileMeasuring")
        if sig is not None:
            listed = ", ".join(f"{k}: {v}" for k, v in sig.items()) if sig else "none"
            w("")
            w(f"Signals delivered while the phases with Argos were measured: {listed}.")
        c = o.get("cpuLossPercentCi95")
        if c:
            if c[2] < 1.0:
                v = "met"
            elif c[1] > 1.0:
                v = "**missed**"
            else:
                v = "inconclusive: the interval straddles 1 %"
            targets.append(("host throughput loss under 1 %", f"{c[0]:.2f} % per CPU-second (95 % CI {c[1]:.2f} … {c[2]:.2f} %)", v))
        else:
            targets.append(("host throughput loss under 1 %", NA, NA))
    else:
        w(NA + ".")
        targets.append(("host throughput loss under 1 %", NA, NA))
    w("")

    # ------------------------------------------------------------------ idle
    w("## Idle cost")
    w("")
    w("Harness sections `idle` and `idleWatching`: Argos at its defaults under an agent with one")
    w("listener, nothing else running (in `idleWatching`, Argos also watches one idle single-thread")
    w("executor, which makes the sampler thread wake at the watchdog's probe cadence: every 20 ms at")
    w("the defaults since f2a0143, 10 ms before, instead of every 25 ms); CPU time")
    w("(`ThreadMXBean.getThreadCpuTime`) and bytes allocated")
    w("(`com.sun.management.ThreadMXBean.getThreadAllocatedBytes`) of every thread whose name starts")
    w("with `argos`. GC notification handling runs on the JVM's own notification thread, and the")
    w("watched executor's own thread runs the probes: neither is counted. Each section measures two")
    w("windows of one Argos: *steady*, from 60 s after Argos was created (its code compiled: what a")
    w("long-running service pays), and *start-up*, from 2 s after (the sampler's code still")
    w("interpreted or in the JIT's first tier: a tick runs 10 times a second, so the JIT takes tens")
    w("of seconds to compile it). The floor is measured in the same windows: a bare thread that only")
    w("parks in the same slices (25 ms, the probe interval while watching) and does nothing else; on this virtual")
    w("machine each wake-up costs tens of microseconds of CPU, and how many depends on the host's")
    w("load, so the floor and Argos move together from run to run.")
    w("")
    rows = [(n, section_result(h, n)) for n in ("idle", "idleWatching")]
    rows = [(n, r) for n, r in rows if r and "cpuShareOfOneCorePercent" in r]
    if rows:
        w("| section | watched executors | window | CPU, share of one core | of which `argos-sampler` | floor: a bare thread parking in the same slices | allocated | sampler ticks |")
        w("|---|---|---|---|---|---|---|---|")
        for n, i in rows:
            windows = [("steady", i)] + ([("start-up", i["startUp"])] if isinstance(i.get("startUp"), dict) else [])
            for label, x in windows:
                per = x.get("cpuShareOfOneCorePercentByThread") or {}
                sampler = per.get("argos-sampler")
                frm = x.get("fromSecond")
                span = f"{label}: {num(x.get('seconds'), 1)} s" + (f" from {num(frm, 0)} s" if frm is not None else "")
                floor = x.get("bareParkCpuShareOfOneCorePercent")
                w(f"| `{n}` | {i.get('watchedExecutors', 0)} | {span} | {x.get('cpuShareOfOneCorePercent'):.3f} % | "
                  f"{'%.3f %%' % sampler if sampler is not None else NA} | "
                  f"{'%.3f %% (%s ms)' % (floor, num(i.get('bareParkSliceMs'), 0)) if floor is not None else NA} | "
                  f"{num(x.get('allocatedBytesPerSecond'), 0)} B/s | {i.get('ticks') if label == 'steady' else ''} |")
        w("")
        w("Sampler ticks: counted at the end of the section (about 10 a second since Argos was created).")
        idle = dict(rows).get("idle")
        if idle:
            share = idle.get("cpuShareOfOneCorePercent")
            floor = idle.get("bareParkCpuShareOfOneCorePercent")
            shown = f"{share:.3f} % steady" + (f" (floor in the same window: {floor:.3f} %)" if floor is not None else "")
            v = verdict(share < 0.5)
            start = idle.get("startUp")
            if isinstance(start, dict) and start.get("cpuShareOfOneCorePercent") is not None:
                s_share = start["cpuShareOfOneCorePercent"]
                shown += f"; start-up (the 20 s from 2 s): {s_share:.3f} %"
                v += f" (steady); start-up {'under' if s_share < 0.5 else 'over'} 0.5 %"
            targets.append(("idle Argos at defaults under 0.5 % of one core", shown, v))
    else:
        w(NA + ".")
        targets.append(("idle Argos at defaults under 0.5 % of one core", NA, NA))
    w("")

    # ------------------------------------------------------------------ whole process
    if a.cost:
        L.extend(cost_sections(merged(a.cost), targets, a.cost_command, a.cost_note))

    # ------------------------------------------------------------------ targets
    w("## Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    for t, m, v in targets:
        w(f"| {t} | {m} | {v} |")
    w("")
    w("## Reading these figures")
    w("")
    w("- The machine is small (2 cores) and shared; the short JMH settings keep the whole command under")
    w("  15 minutes. Treat differences inside the ± error as ties, and compare ratios, which come from")
    w("  the same run, rather than absolute figures across runs.")
    w("- Two-thread figures on a 2-core machine include the sampler, JIT and GC threads competing for")
    w("  the same cores.")
    w("- The host-overhead loss is a difference of two throughputs; its 95 % interval over the pairs")
    w("  is the honest error bar. The wall-clock one is shown for completeness: on a shared machine")
    w("  its spread is far wider than the 1 % target.")
    w("- Where a target is missed by design rather than by noise, the reason is in the code's design")
    w("  notes: a quarantine *hit* reads the clock once to honour the entry's expiry exactly")
    w("  (`InMemoryQuarantine`; a miss, the common case, touches nothing else). The idle cost is")
    w("  mostly the sampler thread waking 40 times a second for the JVM stall meter; on this virtual")
    w("  machine each wake-up costs tens of microseconds of CPU (`JvmStallSampler.defaultResolutionNanos`).")
    w("- Each benchmark's javadoc says how to run it alone, e.g.")
    w("  `java -jar argos-benchmarks/target/benchmarks.jar PerKeyBenchmark -prof gc`, and the harness")
    w("  runs one section with `java -Xms1g -Xmx1g -cp argos-benchmarks/target/benchmarks.jar")
    w("  dev.argos.benchmarks.harness.Harness detection`.")
    w("")

    with open(a.doc, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    print(f"format-results: wrote {a.doc} ({len(targets)} targets)", file=sys.stderr)


if __name__ == "__main__":
    main()
