#!/usr/bin/env python3
"""Writes Tests/EndToEndApplicationsTests/Fixtures/driving.json: least-squares polynomial fits
(numpy.polyfit) of noisy marking-like points, which the driving app's Quadratic.fit must match.

Run from the repository root: python3 scripts/make_driving_fixtures.py (needs numpy).
"""
import json
import os

import numpy as np

rng = np.random.default_rng(12)
cases = []
for name, n, degree, coeffs, noise in [
    ("curve", 40, 2, (1.7, 0.05, 0.004), 0.05),   # a left marking on a gentle left curve
    ("line", 25, 1, (-1.9, -0.1, 0.0), 0.08),      # a right marking, car turned
    ("few", 3, 2, (0.3, 0.2, -0.01), 0.0),         # exactly determined
    ("far", 60, 2, (-0.5, 0.02, -0.006), 0.2),     # points 3-25 m ahead, large noise
]:
    x = np.sort(rng.uniform(3.0, 25.0, size=n))
    a, b, c = coeffs
    y = a + b * x + c * x * x + noise * rng.standard_normal(n)
    p = np.polyfit(x, y, degree)[::-1]  # increasing powers
    p = list(p) + [0.0] * (3 - len(p))
    cases.append({"name": name, "degree": degree, "x": x.tolist(), "y": y.tolist(), "coefficients": [float(v) for v in p]})

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndApplicationsTests", "Fixtures", "driving.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/make_driving_fixtures.py", "numpy": np.__version__, "quadratic_fits": cases}, f, indent=1)
print("wrote", os.path.normpath(out))
