"""Reference values for the recommend application's building blocks, written to
Tests/EndToEndTrainingTests/Fixtures/recommend.json:

- ndcg: scikit-learn's ndcg_score (tie-averaged, ignore_ties=False) on random graded
  relevance and scores with ties, for several k;
- hit: HR@k of a single relevant candidate with ties, by the counting formula
  clip((k - #higher) / #tied, 0, 1) (numpy), independent of the tie-group code under test;
- als: one user half-sweep and one item half-sweep of implicit ALS (Hu, Koren, Volinsky 2008)
  from given factors, solved densely: x_u = (Y^T C_u Y + lambda I)^-1 Y^T C_u p_u with the full
  confidence matrix (no Y^T Y shortcut), by numpy.linalg.solve.

Run: /usr/bin/python3 scripts/make_recommend_fixtures.py (Debian python3-sklearn 1.2.1, or any numpy + scikit-learn)."""
import json, os
import numpy as np
from sklearn.metrics import ndcg_score

rng = np.random.default_rng(13)
out = {"ndcg": [], "hit": [], "als": {}}

for case in range(12):
    n = int(rng.integers(4, 21))
    relevance = rng.integers(0, 4, n).astype(float)
    if case == 0:
        relevance[:] = 0          # no relevant candidate: 0
    scores = np.round(rng.normal(size=n), 1 if case % 2 else 3)   # odd cases have many ties
    if case == 3:
        scores[:] = 0.5           # all tied
    for k in [1, 3, 5, 10, None]:
        v = ndcg_score([relevance], [scores], k=k)
        out["ndcg"].append({"scores": scores.tolist(), "relevance": relevance.tolist(), "k": k, "ndcg": float(v)})

for case in range(20):
    n = int(rng.integers(5, 101))
    scores = np.round(rng.normal(size=n), 1)
    positive = int(rng.integers(0, n))
    for k in [1, 5, 10]:
        higher = int(np.sum(scores > scores[positive]))
        tied = int(np.sum(scores == scores[positive]))
        hit = float(np.clip((k - higher) / tied, 0, 1))
        rel = np.zeros(n); rel[positive] = 1
        out["hit"].append({"scores": scores.tolist(), "positive": positive, "k": k, "hit": hit,
                           "ndcg": float(ndcg_score([rel], [scores], k=k))})

users, items, k, lam, alpha = 5, 7, 3, 0.1, 2.0
R = (rng.random((users, items)) < 0.35).astype(float) * rng.integers(1, 4, (users, items))
X0 = rng.normal(scale=0.5, size=(users, k))
Y0 = rng.normal(scale=0.5, size=(items, k))
P, C = (R > 0).astype(float), 1 + alpha * R

def half(fixed, Pm, Cm):
    rows = []
    for r in range(Pm.shape[0]):
        Cr = np.diag(Cm[r])
        rows.append(np.linalg.solve(fixed.T @ Cr @ fixed + lam * np.eye(k), fixed.T @ Cr @ Pm[r]))
    return np.array(rows)

X1 = half(Y0, P, C)
Y1 = half(X1, P.T, C.T)
entries = [[int(u), int(i), float(R[u, i])] for u in range(users) for i in range(items) if R[u, i] > 0]
out["als"] = {"users": users, "items": items, "factors": k, "regularization": lam, "alpha": alpha, "entries": entries,
              "x0": X0.ravel().tolist(), "y0": Y0.ravel().tolist(), "x1": X1.ravel().tolist(), "y1": Y1.ravel().tolist()}

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndTrainingTests", "Fixtures", "recommend.json")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
os.replace(tmp, path)
print("wrote", os.path.normpath(path))
