"""Writes numpy / scikit-learn reference values for the maintenance application's building
blocks to Tests/EndToEndTrainingTests/Fixtures/maintenance.json:

- the PHM 2008 score (numpy, the challenge's formula) and the RMSE
  (sklearn.metrics.mean_squared_error) of random RUL predictions;
- k-means (sklearn.cluster.KMeans, algorithm="lloyd"): one run from given initial centers
  (centers, labels, inertia, iterations) and the best of 10 k-means++ runs (inertia);
- ridge regression (sklearn.linear_model.Ridge) at two penalties and without one.

Usage: /usr/bin/python3 scripts/make_maintenance_fixtures.py   (Debian python3-sklearn)"""
import json, os
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
path = os.path.join(root, "Tests/EndToEndTrainingTests/Fixtures/maintenance.json")
rng = np.random.RandomState(2008)
out = {"generator": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}"}


def phm08(pred, true):
    d = pred - true
    return float(np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))


true = rng.uniform(1, 150, size=40).round()
pred = true + rng.normal(0, 20, size=40)
out["phm08"] = {"predicted": pred.tolist(), "actual": true.tolist(), "score": phm08(pred, true),
                "rmse": float(np.sqrt(mean_squared_error(true, pred)))}

# Six operating-condition-like blobs in 3-D (altitude, Mach, throttle scaled), uneven spreads.
centers = np.array([[0, 0, 100], [10, 0.25, 100], [20, 0.7, 100], [25, 0.62, 60], [35, 0.84, 100], [42, 0.84, 100]], float)
x = np.concatenate([c + rng.normal(0, [0.3, 0.01, 0.5], size=(60 + 10 * i, 3)) for i, c in enumerate(centers)])
x = x[rng.permutation(len(x))]
init = x[[0, 1, 2, 3, 4, 5]]
km = KMeans(n_clusters=6, init=init, n_init=1, max_iter=300, tol=1e-4, algorithm="lloyd").fit(x)
best = KMeans(n_clusters=6, init="k-means++", n_init=10, random_state=0, algorithm="lloyd").fit(x)
out["kmeans"] = {"x": x.tolist(), "init": init.tolist(), "centers": km.cluster_centers_.tolist(),
                 "labels": km.labels_.tolist(), "inertia": float(km.inertia_), "iterations": int(km.n_iter_),
                 "best_inertia": float(best.inertia_), "best_centers": best.cluster_centers_.tolist(),
                 "test": (centers + 0.1).tolist(), "test_labels": km.predict(centers + 0.1).tolist()}

# A regression with correlated features and noise.
n, d = 80, 6
xr = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d) * 3
w = rng.normal(size=d)
yr = xr @ w + 4.0 + rng.normal(0, 0.5, size=n)
xt = rng.normal(size=(10, d)) * 2
ridge = {"x": xr.tolist(), "y": yr.tolist(), "test": xt.tolist(), "fits": []}
for alpha in [0.0, 0.7, 25.0]:
    m = Ridge(alpha=alpha, fit_intercept=True, solver="cholesky").fit(xr, yr)
    ridge["fits"].append({"alpha": alpha, "coef": m.coef_.tolist(), "intercept": float(m.intercept_),
                          "prediction": m.predict(xt).tolist()})
out["ridge"] = ridge

tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
os.replace(tmp, path)
print("wrote", path)
