"""Where does a training step of the MNIST MLP spend its time? (the profile in README.md)

Runs the steps ``mlpkit.train.fit`` runs (batch copy, ``zero_grad``, forward
layer by layer, the loss, backward layer by layer, ``step``, the accuracy
count), timing each public call, and times the eight matrix products of a
step alone (the floor of ``benchmarks/train_mnist.py``). CPU time per step, in
microseconds, median over the epochs. Run it single-threaded so that nothing
overlaps and other programs disturb it least:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/profile_fit_step.py [--epochs 3]
"""
from __future__ import annotations

import argparse
import collections
import os
import statistics
import time

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up)")
    args = parser.parse_args(argv)

    from mlpkit import data, losses, optim
    from train_mnist import BATCH_SIZE, LR, MOMENTUM, _matmul_step, _mlpkit_model

    (x, y), _ = data.load_mnist()
    model = _mlpkit_model(0)
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = losses.CrossEntropyLoss()
    layers = list(model)
    names = [f"{i} {type(layer).__name__}" for i, layer in enumerate(layers)]
    rng = np.random.default_rng(0)
    clock = time.process_time
    n = x.shape[0]
    steps = -(-n // BATCH_SIZE)

    def epoch():
        t = collections.Counter()
        perm = rng.permutation(n)
        for start in range(0, n, BATCH_SIZE):
            t0 = clock()
            idx = perm[start:start + BATCH_SIZE]
            xb, yb = np.take(x, idx, axis=0), np.take(y, idx, axis=0)
            t1 = clock()
            t["batch copy"] += t1 - t0
            opt.zero_grad()
            t["zero_grad"] += clock() - t1
            a = xb
            for name, layer in zip(names, layers):
                t0 = clock()
                a = layer.forward(a)
                t[f"forward {name}"] += clock() - t0
            t0 = clock()
            loss_fn.forward(a, yb)
            g = loss_fn.backward()
            t["loss (softmax cross-entropy)"] += clock() - t0
            for i in range(len(layers) - 1, -1, -1):
                t0 = clock()
                if i == 0:
                    layers[0].backward(g, input_grad=False)   # as fit does: no dL/dx
                else:
                    g = layers[i].backward(g)
                t[f"backward {names[i]}"] += clock() - t0
            t0 = clock()
            opt.step()
            t["optimizer.step"] += clock() - t0
            t0 = clock()
            int(np.count_nonzero(a.argmax(axis=1) == yb))
            t["accuracy count"] += clock() - t0
        return t

    epoch()                                   # warm-up
    runs = [epoch() for _ in range(args.epochs)]
    print(f"CPU microseconds per step of {BATCH_SIZE} (median of {args.epochs} epochs); "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    total = 0.0
    for key in runs[0]:
        us = statistics.median(r[key] for r in runs) / steps * 1e6
        total += us
        print(f"  {key:32s} {us:8.1f}")
    print(f"  {'total':32s} {total:8.1f}")

    step = _matmul_step(BATCH_SIZE, np.random.default_rng(0), np)
    for _ in range(20):
        step()
    t0 = clock()
    for _ in range(steps):
        step()
    print(f"  {'the 8 matrix products alone':32s} {(clock() - t0) / steps * 1e6:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
