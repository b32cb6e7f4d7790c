"""How fast does mlpkit train MNIST, next to PyTorch, scikit-learn and the matmul floor?

    .venv/bin/python benchmarks/train_mnist.py                      # all frameworks, 5 epochs
    .venv/bin/python benchmarks/train_mnist.py --threads 1 --rounds 3
    .venv/bin/python benchmarks/train_mnist.py --frameworks mlpkit,floor --quick

(`make bench` runs the first.) Results and a profile are in benchmarks/README.md.

The workload (the same for every framework):

* MNIST, the 60,000 training images from ``mlpkit.data.load_mnist()``:
  float32, flattened to 784, scaled to [-1, 1];
* an MLP 784-256-128-10 with ReLU, softmax cross-entropy, He-normal weights
  and zero biases;
* mini-batch SGD, lr 0.05, momentum 0.9, batch size 128, the examples
  reshuffled every epoch from a fixed seed; 5 epochs.

Each framework runs in its own subprocess, one after another, so that the
peak memory of one is not mixed with another's libraries:

``mlpkit``
    Through the public API exactly as a student uses it:
    ``train.fit(model, CrossEntropyLoss(), SGD(..., momentum=0.9), x, y,
    epochs=5, batch_size=128, rng=seed, progress=False)``; the epoch times
    are ``history.time`` (no validation data is passed, so that is the
    training loop alone).
``loop``
    The loop a student writes over the public API (lecture 06), without ``fit``:
    ``for xb, yb in data.batches(x, y, 128, rng=rng)``: ``zero_grad``, forward,
    loss, ``backward(..., input_grad=False)``, ``step``. It must be as fast as
    ``fit``: any gap is overhead that ``fit`` adds.
``torch``
    A plain PyTorch loop: ``nn.Sequential`` + ``optim.SGD(momentum=0.9)`` +
    ``F.cross_entropy`` on tensors in memory, starting from mlpkit's initial
    weights and visiting the same mini-batches (the permutations are drawn
    from ``np.random.default_rng(seed)`` in the order ``fit`` draws them).
    PyTorch's momentum buffer is u = -v / lr; with a constant lr the iterates
    are the same.
``sklearn``
    ``MLPClassifier(solver="sgd", momentum=0.9, nesterovs_momentum=False,
    learning_rate_init=0.05, batch_size=128, alpha=0, shuffle=True)`` on the
    float32 data (scikit-learn keeps float32), one ``partial_fit`` call per
    epoch (each is one pass over the data). It cannot start from given
    weights (it uses Glorot-uniform) nor take our permutations.
``floor``
    The matrix products alone: the eight products of one training step
    (forward x W1^T, a1 W2^T, a2 W3^T; backward dW3, dx2, dW2, dx1, dW1),
    timed with NumPy float32 on the same shapes into preallocated outputs,
    times the number of steps in an epoch. No NumPy MLP can beat it.

Reported: the median time of epochs 2..E (the first pays for warm-up), the
ratios to PyTorch and to the floor, epoch 5 against epoch 2 (does training
slow down as it goes on?), the test accuracy, and memory: the
resident set size (RSS) after loading the data and its peak during training
(the peak is reset after loading, via /proc/self/clear_refs, where Linux
allows it), and for mlpkit the bytes ``fit`` allocates above the data,
measured with ``tracemalloc`` (which sees NumPy's array allocations) in a
separate one-epoch run, so that tracing does not slow the timed one.

All numeric libraries get the same number of threads (``--threads``, default
the cores this process may use). The load average is printed before and
after each run: on a shared machine the timings are only as good as it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HELP = "time MNIST training: mlpkit vs PyTorch, scikit-learn and the matrix-multiply floor"

# The workload (see the module docstring).
LAYERS = (784, 256, 128, 10)
LR = 0.05
MOMENTUM = 0.9
BATCH_SIZE = 128
EPOCHS = 5
SEED = 0
QUICK_N = 10_000        # --quick: this many training images, 2 epochs

FRAMEWORKS = ("mlpkit", "loop", "torch", "sklearn", "floor")
LABELS = {"mlpkit": "mlpkit (fit)", "loop": "mlpkit (loop)", "torch": "PyTorch",
          "sklearn": "scikit-learn", "floor": "matmul floor"}
# NumPy's BLAS reads its thread count from the environment, before it is loaded.
# PyTorch gets torch.set_num_threads, its documented switch; OMP_NUM_THREADS is
# left as the user has it.
_BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _frameworks(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in FRAMEWORKS]
    if bad or not names:
        raise ValueError(f"--frameworks must be a comma-separated list of {', '.join(FRAMEWORKS)}, "
                         f"got {text!r}")
    return names


def add_arguments(parser):
    parser.add_argument("--epochs", type=int, default=EPOCHS,
                        help=f"epochs per framework, at least 2 (default {EPOCHS}); the median "
                             "of epochs 2..E is reported")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                        help="comma-separated, run in this order (default: "
                             f"{','.join(FRAMEWORKS)}); missing optional libraries are skipped")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for BLAS and PyTorch (default: the cores available, "
                             f"{_cores()} here)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole sequence this many times and pool the epochs "
                             "(evens out a machine whose load changes; default 1)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke test: the first {QUICK_N:,} training images, 2 epochs")
    parser.add_argument("--no-memory", dest="memory", action="store_false",
                        help="skip mlpkit's extra traced (tracemalloc) epoch")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed (default {SEED})")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="also write the raw results (every epoch time) to PATH")
    # Internal: run one framework in this process and write its result as JSON.
    parser.add_argument("--worker", choices=FRAMEWORKS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", default=None, help=argparse.SUPPRESS)


# ====================================================================== measurement helpers

def _status_mb(field: str):
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MB, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start a new peak-RSS (VmHWM) measurement; False where the OS does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    peak = _status_mb("VmHWM")
    if peak is None:
        import resource
        scale = 1 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB on Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6
    return peak


def _load(cfg):
    """The workload's data: ((x, y), (x_test, y_test)) from mlpkit.data.load_mnist()."""
    from mlpkit.data import load_mnist
    (x, y), (x_test, y_test) = load_mnist()
    if cfg["quick"]:
        x, y = x[:QUICK_N], y[:QUICK_N]
    return (x, y), (x_test, y_test)


