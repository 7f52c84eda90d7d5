"""Writes scikit-learn reference values for PrecisionRecall (Sources/EndToEndTraining/Metrics):
average precision, the precision-recall curve, recall at fixed false-positive rates and
precision/recall at a threshold, on imbalanced float32 scores with and without ties.

Output: Tests/EndToEndTrainingTests/Fixtures/precision_recall.json
Usage: /usr/bin/python3 scripts/make_precision_recall_fixtures.py   (Debian python3-sklearn)"""
import json, os
import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve, precision_score, recall_score

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "Tests/EndToEndTrainingTests/Fixtures/precision_recall.json")

rng = np.random.RandomState(2026)
cases = []
# (examples, positive rate, separation, ties): fraud-like rates down to 1 %.
for n, rate, shift, ties in [(1200, 0.01, 2.0, False), (400, 0.05, 1.0, True), (150, 0.3, 0.5, False), (60, 0.1, 3.0, True)]:
    y = (rng.rand(n) < rate).astype(int)
    y[0] = 1  # at least one positive
    logit = rng.randn(n) + shift * y
    p = (1 / (1 + np.exp(-logit))).astype(np.float32)
    if ties: p = np.round(p * 10).astype(np.float32) / np.float32(10)
    p64 = p.astype(np.float64)
    prec, rec, thr = precision_recall_curve(y, p64)
    fpr, tpr, _ = roc_curve(y, p64, drop_intermediate=False)
    recall_at = {str(r): float(np.max(tpr[fpr <= r + 1e-12])) for r in [0.001, 0.01, 0.05, 0.2]}
    t = float(np.quantile(p64, 0.9))
    pred = (p64 >= t).astype(int)
    case = {"scores": [float(v) for v in p], "labels": y.tolist(),
                  "average_precision": float(average_precision_score(y, p64)),
                  # sklearn's curve lowest threshold first, without its end point (1, 0)
                  "curve_thresholds": thr.tolist(), "curve_precision": prec[:-1].tolist(), "curve_recall": rec[:-1].tolist(),
                  "recall_at_fpr": recall_at, "threshold": t,
                  "precision_at_threshold": float(precision_score(y, pred, zero_division=0)),
                  "recall_at_threshold": float(recall_score(y, pred))}
    if n > 500:  # keep the fixture small: the long case checks the summaries only
        for k in ["curve_thresholds", "curve_precision", "curve_recall"]: del case[k]
    cases.append(case)

os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out + ".tmp", "w") as f:
    json.dump({"cases": cases}, f, indent=None, sort_keys=True)
    f.write("\n")
os.replace(out + ".tmp", out)
print("wrote", out)
