"""Answer fixtures for unit 06's exercises (MNIST with a plain MLP).

What each name means, and how the fixtures are used: ``tests/units/answers/__init__.py``.

Every run of the notebook trains the network of Exercise 4 on 50,000 images (the
solution: about 5 s on one core), whatever answer it replaces. So the fixtures are few:
two or three wrong answers per part (the hidden tests check more: the same seed, rows
keeping their labels, mlpkit's own loops switched off), one alternative for the three
cheap parts together, one for ``train``, and the wrong ``train`` trains nothing.

``test_train_mnist`` is scored by the grader outside the notebook (a host check on the
recorded test predictions): in-process it only records, so it is a property cell, and
``tests/units/test_unit06_exercises.py`` shows the host check refusing a network that has
not learnt.

The wrong answers, by exercise:

stratified_split(x, y, per_class, rng)
    sp_first_per_class           the first per_class examples of each class: the same split for every seed
    sp_not_stratified            C * per_class examples at random, whatever their class
    sp_validation_left_in_train  the validation examples also stay in the training part (a leak)
batched_accuracy(model, x, y, batch_size=1000)
    ba_mean_of_batch_means       the mean of the batches' accuracies: the smaller last batch weighs more
    ba_whole_set_at_once         one forward pass over all of x
confusion_matrix(y_true, y_pred, num_classes=10)
    cm_transposed                rows are the predictions, columns the true classes
    cm_fancy_index_no_accumulate cm[y_true, y_pred] += 1: a repeated pair counted once
    cm_uses_plot_helper          the counts read back from mlpkit.plot.confusion_matrix's figure
train(X, y, *, rng=0)
    tr_untrained                 the network is built but never trained
"""
from __future__ import annotations

from harness import WrongAnswer, varied
from harness import function_source as _f

UNIT = "06_mnist"

# The graded cells that call each answer: a wrong answer may fail these cells and no others.
CELLS_USING = {
    "stratified_split": {"test_stratified_split"},
    "batched_accuracy": {"test_batched_accuracy"},
    "confusion_matrix": {"test_confusion_matrix"},
    "train": {"test_train", "test_train_mnist"},
}
# The points of each graded test cell (the notebook's nbgrader metadata must agree).
POINTS = {"test_stratified_split": 2, "test_batched_accuracy": 2, "test_confusion_matrix": 2,
          "test_train": 1, "test_train_mnist": 3}
# Scored by the grader's host check (the test labels never enter the notebook).
PROPERTY_CELLS = {"test_train_mnist"}

_SP = "stratified_split(x, y, per_class, rng)"
_BA = "batched_accuracy(model, x, y, batch_size=1000)"
_CM = "confusion_matrix(y_true, y_pred, num_classes=10)"
_TR = "train(X, y, *, rng=0)"


# a correct split, varied below one mistake at a time
_SP_BODY = ["rng = np.random.default_rng(rng)",
            "val = []",
            "for c in np.unique(y):",
            "    rows = np.flatnonzero(y == c)",
            "    val.extend(rng.permutation(rows)[:per_class])",
            "val = np.array(val)",
            "train = np.setdiff1d(np.arange(len(y)), val)",
            "return (x[train], y[train]), (x[val], y[val])"]

_sp = varied(_SP, _SP_BODY)

# a correct mini-batch accuracy, varied below
_BA_BODY = ["correct = 0",
            "for start in range(0, len(x), batch_size):",
            "    scores = model(x[start:start + batch_size])",
            "    correct += np.sum(scores.argmax(axis=1) == y[start:start + batch_size])",
            "return correct / len(x)"]

_ba = varied(_BA, _BA_BODY)

# a correct confusion matrix, varied below
_CM_BODY = ["cm = np.zeros((num_classes, num_classes), dtype=int)",
            "for t, p in zip(y_true, y_pred):",
            "    cm[t, p] += 1",
            "return cm"]

_cm = varied(_CM, _CM_BODY)