def _mlpkit_model(seed):
    """The benchmark's MLP in mlpkit, He-normal weights (one seed per layer), zero biases."""
    from mlpkit import nn
    d, h1, h2, c = LAYERS
    return nn.Sequential(
        nn.Linear(d, h1, init="he_normal", rng=seed), nn.ReLU(),
        nn.Linear(h1, h2, init="he_normal", rng=seed + 1), nn.ReLU(),
        nn.Linear(h2, c, init="he_normal", rng=seed + 2))


def _memory_fields(result, rss_data, peak_reset):
    result["rss_data_mb"] = rss_data
    result["peak_rss_mb"] = _peak_rss_mb()
    # With the reset, the peak covers training only; without it, the whole process.
    result["peak_rss_scope"] = "training" if peak_reset else "process"


# ====================================================================== the workers

def _worker_mlpkit(cfg) -> dict:
    from mlpkit import losses, optim, train

    (x, y), (x_test, y_test) = _load(cfg)
    rss_data = _status_mb("VmRSS")

    def fresh():
        model = _mlpkit_model(cfg["seed"])
        return model, optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    model, opt = fresh()
    loss_fn = losses.CrossEntropyLoss()
    peak_reset = _reset_peak_rss()
    cpu = time.process_time()
    history = train.fit(model, loss_fn, opt, x, y, epochs=cfg["epochs"], batch_size=BATCH_SIZE,
                        rng=cfg["seed"], progress=False)
    cpu = time.process_time() - cpu            # includes fit's one-time input checks
    result = {"epoch_times": list(history.time), "train_loss": list(history.loss),
              "cpu_per_epoch": cpu / cfg["epochs"]}
    _memory_fields(result, rss_data, peak_reset)
    result["test_accuracy"] = train.evaluate(model, loss_fn, x_test, y_test)["accuracy"]
    result["data_mb"] = (x.nbytes + y.nbytes) / 1e6
    result["version"] = _version("mlp-course")
    result["how"] = "train.fit(progress=False)"

    if cfg["memory"]:
        import tracemalloc
        model, opt = fresh()                    # created before tracing: not counted
        tracemalloc.start()
        tracemalloc.reset_peak()
        train.fit(model, loss_fn, opt, x, y, epochs=1, batch_size=BATCH_SIZE, rng=cfg["seed"],
                  progress=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["traced_fit_peak_mb"] = peak / 1e6
    return result


def _worker_loop(cfg) -> dict:
    """The loop a student writes in lecture 06, over mlpkit's public API (no fit)."""
    import numpy as np

    from mlpkit import data, losses, optim

    (x, y), (x_test, y_test) = _load(cfg)
    rss_data = _status_mb("VmRSS")
    model = _mlpkit_model(cfg["seed"])
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = losses.CrossEntropyLoss()
    rng = np.random.default_rng(cfg["seed"])     # a new order every epoch
    peak_reset = _reset_peak_rss()
    times, losses_ = [], []
    cpu = time.process_time()
    model.train()
    for _ in range(cfg["epochs"]):
        t0 = time.perf_counter()
        total = 0.0
        for xb, yb in data.batches(x, y, BATCH_SIZE, rng=rng):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            model.backward(loss_fn.backward(), input_grad=False)   # the data need no dL/dx
            opt.step()
            total += loss * len(xb)
        times.append(time.perf_counter() - t0)
        losses_.append(total / len(x))
    cpu = time.process_time() - cpu
    result = {"epoch_times": times, "train_loss": losses_, "cpu_per_epoch": cpu / cfg["epochs"]}
    _memory_fields(result, rss_data, peak_reset)
    model.eval()
    result["test_accuracy"] = float(np.mean(model(x_test).argmax(axis=1) == y_test))
    result["version"] = _version("mlp-course")
    result["how"] = "data.batches + zero_grad/forward/loss/backward/step"
    return result


def _worker_torch(cfg) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"skipped": f"PyTorch is not installed ({exc.msg})"}
    import numpy as np
    import torch.nn.functional as TF

    torch.set_num_threads(cfg["threads"])
    (x, y), (x_test, y_test) = _load(cfg)
    rss_data = _status_mb("VmRSS")
    d, h1, h2, c = LAYERS
    model = torch.nn.Sequential(torch.nn.Linear(d, h1), torch.nn.ReLU(),
                                torch.nn.Linear(h1, h2), torch.nn.ReLU(),
                                torch.nn.Linear(h2, c))
    with torch.no_grad():                      # the very same initial weights as mlpkit's
        start = [m for m in _mlpkit_model(cfg["seed"]) if hasattr(m, "weight")]
        tlayers = [m for m in model if isinstance(m, torch.nn.Linear)]
        for t_layer, m_layer in zip(tlayers, start):
            t_layer.weight.copy_(torch.from_numpy(m_layer.weight.data))
            t_layer.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)   # shares memory with the NumPy arrays
    n = X.shape[0]
    rng = np.random.default_rng(cfg["seed"])    # the permutations fit draws from rng=seed
    peak_reset = _reset_peak_rss()
    times, losses_ = [], []
    cpu = time.process_time()
    for _ in range(cfg["epochs"]):
        t0 = time.perf_counter()
        perm = torch.from_numpy(rng.permutation(n))
        total = 0.0
        for s in range(0, n, BATCH_SIZE):
            idx = perm[s:s + BATCH_SIZE]
            xb, yb = X[idx], Y[idx]
            opt.zero_grad()
            loss = TF.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
        times.append(time.perf_counter() - t0)
        losses_.append(total / n)
    cpu = time.process_time() - cpu
    result = {"epoch_times": times, "train_loss": losses_, "cpu_per_epoch": cpu / cfg["epochs"]}
    _memory_fields(result, rss_data, peak_reset)
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test)).argmax(dim=1).numpy()
    result["test_accuracy"] = float(np.mean(pred == y_test))
    result["version"] = torch.__version__
    result["how"] = "nn.Sequential + optim.SGD + F.cross_entropy"
    return result


