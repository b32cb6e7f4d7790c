"""Is a hand-written loop of ``train_step`` as fast as ``fit``? Ratios, epoch by epoch.

    .venv/bin/python benchmarks/train_loop_vs_fit.py                 # 6 epochs each
    .venv/bin/python benchmarks/train_loop_vs_fit.py --epochs 8 --threads 1

The workload of ``train_mnist.py`` (imported from it): the 60,000 MNIST
training images from ``mlpkit.data.load_mnist()``, an MLP 784-256-128-10 with
ReLU and He-normal weights, SGD with lr 0.05 and momentum 0.9, batch size 128.
Two copies of the model start from the same weights and train side by side in
this process, their epochs alternating (the order swaps every epoch, so that
neither always runs on a warmer or a quieter machine):

``fit``
    ``train.fit(model, loss_fn, opt, x, y, epochs=1, batch_size=128, rng=gen,
    progress=False)``, one call per epoch: the wall time of the whole call
    (with its one-time input checks) and ``history.time`` (the epoch alone).
``loop``
    The loop of lecture 06 over the public API::

        for x_b, y_b in data.batches(x, y, 128, rng=gen):
            train.train_step(model, loss_fn, opt, x_b, y_b)

Both draw their permutations from generators seeded alike, so they run the
same computation; the script checks that the weights end up identical.
Reported: for each epoch the ratios fit/loop (wall clock, and CPU time of this
process), then their medians over epochs 2..E (epoch 1 warms up), and the
ratio of the best (least disturbed) epochs of each. A ratio of
1.00 means fit costs nothing beyond train_step; fit also counts the accuracy
and records the history.

Epoch times wander on a busy machine, so the script also measures fit's own
work per step directly: fit and the same loop around a model, a loss and an
optimizer that do nothing (the model returns fixed (B, 10) logits), so that
only the bookkeeping is left (``data.batches``, the step's calls, and for fit
the accuracy count, the history and the divergence watch). That difference,
CPU time per step, is reported as a fraction of a real training step.
Absolute times are not printed: on a shared machine only ratios measured side
by side mean something.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from train_mnist import _BLAS_THREAD_VARS, BATCH_SIZE, LR, MOMENTUM, SEED, _mlpkit_model


def _timed(run):
    """(wall seconds, CPU seconds of this process) of ``run()``, and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _bookkeeping_per_step(steps: int = 2000, rounds: int = 5):
    """CPU seconds per step that fit spends beyond a loop of train_step, and that the
    loop itself spends, both around a model, loss and optimizer that do nothing."""
    import numpy as np

    from mlpkit import data, losses, nn, train

    class Still(nn.Module):
        def __init__(self):
            super().__init__()
            self.z = np.random.default_rng(0).standard_normal((BATCH_SIZE, 10)).astype(np.float32)

        def forward(self, x):
            return self.z[:len(x)]

        def backward(self, grad_out):
            return None

    class NoLoss:
        predict = staticmethod(losses.CrossEntropyLoss().predict)

        def __call__(self, y_hat, y):
            return 0.5

        def backward(self):
            return None

    class NoStep:
        def zero_grad(self):
            pass

        def step(self):
            pass

    x = np.zeros((BATCH_SIZE * steps, 4), dtype=np.float32)
    y = np.arange(len(x)) % 10
    model, loss_fn, opt = Still(), NoLoss(), NoStep()

    def fit_epoch():
        train.fit(model, loss_fn, opt, x, y, epochs=1, batch_size=BATCH_SIZE, rng=0,
                  progress=False)

    def loop_epoch():
        for x_b, y_b in data.batches(x, y, BATCH_SIZE, rng=0):
            train.train_step(model, loss_fn, opt, x_b, y_b)

    fit_cpu = min(_timed(fit_epoch)[1] for _ in range(rounds))
    loop_cpu = min(_timed(loop_epoch)[1] for _ in range(rounds))
    return (fit_cpu - loop_cpu) / steps, loop_cpu / steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs of each (default 6, >= 2)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: as the environment says)")
    parser.add_argument("--examples", type=int, default=None,
                        help="use only the first N training images (a quick smoke run)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error(f"--epochs must be >= 2, got {args.epochs}")
    if args.threads is not None:               # read by BLAS when NumPy loads it
        for var in _BLAS_THREAD_VARS:
            os.environ[var] = str(args.threads)

    import numpy as np

    from mlpkit import data, losses, optim, train

    (x, y), _ = data.load_mnist()
    if args.examples is not None:
        x, y = x[:args.examples], y[:args.examples]
    loss_fn = losses.CrossEntropyLoss()
    models = {name: _mlpkit_model(SEED) for name in ("fit", "loop")}
    opts = {name: optim.SGD(m.parameters(), lr=LR, momentum=MOMENTUM) for name, m in models.items()}
    rngs = {name: np.random.default_rng(SEED) for name in models}

    def fit_epoch():
        history = train.fit(models["fit"], loss_fn, opts["fit"], x, y, epochs=1,
                            batch_size=BATCH_SIZE, rng=rngs["fit"], progress=False)
        return history.time[0]

    def loop_epoch():
        model, opt = models["loop"], opts["loop"]
        model.train()
        for x_b, y_b in data.batches(x, y, BATCH_SIZE, rng=rngs["loop"]):
            train.train_step(model, loss_fn, opt, x_b, y_b)

    print(f"fit vs a loop of train_step, MNIST {x.shape[0]:,} x 784, batch {BATCH_SIZE}; "
          f"load average {os.getloadavg()[0]:.1f}; BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print("epoch   fit/loop wall   fit epoch/loop wall   fit/loop CPU   order")
    rows, best, loop_cpus = [], {"fit": [], "loop": []}, []
    for epoch in range(1, args.epochs + 1):
        order = ("fit", "loop") if epoch % 2 else ("loop", "fit")
        measured = {}
        for name in order:
            measured[name] = _timed(fit_epoch if name == "fit" else loop_epoch)
        (fit_wall, fit_cpu, fit_time), (loop_wall, loop_cpu, _) = measured["fit"], measured["loop"]
        row = (fit_wall / loop_wall, fit_time / loop_wall, fit_cpu / loop_cpu)
        rows.append(row)
        if epoch > 1:
            best["fit"].append(fit_time)
            best["loop"].append(loop_wall)
            loop_cpus.append(loop_cpu)
        print(f"{epoch:5d}   {row[0]:13.3f}   {row[1]:19.3f}   {row[2]:12.3f}   "
              f"{order[0]} first")
    medians = [statistics.median(column) for column in zip(*rows[1:])]
    print(f"median of epochs 2..{args.epochs}: fit/loop wall {medians[0]:.3f}, "
          f"fit epoch/loop wall {medians[1]:.3f}, fit/loop CPU {medians[2]:.3f}")
    print(f"best epoch of fit / best epoch of the loop (wall): "
          f"{min(best['fit']) / min(best['loop']):.3f}")
    extra, bare = _bookkeeping_per_step()
    step_cpu = statistics.median(loop_cpus) / -(-x.shape[0] // BATCH_SIZE)
    print(f"fit's own work per step (beyond train_step, with a do-nothing model): "
          f"{extra / step_cpu:.2%} of a training step (the loop's own: {bare / step_cpu:.2%})")
    same = all(np.array_equal(a.data, b.data) for a, b in
               zip(models["fit"].parameters(), models["loop"].parameters()))
    print(f"identical weights after {args.epochs} epochs: {'yes' if same else 'NO'}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