# Correct answers written differently from the solution: each must earn full marks. The first
# replaces the three cheap parts at once (each run of the notebook trains a network).
ALTERNATIVES = {
    "loops_permutations_and_bincount": {
        "stratified_split": _f(_SP,
                               "gen = np.random.default_rng(rng)",
                               "order = gen.permutation(len(y))          # shuffle, then take per class",
                               "taken = {c: 0 for c in np.unique(y)}",
                               "is_val = np.zeros(len(y), dtype=bool)",
                               "for i in order:",
                               "    if taken[y[i]] < per_class:",
                               "        taken[y[i]] += 1",
                               "        is_val[i] = True",
                               "return (x[~is_val], y[~is_val]), (x[is_val], y[is_val])"),
        "batched_accuracy": _f(_BA,
                               "hits = []",
                               "for xb, yb in zip(np.array_split(x, range(batch_size, len(x), batch_size)),",
                               "                  np.array_split(y, range(batch_size, len(y), batch_size))):",
                               "    hits.append(np.argmax(model.forward(xb), axis=1) == yb)",
                               "return float(np.concatenate(hits).mean())"),
        "confusion_matrix": _f(_CM,
                               "flat = np.bincount(np.asarray(y_true) * num_classes + np.asarray(y_pred),",
                               "                   minlength=num_classes * num_classes)",
                               "return flat.reshape(num_classes, num_classes)"),
    },
    # a loop of train_step over mlpkit.data.batches: 784-128-10, SGD with Nesterov momentum, the
    # learning rate multiplied by 0.6 after every epoch (97.1% validation, 97.4% test)
    "train_nesterov_own_loop_and_decay": {
        "train": _f(_TR,
                    "gen = np.random.default_rng(rng)",
                    "model = mlpkit.nn.Sequential(mlpkit.nn.Linear(784, 128, init='he_uniform', rng=gen),",
                    "                             mlpkit.nn.ReLU(), mlpkit.nn.Linear(128, 10, rng=gen))",
                    "loss_fn = mlpkit.losses.CrossEntropyLoss()",
                    "optimizer = mlpkit.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)",
                    "for epoch in range(7):",
                    "    for xb, yb in mlpkit.data.batches(X, y, 100, rng=gen):",
                    "        mlpkit.train.train_step(model, loss_fn, optimizer, xb, yb)",
                    "    optimizer.lr *= 0.6",
                    "return model.eval()"),
    },
}


WRONG_ANSWERS = [
    # ----------------------------------------------------------------- stratified_split
    WrongAnswer("sp_first_per_class", "stratified_split",
                _sp(("    val.extend(rng.permutation(rows)[:per_class])", "    val.extend(rows[:per_class])")),
                "test_stratified_split", "not the first per_class of each class"),
    WrongAnswer("sp_not_stratified", "stratified_split",
                _sp(("for c in np.unique(y):", None), ("    rows = np.flatnonzero(y == c)", None),
                    ("    val.extend(rng.permutation(rows)[:per_class])",
                     "val.extend(rng.permutation(len(y))[:per_class * len(np.unique(y))])")),
                "test_stratified_split", "per_class examples of every class"),
    WrongAnswer("sp_validation_left_in_train", "stratified_split",
                _sp(("train = np.setdiff1d(np.arange(len(y)), val)", "train = np.arange(len(y))")),
                "test_stratified_split", "exactly one part"),
    # ----------------------------------------------------------------- batched_accuracy
    WrongAnswer("ba_mean_of_batch_means", "batched_accuracy",
                _ba(("correct = 0", "accuracies = []"),
                    ("    correct += np.sum(scores.argmax(axis=1) == y[start:start + batch_size])",
                     "    accuracies.append(np.mean(scores.argmax(axis=1) == y[start:start + batch_size]))"),
                    ("return correct / len(x)", "return np.mean(accuracies)")),
                "test_batched_accuracy", "averaged the accuracies of the batches"),
    WrongAnswer("ba_whole_set_at_once", "batched_accuracy",
                _f(_BA, "return np.mean(model(x).argmax(axis=1) == y)"),
                "test_batched_accuracy", "more than batch_size"),
    # ----------------------------------------------------------------- confusion_matrix
    WrongAnswer("cm_transposed", "confusion_matrix",
                _cm(("    cm[t, p] += 1", "    cm[p, t] += 1")),
                "test_confusion_matrix", "rows and columns are swapped"),
    WrongAnswer("cm_fancy_index_no_accumulate", "confusion_matrix",
                _cm(("for t, p in zip(y_true, y_pred):", None),
                    ("    cm[t, p] += 1", "cm[y_true, y_pred] += 1")),
                "test_confusion_matrix", "does not accumulate repeated indices"),
    WrongAnswer("cm_uses_plot_helper", "confusion_matrix",
                _f(_CM, "ax = mlpkit.plot.confusion_matrix(y_true, y_pred, num_classes)",
                   "return np.asarray(ax.images[0].get_array(), dtype=int)"),
                "test_confusion_matrix", "count the pairs yourself"),
    # ----------------------------------------------------------------- train
    WrongAnswer("tr_untrained", "train",
                _f(_TR, "gen = np.random.default_rng(rng)",
                   "return mlpkit.nn.Sequential(mlpkit.nn.Linear(784, 128, rng=gen), mlpkit.nn.ReLU(),",
                   "                            mlpkit.nn.Linear(128, 10, rng=gen))"),
                "test_train", "not learnt to read digits yet"),
]