def _worker_sklearn(cfg) -> dict:
    try:
        import sklearn
        from sklearn.neural_network import MLPClassifier
    except ImportError as exc:
        return {"skipped": f"scikit-learn is not installed ({exc.msg})"}
    import warnings

    import numpy as np

    (x, y), (x_test, y_test) = _load(cfg)
    rss_data = _status_mb("VmRSS")
    clf = MLPClassifier(hidden_layer_sizes=LAYERS[1:-1], activation="relu", solver="sgd",
                        alpha=0.0, batch_size=BATCH_SIZE, learning_rate="constant",
                        learning_rate_init=LR, momentum=MOMENTUM, nesterovs_momentum=False,
                        shuffle=True, random_state=cfg["seed"], early_stopping=False,
                        tol=0.0, n_iter_no_change=cfg["epochs"] + 1, max_iter=cfg["epochs"])
    classes = np.unique(y)
    peak_reset = _reset_peak_rss()
    times, losses_ = [], []
    cpu = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(cfg["epochs"]):
            t0 = time.perf_counter()
            clf.partial_fit(x, y, classes=classes)     # one pass over the data (one epoch)
            times.append(time.perf_counter() - t0)
            losses_.append(float(clf.loss_))
    cpu = time.process_time() - cpu
    result = {"epoch_times": times, "train_loss": losses_, "cpu_per_epoch": cpu / cfg["epochs"]}
    _memory_fields(result, rss_data, peak_reset)
    result["test_accuracy"] = float(clf.score(x_test, y_test))
    result["dtype"] = str(clf.coefs_[0].dtype)
    result["version"] = sklearn.__version__
    result["how"] = "MLPClassifier.partial_fit, one call per epoch"
    return result


