#!/usr/bin/env python3
"""Compare the model tensors of two safetensors files byte for byte (metadata, such as wall
times, is ignored). Exit 0 when every model tensor is identical, 1 otherwise.

    python3 scripts/compare_weights.py A.safetensors B.safetensors
"""
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items() if k.startswith("model.")}


a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
if a.keys() != b.keys():
    print("different tensor names:", sorted(a.keys() ^ b.keys()))
    sys.exit(1)
diff = [k for k in sorted(a) if a[k] != b[k]]
print(f"{len(a)} model tensors, {len(diff)} differ" + (": " + ", ".join(diff) if diff else ""))
sys.exit(1 if diff else 0)
