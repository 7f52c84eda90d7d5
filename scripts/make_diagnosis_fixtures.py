"""Writes scikit-learn / scikit-image reference values for the diagnosis application:

- Tests/EndToEndTrainingTests/Fixtures/classic.json: ROC-AUC, sensitivity at 95 % specificity,
  calibration bins and expected calibration error (sklearn.metrics, sklearn.calibration), and a
  logistic regression (StandardScaler + LogisticRegression) for BinaryDiagnosticMetrics and
  LogisticRegression;
- Tests/EndToEndApplicationsTests/Fixtures/diagnosis.json: Otsu's threshold, connected
  components and region areas / perimeters / centroids (skimage.filters, skimage.measure) of a
  hand-made cell image, for the pipeline's segmentation and feature stages.

Usage: /usr/bin/python3 scripts/make_diagnosis_fixtures.py   (Debian python3-sklearn, python3-skimage)"""
import json, os
import numpy as np
import sklearn
import skimage
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def write(path, obj):
    path = os.path.join(root, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


rng = np.random.RandomState(12)

# --- metrics: float32 probabilities (as the Swift side holds them), some ties -------------
metric_cases = []
for n, shift, ties in [(200, 1.0, False), (57, 0.4, True), (300, 2.5, False)]:
    y = (rng.rand(n) < 0.35).astype(int)
    logit = rng.randn(n) + shift * (2 * y - 1)
    p = (1 / (1 + np.exp(-logit))).astype(np.float32)
    if ties: p = np.round(p * 8).astype(np.float32) / np.float32(8)
    p64 = p.astype(np.float64)
    fpr, tpr, _ = roc_curve(y, p64, drop_intermediate=False)
    sens = float(np.max(tpr[fpr <= 1 - 0.95 + 1e-12]))
    prob_true, prob_pred = calibration_curve(y, p64, n_bins=10, strategy="uniform")
    bins = np.linspace(0, 1, 11)
    ids = np.searchsorted(bins[1:-1], p64, side="right")
    counts = np.bincount(ids, minlength=10)
    nonzero = counts[counts > 0]
    ece = float(np.sum(nonzero / n * np.abs(prob_true - prob_pred)))
    metric_cases.append({"scores": [float(v) for v in p], "labels": y.tolist(), "roc_auc": float(roc_auc_score(y, p64)),
                         "sensitivity_at_95_specificity": sens, "prob_true": prob_true.tolist(),
                         "prob_pred": prob_pred.tolist(), "bin_counts": nonzero.tolist(), "ece": ece})

# --- logistic regression -------------------------------------------------------------------
X = rng.randn(80, 3).astype(np.float32) * np.array([1.0, 3.0, 0.5], dtype=np.float32) + np.array([0.0, 2.0, -1.0], dtype=np.float32)
w = np.array([1.5, -0.6, 2.0])
y = ((X - X.mean(0)) / X.std(0) @ w + 0.8 * rng.randn(80) > 0.2).astype(int)
Xt = rng.randn(20, 3).astype(np.float32) * np.array([1.0, 3.0, 0.5], dtype=np.float32) + np.array([0.0, 2.0, -1.0], dtype=np.float32)
C = 0.5
scaler = StandardScaler().fit(X.astype(np.float64))
lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(scaler.transform(X.astype(np.float64)), y)
proba = lr.predict_proba(scaler.transform(Xt.astype(np.float64)))[:, 1]
logistic = {"x": X.astype(float).tolist(), "y": y.tolist(), "x_test": Xt.astype(float).tolist(), "C": C,
            "probability_test": proba.tolist(), "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}

write("Tests/EndToEndTrainingTests/Fixtures/classic.json",
      {"generator": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", "metrics": metric_cases, "logistic_regression": logistic})

# --- segmentation: a 24x20 hand-made cell image --------------------------------------------
h, w_ = 20, 24
img = np.full((h, w_), 0.85)
img += 0.04 * np.sin(np.arange(w_)[None, :] * 0.9) * np.cos(np.arange(h)[:, None] * 0.7)   # stain texture
yy, xx = np.mgrid[0:h, 0:w_]
img[(yy - 5) ** 2 + (xx - 5) ** 2 <= 9] = 0.25             # a disc, radius 3
img[12:17, 3:9] = 0.30                                     # a 5x6 rectangle
img[4:7, 14:21] = 0.28; img[7:12, 18:21] = 0.28            # an L-shape
img[15, 15] = 0.35; img[16, 16] = 0.35                     # two diagonal pixels: two regions with 4-connectivity
img = img.astype(np.float32).astype(np.float64)
t = float(threshold_otsu(img))
mask = img <= t
lab = label(mask, connectivity=1)
regions = [{"area": int(r.area), "perimeter": float(r.perimeter), "centroid": [float(c) for c in r.centroid]}
           for r in regionprops(lab)]
write("Tests/EndToEndApplicationsTests/Fixtures/diagnosis.json",
      {"generator": f"scikit-image {skimage.__version__}, numpy {np.__version__}", "width": w_, "height": h,
       "pixels": img.ravel().tolist(), "otsu_threshold": t, "labels": lab.ravel().tolist(), "regions": regions})
print("wrote classic.json and diagnosis.json")