def _matmul_step(B, rng, np):
    """A function running the eight matrix products of one training step of batch size B."""
    d, h1, h2, c = LAYERS

    def r(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    x, a1, a2 = r(B, d), r(B, h1), r(B, h2)                   # layer inputs
    W1, W2, W3 = r(h1, d), r(h2, h1), r(c, h2)                # weights (out, in)
    d1, d2, d3 = r(B, h1), r(B, h2), r(B, c)                  # deltas dL/dz
    z1, z2, z3 = np.empty((B, h1), np.float32), np.empty((B, h2), np.float32), \
        np.empty((B, c), np.float32)
    dW1, dW2, dW3 = np.empty_like(W1), np.empty_like(W2), np.empty_like(W3)
    dx2, dx3 = np.empty((B, h1), np.float32), np.empty((B, h2), np.float32)
    mm = np.matmul

    def step():
        mm(x, W1.T, out=z1)        # forward:  z = x W^T
        mm(a1, W2.T, out=z2)
        mm(a2, W3.T, out=z3)
        mm(d3.T, a2, out=dW3)      # backward: dW = delta^T x
        mm(d3, W3, out=dx3)        #           dx = delta W
        mm(d2.T, a1, out=dW2)
        mm(d2, W2, out=dx2)
        mm(d1.T, x, out=dW1)       # (no dx for the first layer: the data needs none)
    return step


def _worker_floor(cfg) -> dict:
    import numpy as np
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(sorted({f"{i.get('internal_api')} {i.get('version')} "
                                 f"({i.get('num_threads')} threads)" for i in threadpool_info()
                                 if i.get("user_api") == "blas"}))
    except ImportError:
        blas = "?"
    n = QUICK_N if cfg["quick"] else 60_000
    rng = np.random.default_rng(cfg["seed"])
    full, rest = divmod(n, BATCH_SIZE)
    sizes = {BATCH_SIZE: full, rest: 1} if rest else {BATCH_SIZE: full}
    steps = {B: _matmul_step(B, rng, np) for B in sizes}
    # One "epoch" of products per repeat, as many repeats as epochs: the same
    # statistics as the frameworks' (median of repeats 2..E).
    times = []
    cpu = time.process_time()
    for _ in range(cfg["epochs"]):
        t0 = time.perf_counter()
        for B, count in sizes.items():
            step = steps[B]
            for _ in range(count):
                step()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu
    return {"epoch_times": times, "cpu_per_epoch": cpu / cfg["epochs"],
            "version": f"NumPy {np.__version__}, {blas}",
            "how": "8 np.matmul per step into preallocated outputs",
            "steps_per_epoch": full + (1 if rest else 0)}


WORKERS = {"mlpkit": _worker_mlpkit, "loop": _worker_loop, "torch": _worker_torch, "sklearn": _worker_sklearn,
           "floor": _worker_floor}


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # noqa: BLE001 - a missing version is only cosmetic
        return "?"


# ====================================================================== the driver

def _run_worker(name: str, cfg: dict) -> dict:
    """Run one framework in a fresh interpreter with the thread limits set before import."""
    env = dict(os.environ)
    for var in _BLAS_THREAD_VARS:
        env[var] = str(cfg["threads"])
    # The worker must import this very copy of mlpkit. Installed copies are found
    # anyway; a checkout run without installing (benchmarks/train_mnist.py) is not.
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if os.path.basename(package_parent) not in ("site-packages", "dist-packages"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent,
                                                          env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="mlpkit-bench-") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", name,
               "--worker-out", out, "--epochs", str(cfg["epochs"]), "--seed", str(cfg["seed"]),
               "--threads", str(cfg["threads"])]
        if cfg["quick"]:
            cmd.append("--quick")
        if not cfg["memory"]:
            cmd.append("--no-memory")
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not os.path.exists(out):
            return {"skipped": f"the {name} run failed (exit code {proc.returncode}; "
                               "see its error above)", "failed": True}
        with open(out) as f:
            result = json.load(f)
    result["load_before"], result["load_after"] = load_before, os.getloadavg()
    result["wall"] = wall
    return result


