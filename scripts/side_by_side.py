#!/usr/bin/env python3
"""EndToEnd vs PyTorch, side by side, on the same machine and in the same minutes.

Runs every benchmark workload in EndToEnd (`e2e bench WORKLOAD --threads N --json`) and in
PyTorch (the peer scripts in ../shared/peers, called in place, never copied), alternating
the two frameworks, `--reps` times per thread count. Prints a table of medians and ratios
(EndToEnd / PyTorch, same thread count) and writes it into docs/performance.md between the
`side_by_side` markers (the hand-written notes around them are kept).

Peak memory is measured the same way for both: the child's ru_maxrss from wait4().

Python standard library only; the PyTorch side needs torch==2.13.0+cpu in --python.

    python3 scripts/side_by_side.py                      # full run (about 15-25 min)
    python3 scripts/side_by_side.py --reps 1 --threads 1 --workloads tiny,gemm --no-write
    python3 scripts/side_by_side.py --accuracy           # adds the 5-epoch MLP accuracy check
"""
import argparse, datetime, json, os, platform, re, shlex, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ["mlp", "cnn", "lstm", "tiny", "gemm"]
BEGIN, END = "<!-- side_by_side:begin -->", "<!-- side_by_side:end -->"

# (workload, metric key, unit, higher is better, target ratio or None, target text)
METRICS = [
    ("mlp", "samples_per_s", "samples/s", True, 1.5, ">= 1.5x"),
    ("mlp", "peak_rss_mib", "peak RSS MiB", False, 1.0, "<= 1.0x"),
    ("mlp", "test_acc", "test acc (epoch 1)", True, None, ""),
    ("cnn", "samples_per_s", "samples/s", True, 1.0, ">= 1.0x"),
    ("cnn", "test_acc", "test acc (epoch 1)", True, None, ">= 0.85 abs"),
    ("cnn", "peak_rss_mib", "peak RSS MiB", False, None, ""),
    ("lstm", "tokens_per_s", "tokens/s", True, 1.0, ">= 1.0x"),
    ("lstm", "peak_rss_mib", "peak RSS MiB", False, None, ""),
    ("tiny", "steps_per_s", "steps/s", True, 3.0, ">= 3x"),
    ("tiny", "us_per_step", "us/step", False, None, ""),
    ("gemm", "gflops_256", "GFLOP/s n=256", True, None, ""),
    ("gemm", "gflops_512", "GFLOP/s n=512", True, None, ""),
    ("gemm", "gflops_1024", "GFLOP/s n=1024", True, 1.8, ">= 1.8x"),
    ("gemm", "gflops_2048", "GFLOP/s n=2048", True, None, ""),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--reps", type=int, default=3, help="runs per framework, workload and thread count (default 3)")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of " + ",".join(WORKLOADS))
    p.add_argument("--peers", default=os.environ.get("E2E_PEERS", os.path.join(ROOT, "..", "shared", "peers")),
                   help="folder of the PyTorch peer scripts (env E2E_PEERS; default ../shared/peers)")
    p.add_argument("--python", default=os.environ.get("E2E_TORCH_PYTHON", "/tmp/torch-venv/bin/python"),
                   help="python with torch installed (env E2E_TORCH_PYTHON)")
    p.add_argument("--e2e", default=os.path.join(ROOT, ".build", "release", "e2e"),
                   help="the e2e binary (built with `swift build -c release` when missing)")
    p.add_argument("--epochs", type=int, default=1, help="epochs per mlp/cnn run (default 1)")
    p.add_argument("--lstm-steps", type=int, default=200)
    p.add_argument("--tiny-steps", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--accuracy", action="store_true",
                   help="also train the MLP for 5 epochs once per framework (1 thread) and check accuracy >= 0.865")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.add_argument("--raw", help="also write every run's parsed result to this JSON file")
    a = p.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    a.workloads = [w for w in a.workloads.split(",") if w]
    bad = [w for w in a.workloads if w not in WORKLOADS]
    if bad:
        p.error(f"--workloads: unknown {', '.join(bad)}; available: {', '.join(WORKLOADS)}")
    if a.reps < 1 or any(t < 1 for t in a.threads):
        p.error("--reps and --threads must be positive")
    return a


