#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, Fuzz/Corpus/<target>/: small valid files of each format
plus the matching cases of the malformed-input corpus (Tests/EndToEndTrainingTests/Fixtures/
bad-inputs) and the example configurations. Deterministic; standard library only.

    python3 scripts/make_fuzz_seeds.py
"""
import glob, gzip, json, os, shutil, struct, zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "Fuzz", "Corpus")
bad = os.path.join(root, "Tests", "EndToEndTrainingTests", "Fixtures", "bad-inputs")
seeds = {t: {} for t in ["idx", "npy", "csv", "text", "gzip", "inflate", "safetensors", "config", "rdata", "lzma2"]}


def idx(dtype, shape, payload):
    return bytes([0, 0, dtype, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


def npy(descr, shape, payload, fortran=False):
    st = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    h = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {st}, }}"
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + payload


seeds["idx"]["ubyte-images"] = idx(0x08, [2, 3, 3], bytes(range(18)))
seeds["idx"]["float"] = idx(0x0D, [2, 2], struct.pack(">4f", 1, -2, 3.5, 0))
seeds["idx"]["int-labels"] = idx(0x0C, [3], struct.pack(">3i", 0, 9, -1))
seeds["npy"]["f4"] = npy("<f4", [2, 3], struct.pack("<6f", *range(6)))
seeds["npy"]["f8-fortran"] = npy("<f8", [2, 2], struct.pack("<4d", 1, 2, 3, 4), fortran=True)
seeds["npy"]["u1"] = npy("|u1", [4], bytes([0, 1, 254, 255]))
seeds["npy"]["i8-scalar"] = npy("<i8", [], struct.pack("<q", 7))
seeds["csv"]["mixed"] = b'a,b,label\n1,x,0\n2,"y, z",1\n3,x,0\n'
seeds["csv"]["crlf-bom"] = b"\xef\xbb\xbfa;b\r\n1;2\r\n"
seeds["csv"]["quoted-newline"] = b'a,b\n"1\n2",3\n'
seeds["text"]["ascii"] = b"hello world\nthe quick brown fox\n"
seeds["text"]["utf8"] = "naïve café — 日本\n".encode()
seeds["gzip"]["idx"] = gzip.compress(seeds["idx"]["ubyte-images"], mtime=0)
seeds["gzip"]["text"] = gzip.compress(seeds["text"]["ascii"] * 20, mtime=0)
seeds["gzip"]["stored"] = gzip.compress(bytes(range(256)), compresslevel=0, mtime=0)
for name, level in [("fixed", 1), ("dynamic", 9)]:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    seeds["inflate"][name] = c.compress(seeds["text"]["ascii"] * 10) + c.flush()
import lzma
for name, data in [("text", seeds["text"]["ascii"] * 20), ("bytes", bytes(range(256)) * 8)]:
    seeds["lzma2"][name] = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "preset": 6}])
# R serializations made by Rscript (scripts/make_rdata_fixtures.R), without their gzip layer.
for path in sorted(glob.glob(os.path.join(root, "Tests", "EndToEndDataTests", "Fixtures", "RData", "*.rds"))):
    seeds["rdata"][os.path.basename(path)] = gzip.open(path).read()
header = json.dumps({"__metadata__": {"epoch": "1"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "ids": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]}}).encode()
seeds["safetensors"]["small"] = struct.pack("<Q", len(header)) + header + struct.pack("<4f", 1, 2, 3, 4) + struct.pack("<q", 5)
for path in sorted(glob.glob(os.path.join(root, "examples", "*.yaml")) + glob.glob(os.path.join(root, "examples", "*.json"))):
    seeds["config"][os.path.basename(path)] = open(path, "rb").read()
# Malformed cases, by file kind; large ones are left out (libFuzzer's default -max_len is small anyway).
kinds = {".idx": "idx", "-ubyte": "idx", ".npy": "npy", ".csv": "csv", ".gz": "gzip", ".safetensors": "safetensors",
         ".yaml": "config", ".json": "config"}
for path in sorted(glob.glob(os.path.join(bad, "*", "*"))):
    case = os.path.basename(os.path.dirname(path))
    for suffix, kind in kinds.items():
        if path.endswith(suffix) and os.path.isfile(path) and os.path.getsize(path) <= 16384:
            seeds[kind][f"{case}-{os.path.basename(path)}"] = open(path, "rb").read()

shutil.rmtree(out, ignore_errors=True)
for target, files in seeds.items():
    os.makedirs(os.path.join(out, target))
    for name, data in files.items():
        with open(os.path.join(out, target, name), "wb") as f:
            f.write(data)
print({t: len(f) for t, f in seeds.items()})