def _pool(rounds: list[dict]) -> dict:
    """Merge the results of several rounds of one framework: epochs 2..E of each, pooled."""
    done = [r for r in rounds if "skipped" not in r]
    if not done:
        return rounds[0]
    merged = dict(done[0])
    merged["epoch_times_by_round"] = [r["epoch_times"] for r in done]
    # Epochs 2..E of every round: the first epoch pays for warm-up (page faults,
    # BLAS thread start-up, first-touch of the velocity buffers).
    merged["median"] = statistics.median(t for r in done for t in r["epoch_times"][1:])
    merged["best"] = min(t for r in done for t in r["epoch_times"][1:])
    merged["cpu_per_epoch"] = statistics.mean(r["cpu_per_epoch"] for r in done)
    for key in ("peak_rss_mb", "traced_fit_peak_mb"):
        if key in merged:
            merged[key] = max(r[key] for r in done if key in r)
    merged["load_before"] = done[0]["load_before"]
    merged["load_after"] = done[-1]["load_after"]
    return merged


def _fmt(value, spec, unit=""):
    return "-" if value is None else format(value, spec) + unit


def _report(results: dict, cfg: dict, load_start, load_end) -> str:
    ok = {name: r for name, r in results.items() if "skipped" not in r}
    torch_r, floor_r = ok.get("torch"), ok.get("floor")
    n = QUICK_N if cfg["quick"] else 60_000

    def ratio(r, ref, key):
        return None if ref is None else r[key] / ref[key]

    lines = [
        f"MNIST MLP {'-'.join(map(str, LAYERS))}, ReLU, softmax cross-entropy, He-normal; SGD lr "
        f"{LR}, momentum {MOMENTUM}, batch {BATCH_SIZE}; {n:,} training images, float32; "
        f"{cfg['epochs']} epochs x {cfg['rounds']} round(s); {cfg['threads']} thread(s) on "
        f"{_cores()} core(s)",
        f"load average (1, 5, 15 min): {_loads(load_start)} at the start, "
        f"{_loads(load_end)} at the end",
        "",
        f"{'':15} {'-- median epoch --':^26}  {'--- best epoch ---':^26}",
        f"{'framework':<15} {'s/epoch':>8} {'/torch':>8} {'/floor':>8}  {'s/epoch':>8} "
        f"{'/torch':>8} {'/floor':>8}  {'test acc':>8} {'RSS data':>9} {'peak RSS':>9} "
        f"{'+train':>8}",
    ]
    for name in cfg["frameworks"]:
        r = ok.get(name)
        if r is None:
            continue
        rss, peak = r.get("rss_data_mb"), r.get("peak_rss_mb")
        grow = (peak - rss if rss is not None and peak is not None
                and r.get("peak_rss_scope") == "training" else None)
        acc = r.get("test_accuracy")
        lines.append(
            f"{LABELS[name]:<15} {r['median']:>8.3f} "
            f"{_fmt(ratio(r, torch_r, 'median'), '.2f', 'x'):>8} "
            f"{_fmt(ratio(r, floor_r, 'median'), '.2f', 'x'):>8}  {r['best']:>8.3f} "
            f"{_fmt(ratio(r, torch_r, 'best'), '.2f', 'x'):>8} "
            f"{_fmt(ratio(r, floor_r, 'best'), '.2f', 'x'):>8}  "
            f"{_fmt(None if acc is None else 100 * acc, '.2f', '%'):>8} "
            f"{_fmt(rss, '.0f', ' MB'):>9} {_fmt(peak, '.0f', ' MB'):>9} "
            f"{_fmt(grow, '+.0f', ' MB'):>8}")
    lines += [
        "",
        "s/epoch: wall-clock seconds of one epoch's training loop; median: of epochs 2..E of all "
        "rounds; best: the fastest of them",
        "(the least disturbed by other programs). /torch, /floor: ratios of those times. RSS data: "
        "resident memory after loading",
        "the data; peak RSS: its peak during training (libraries included); +train: the "
        "difference.",
    ]
    for name in cfg["frameworks"]:
        r = ok.get(name)
        if r is None:
            continue
        per_round = r.get("epoch_times_by_round", [r["epoch_times"]])
        times = " | ".join(" ".join(f"{t:.2f}" for t in ts) for ts in per_round)
        lines.append(f"  {LABELS[name]} [{r.get('version', '?')}; {r.get('how', '')}]")
        lines.append(f"      epoch times (s) {times}; CPU {r['cpu_per_epoch']:.2f} s/epoch; "
                     f"load {_loads(r['load_before'])} -> {_loads(r['load_after'])}")
        if "train_loss" in r:
            lines.append("      training loss by epoch "
                         + " ".join(f"{v:.4f}" for v in r["train_loss"]))
    m = ok.get("mlpkit")
    if m and "traced_fit_peak_mb" in m:
        data, extra = m["data_mb"], m["traced_fit_peak_mb"]
        lines += ["", f"mlpkit memory: the training data take {data:.1f} MB (x float32, y int64); "
                      f"fit allocates at most {extra:.1f} MB more",
                  f"(tracemalloc peak over one traced epoch), so training holds "
                  f"{(data + extra) / data:.2f}x the data."]
    targets = []
    for name in ("mlpkit", "loop"):
        r = ok.get(name)
        for ref, label, limit in ((torch_r, "PyTorch", 0.85), (floor_r, "floor", 1.50)):
            if r and ref is not None:
                med, best = r["median"] / ref["median"], r["best"] / ref["best"]
                targets.append(f"  {LABELS[name]:<14} time / {label:<8} <= {limit:.2f}: median "
                               f"{med:.2f} ({'met' if med <= limit else 'NOT met'}), best epochs "
                               f"{best:.2f} ({'met' if best <= limit else 'NOT met'})")
        if r and cfg["epochs"] >= 5:
            # Does training slow down as it goes on? Epoch 5 against epoch 2, per round.
            slow = max(ts[4] / ts[1] for ts in r.get("epoch_times_by_round", [r["epoch_times"]]))
            targets.append(f"  {LABELS[name]:<14} epoch 5 / epoch 2   <= 1.10: worst round "
                           f"{slow:.2f} ({'met' if slow <= 1.10 else 'NOT met'})")
    if m and not cfg["quick"] and cfg["epochs"] == EPOCHS:
        acc = m["test_accuracy"]
        targets.append(f"  test accuracy    >= 96.5%: {100 * acc:.2f}% "
                       f"({'met' if acc >= 0.965 else 'NOT met'})")
    if m and "traced_fit_peak_mb" in m:
        factor = (m["data_mb"] + m["traced_fit_peak_mb"]) / m["data_mb"]
        targets.append(f"  memory           <= 2x the data: {factor:.2f}x "
                       f"({'met' if factor <= 2 else 'NOT met'})")
    if targets:
        lines += ["", "targets:"] + targets
    skipped = [f"{LABELS[name]}: {results[name]['skipped']}" for name in cfg["frameworks"]
               if name not in ok]
    if skipped:
        lines += ["", "skipped: " + "; ".join(skipped)]
    return "\n".join(lines)