def fail(msg):
    print(f"side_by_side.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def run_child(cmd, env=None):
    """Runs cmd; returns (stdout text, seconds, peak RSS in MiB from wait4)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0); err.seek(0)
        text, etext = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        fail(f"{' '.join(shlex.quote(c) for c in cmd)} exited with {proc.returncode}:\n{etext[-2000:]}{text[-1000:]}")
    return text, dt, usage.ru_maxrss / 1024.0  # Linux: KiB


def ours(args, workload, threads):
    cmd = [args.e2e, "bench", workload, "--threads", str(threads), "--json", "--seed", str(args.seed)]
    if workload in ("mlp", "cnn"):
        cmd += ["--epochs", str(args.epochs)]
    elif workload == "lstm":
        cmd += ["--steps", str(args.lstm_steps)]
    elif workload == "tiny":
        cmd += ["--steps", str(args.tiny_steps)]
    text, dt, rss = run_child(cmd)
    lines = [l for l in text.splitlines() if l.strip()]
    try:
        j = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        fail(f"{' '.join(cmd)}: last line is not JSON:\n{text[-1000:]}")
    r = {"peak_rss_mib": rss, "self_reported_rss_mib": j.get("peak_rss_mib"), "wall_s": dt}
    if workload in ("mlp", "cnn"):
        r.update(samples_per_s=j["samples_per_s"], test_acc=j["test_acc"], test_acc_by_epoch=j["test_acc_by_epoch"])
    elif workload == "lstm":
        r.update(tokens_per_s=j["tokens_per_s"], loss=j["loss"])
    elif workload == "tiny":
        r.update(steps_per_s=j["steps_per_s"], us_per_step=j["us_per_step"])
    else:
        r.update({f"gflops_{n}": g for n, g in j["gflops"].items()})
    return r


def results(text):
    return [dict(re.findall(r"(\w+)=(\S+)", l)) for l in text.splitlines() if l.startswith("RESULT")]


def torch(args, workload, threads):
    py, peers = args.python, args.peers
    seed = str(args.seed)
    cmd = {"mlp": [py, os.path.join(peers, "bench_train.py"), "mlp", str(threads), str(args.epochs), seed, "sgd"],
           "cnn": [py, os.path.join(peers, "bench_train.py"), "cnn", str(threads), str(args.epochs), seed, "adam"],
           "lstm": [py, os.path.join(peers, "bench_lstm.py"), str(threads), str(args.lstm_steps), seed],
           "tiny": [py, os.path.join(peers, "bench_tiny.py"), str(threads), str(args.tiny_steps)],
           "gemm": [py, os.path.join(peers, "bench_gemm.py"), "torch", str(threads)]}[workload]
    env = dict(os.environ, PYTHONPATH=peers)  # bench_train imports fmnist from the peers folder
    text, dt, rss = run_child(cmd, env=env)
    rs = results(text)
    if not rs:
        fail(f"{' '.join(cmd)} printed no RESULT line:\n{text[-1000:]}")
    r = {"peak_rss_mib": rss, "wall_s": dt}
    if workload in ("mlp", "cnn"):
        r.update(samples_per_s=float(rs[0]["samples_per_s"]), test_acc=float(rs[-1]["test_acc"]),
                 test_acc_by_epoch=[float(x["test_acc"]) for x in rs])
    elif workload == "lstm":
        r.update(tokens_per_s=float(rs[-1]["tokens_per_s"]), loss=float(rs[-1]["loss"]))
    elif workload == "tiny":
        r.update(steps_per_s=float(rs[-1]["steps_per_s"]), us_per_step=float(rs[-1]["us_per_step"]))
    else:
        r.update({f"gflops_{x['n']}": float(x["median"]) for x in rs})
    return r


def ensure_binary(args):
    if os.path.exists(args.e2e):
        return
    print(f"building {args.e2e} (swift build -c release) ...", flush=True)
    if subprocess.call(["swift", "build", "-c", "release", "--product", "e2e"], cwd=ROOT) != 0 or not os.path.exists(args.e2e):
        fail("swift build -c release failed; see the output above")


def check_setup(args):
    for s in ("bench_train.py", "bench_lstm.py", "bench_tiny.py", "bench_gemm.py", "fmnist.py"):
        if not os.path.exists(os.path.join(args.peers, s)):
            fail(f"peer script {os.path.join(args.peers, s)} not found; pass --peers DIR or set E2E_PEERS")
    if not os.access(args.python, os.X_OK):
        fail(f"{args.python} not found; install PyTorch: python3 -m venv /tmp/torch-venv && "
             "/tmp/torch-venv/bin/pip install torch==2.13.0+cpu numpy threadpoolctl (or pass --python)")
    ensure_binary(args)


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def table(args, runs):
    """Markdown rows: workload, metric, threads, medians, ratio, target, met."""
    rows, verdicts = [], []
    for w, key, unit, higher, target, ttext in METRICS:
        if w not in args.workloads:
            continue
        for t in args.threads:
            a = [r[key] for r in runs[("ours", w, t)] if key in r]
            b = [r[key] for r in runs[("torch", w, t)] if key in r]
            if not a or not b:
                continue
            ma, mb = statistics.median(a), statistics.median(b)
            ratio = ma / mb if mb else float("nan")
            met = ""
            if target is not None:
                ok = ratio >= target if higher else ratio <= target
                met = "yes" if ok else "**no**"
                verdicts.append((w, unit, t, ratio, ttext, ok))
            elif w == "cnn" and key == "test_acc":
                met = "yes" if ma >= 0.85 else "**no**"
            rows.append(f"| {w} | {unit} | {t} | {fmt(ma)} | {fmt(mb)} | {ratio:.2f} | {ttext} | {met} |")
    head = ["| workload | metric | threads | EndToEnd | PyTorch | ratio | target | met |",
            "|---|---|---|---|---|---|---|---|"]
    return head + rows, verdicts


def accuracy_check(args, log):
    out = {}
    for name, fn in (("ours", ours), ("torch", torch)):
        saved = args.epochs
        args.epochs = 5
        r = fn(args, "mlp", 1)
        args.epochs = saved
        out[name] = r["test_acc_by_epoch"]
        log(f"accuracy {name}: mlp 5 epochs test_acc by epoch {r['test_acc_by_epoch']}")
    return out


def write_doc(path, block):
    if os.path.exists(path):
        text = open(path).read()
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = "# Performance: EndToEnd vs PyTorch\n\n" + block + "\n"
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".performance.", suffix=".md")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    args = parse_args()
    check_setup(args)
    log = lambda s: print(s, flush=True)
    load0 = os.getloadavg()[0]
    start = datetime.datetime.now(datetime.timezone.utc)
    runs = {(fw, w, t): [] for fw in ("ours", "torch") for w in args.workloads for t in args.threads}
    t_start = time.perf_counter()
    for t in args.threads:
        for rep in range(args.reps):
            for w in args.workloads:
                # Alternate who goes first so slow drifts in machine load hit both alike.
                order = [("ours", ours), ("torch", torch)]
                if rep % 2 == 1:
                    order.reverse()
                for fw, fn in order:
                    r = fn(args, w, t)
                    runs[(fw, w, t)].append(r)
                    shown = {k: v for k, v in r.items() if k not in ("test_acc_by_epoch",)}
                    log(f"threads={t} rep={rep + 1}/{args.reps} {w:5s} {fw:5s} " +
                        " ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in shown.items()))
    acc = accuracy_check(args, log) if args.accuracy else None
    minutes = (time.perf_counter() - t_start) / 60
    lines, verdicts = table(args, runs)
    load1 = os.getloadavg()[0]
    torch_version = subprocess.run([args.python, "-c", "import torch; print(torch.__version__)"],
                                   capture_output=True, text=True).stdout.strip() or "unknown"
    info = (f"Measured {start:%Y-%m-%d %H:%M} UTC on {cpu_name()}, {os.cpu_count()} logical CPUs; "
            f"PyTorch {torch_version}; median of {args.reps} alternating runs per cell; "
            f"{args.epochs} epoch(s) per mlp/cnn run, lstm {args.lstm_steps} steps, tiny {args.tiny_steps} steps; "
            f"load average {load0:.2f} before, {load1:.2f} after; {minutes:.1f} min in all.")
    block = [BEGIN, "", info, ""] + lines + [""]
    met = [v for v in verdicts if v[5]]
    missed = [v for v in verdicts if not v[5]]
    block.append("Targets met: " + (", ".join(f"{w} {u} ({t} thr, {r:.2f}x)" for w, u, t, r, _, _ in met) or "none") + ".")
    block.append("")
    block.append("Targets not met: " + (", ".join(f"{w} {u} ({t} thr, {r:.2f}x, target {tt})" for w, u, t, r, tt, _ in missed) or "none") + ".")
    if acc:
        block += ["", f"MLP test accuracy after 1..5 epochs (1 thread, seed {args.seed}): "
                  f"EndToEnd {', '.join(f'{x:.4f}' for x in acc['ours'])}; PyTorch {', '.join(f'{x:.4f}' for x in acc['torch'])} "
                  f"(target after 5 epochs >= 0.865: {'met' if acc['ours'][-1] >= 0.865 else 'not met'})."]
    shown_args, skip = [], False
    for a in sys.argv[1:]:  # the --raw output path is local to one machine
        if skip or a == "--raw" or a.startswith("--raw="):
            skip = a == "--raw"
            continue
        shown_args.append(a)
    cmdline = "python3 scripts/side_by_side.py " + " ".join(shlex.quote(a) for a in shown_args)
    block += ["", f"Produced by `{cmdline.strip()}`.", "", END]
    text = "\n".join(block)
    print()
    print("\n".join(lines))
    print()
    print("\n".join(block[len(lines) + 4:-1]))
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({f"{fw}/{w}/{t}": v for (fw, w, t), v in runs.items()} | ({"accuracy": acc} if acc else {}), f, indent=1)
    if not args.no_write:
        write_doc(args.out, text)
        print(f"wrote {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