def _loads(triple) -> str:
    return "/".join(f"{v:.1f}" for v in triple)


def run(args) -> int:
    if args.worker:
        cfg = {"epochs": args.epochs, "seed": args.seed, "quick": args.quick,
               "memory": args.memory, "threads": args.threads or _cores()}
        result = WORKERS[args.worker](cfg)
        with open(args.worker_out, "w") as f:
            json.dump(result, f)
        return 0

    epochs = 2 if args.quick and args.epochs == EPOCHS else args.epochs
    if epochs < 2:
        raise ValueError(f"--epochs must be >= 2 (epoch 1 is warm-up), got {epochs}")
    if args.rounds < 1:
        raise ValueError(f"--rounds must be >= 1, got {args.rounds}")
    threads = args.threads or _cores()
    if threads < 1:
        raise ValueError(f"--threads must be >= 1, got {threads}")
    cfg = {"epochs": epochs, "seed": args.seed, "quick": args.quick, "memory": args.memory,
           "threads": threads, "rounds": args.rounds, "frameworks": _frameworks(args.frameworks)}

    load_start = os.getloadavg()
    rounds = {name: [] for name in cfg["frameworks"]}
    for k in range(cfg["rounds"]):
        for name in cfg["frameworks"]:
            if rounds[name] and "skipped" in rounds[name][0]:
                continue
            print(f"train_mnist: round {k + 1}/{cfg['rounds']}: {LABELS[name]} ...", flush=True)
            rounds[name].append(_run_worker(name, cfg))
    results = {name: _pool(rs) for name, rs in rounds.items()}
    load_end = os.getloadavg()
    print()
    print(_report(results, cfg, load_start, load_end))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": cfg, "load_start": load_start, "load_end": load_end,
                       "results": results}, f, indent=1)
    failed = any(r.get("failed") for r in results.values())
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
