#!/usr/bin/env python3
"""Writes the malformed-input corpus of issue 15 ("Bad input") into a folder, one case per
sub-folder: `case.json` ({"command": "train" | "predict" | "checkpoint", "expect": a
substring the error must contain, "input": the file predict reads, "input_format"}; the
case "good" is a valid control), `config.yaml` or
`config.json` (the token @DIR@ stands for the case's folder) and the data files.

    python3 scripts/make_bad_inputs.py Tests/EndToEndTrainingTests/Fixtures/bad-inputs

The committed copy is what BadInputCorpusTests and scripts/bad_input_corpus.sh run over;
rerun this to regenerate it (deterministic). Standard library only.
"""
import gzip, json, os, random, shutil, struct, sys, zlib

out = sys.argv[1]
rng = random.Random(15)
cases = {}

BASE_CSV = "x0,x1,label\n" + "".join(f"{rng.uniform(-1,1):.3f},{rng.uniform(-1,1):.3f},{i % 3}\n" for i in range(30))


def config(data=None, model=None, extra=""):
    data = data or "{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3, features: [2]}"
    model = model or "{layers: [{type: linear, out: 3}]}"
    return f"data: {data}\nmodel: {model}\noptimizer: {{type: sgd, lr: 0.1}}\nepochs: 1\noutput: {{directory: @DIR@/report, progress: false}}\n{extra}"


def case(name, expect, files, command="train", input=None, cfg=None, cfg_name="config.yaml"):
    files = dict(files)
    files.setdefault(cfg_name, config() if cfg is None else cfg)
    cases[name] = dict(meta={"command": command, "expect": expect, **({"input": input} if input else {})}, files=files)


def npy(shape, descr="<f4", data=None, header_extra=""):
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    h = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, {header_extra}}}"
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    body = data if data is not None else b""
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + body


def f32(values):
    return struct.pack(f"<{len(values)}f", *values)


def i64(values):
    return struct.pack(f"<{len(values)}q", *values)


def idx(dtype, shape, payload):
    return bytes([0, 0, dtype, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


def safetensors(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


NPY_CFG = config(data="{name: npy, inputs: @DIR@/x.npy, labels: @DIR@/y.npy, classes: 3, features: [2]}")
GOOD_X = npy((10, 2), data=f32([rng.uniform(-1, 1) for _ in range(20)]))
GOOD_Y = npy((10,), "<i8", i64([i % 3 for i in range(10)]))

# --- labels against classes ---------------------------------------------------------------
case("label-equal-to-classes-npy", "label 3", {"x.npy": GOOD_X, "y.npy": npy((10,), "<i8", i64([0, 1, 2, 3] + [0] * 6))}, cfg=NPY_CFG)
case("label-negative-npy", "label -1", {"x.npy": GOOD_X, "y.npy": npy((10,), "<i8", i64([0, -1] + [1] * 8))}, cfg=NPY_CFG)
case("csv-more-classes-than-config", "outside 0..<3", {"data.csv": BASE_CSV + "0.1,0.2,3\n0.3,0.1,4\n"})
case("csv-label-minus-one", "outside 0..<3", {"data.csv": BASE_CSV + "0.1,0.2,-1\n"})
# --- features against the first layer -----------------------------------------------------
case("csv-extra-column", "does not accept", {"data.csv": "x0,x1,x2,label\n" + "".join(f"0.1,0.2,0.3,{i % 3}\n" for i in range(30))},
     cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3}", model="{layers: [{type: linear, in: 2, out: 3}]}"))
case("csv-non-numeric-cell", "does not accept", {"data.csv": BASE_CSV.replace("\n0.", "\nabc0.", 1)},
     cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3}", model="{layers: [{type: linear, in: 2, out: 3}]}"))
case("npy-wrong-width", "does not accept", {"x.npy": npy((10, 3), data=f32([0.5] * 30)), "y.npy": GOOD_Y},
     cfg=config(data="{name: npy, inputs: @DIR@/x.npy, labels: @DIR@/y.npy, classes: 3}", model="{layers: [{type: linear, in: 2, out: 3}]}"))
# --- loss against the kind of target ------------------------------------------------------
case("mse-on-class-labels", "needs float targets", {}, cfg=config(data="{name: spirals, points: 20}", model="{layers: [{type: linear, out: 1}]}", extra="loss: mse\nmetrics: []\n"))
case("mse-on-csv-wrong-output", "shape", {"data.csv": BASE_CSV}, cfg=config(extra="loss: mse\nmetrics: []\n"))
# --- shapes whose counts or strides overflow ----------------------------------------------
case("npy-zero-beside-huge", "invalid shape", {"x.npy": npy((0, 2**62, 2**62)), "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-count-overflow", "invalid shape", {"x.npy": npy((2**40, 2**40)), "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-negative-dim", "invalid shape", {"x.npy": npy((-1, 2)), "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-truncated-data", "truncated", {"x.npy": GOOD_X[:-7], "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-header-length-past-end", "truncated header", {"x.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{}", "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-bad-magic", "bad magic", {"x.npy": b"\x93NUMPZ" + GOOD_X[6:], "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-float-labels", "not an integer type", {"x.npy": GOOD_X, "y.npy": GOOD_X}, cfg=NPY_CFG)
case("npy-count-mismatch", "y.npy", {"x.npy": GOOD_X, "y.npy": npy((7,), "<i8", i64([0] * 7))}, cfg=NPY_CFG)
case("npy-scalar-inputs", "x.npy", {"x.npy": npy((), data=f32([1.0])), "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("npy-bitflip-header", "malformed header", {"x.npy": GOOD_X.replace(b"'shape'", b"'sh\x01pe'"), "y.npy": GOOD_Y}, cfg=NPY_CFG)
case("predict-idx-zero-beside-huge", "too large", {"in.idx": idx(0x08, [0, 2**32 - 1, 2**32 - 1], b"")}, command="predict", input="in.idx")
case("predict-idx-truncated", "truncated", {"in.idx": idx(0x08, [5, 2], bytes(7))}, command="predict", input="in.idx")
case("predict-idx-trailing-garbage", "trailing garbage", {"in.idx": idx(0x08, [5, 2], bytes(13))}, command="predict", input="in.idx")
case("predict-idx-bad-type", "unsupported IDX element type", {"in.idx": bytes([0, 0, 0x07, 2]) + bytes(8)}, command="predict", input="in.idx")
case("predict-npy-zero-beside-huge", "invalid shape", {"in.npy": npy((0, 2**62, 2**62))}, command="predict", input="in.npy")
case("predict-npy-wrong-width", "does not match the model input", {"in.npy": npy((4, 3), data=f32([0.0] * 12))}, command="predict", input="in.npy")
case("checkpoint-safetensors-zero-beside-huge", "too large",
     {"ckpt.safetensors": safetensors({"0.weight": {"dtype": "F32", "shape": [0, 2**62, 2**62], "data_offsets": [0, 0]}})},
     command="checkpoint", input="ckpt.safetensors")
case("checkpoint-safetensors-header-past-end", "header length", {"ckpt.safetensors": struct.pack("<Q", 2**40) + b"{}"},
     command="checkpoint", input="ckpt.safetensors")
case("checkpoint-safetensors-truncated", "truncated",
     {"ckpt.safetensors": safetensors({"0.weight": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 24]}}, f32([0.0] * 3))},
     command="checkpoint", input="ckpt.safetensors")
case("checkpoint-safetensors-not-json", "not valid JSON", {"ckpt.safetensors": struct.pack("<Q", 5) + b"{oops"}, command="checkpoint", input="ckpt.safetensors")
# --- gzip -----------------------------------------------------------------------------------
# 2 MB of zeros behind an IDX header that declares 10 bytes: decompression stops at what the header needs.
bomb_idx = gzip.compress(idx(0x08, [5, 2], bytes(10)) + bytes(2 << 20), mtime=0)
case("predict-gzip-idx-beyond-header", "exceed", {"in-ubyte.gz": bomb_idx}, command="predict", input="in-ubyte.gz")
# Expands past 256 times its size: the ratio cap, whatever the header says.
ratio_bomb = gzip.compress(idx(0x08, [1 << 14, 1 << 14], b"") + bytes(1 << 28), compresslevel=9, mtime=0)
case("predict-gzip-ratio-bomb", "exceed", {"in-ubyte.gz": ratio_bomb}, command="predict", input="in-ubyte.gz")
good_gz = gzip.compress(idx(0x08, [5, 2], bytes(10)), mtime=0)
flipped = bytearray(good_gz); flipped[len(flipped) // 2] ^= 0x10
case("predict-gzip-bitflip", "byte", {"in-ubyte.gz": bytes(flipped)}, command="predict", input="in-ubyte.gz")
case("predict-gzip-truncated", "truncated", {"in-ubyte.gz": good_gz[:-5]}, command="predict", input="in-ubyte.gz")
case("predict-gzip-bad-crc", "CRC32 mismatch", {"in-ubyte.gz": good_gz[:-8] + b"\0\0\0\0" + good_gz[-4:]}, command="predict", input="in-ubyte.gz")
# --- YAML / JSON ------------------------------------------------------------------------------
case("yaml-deep-flow-nesting", "nesting deeper", {}, cfg="data: " + "[" * 100000 + "]" * 100000 + "\n")
case("yaml-deep-block-nesting", "nesting deeper", {}, cfg="".join(" " * i + f"k{i}:\n" for i in range(200)))
case("yaml-deep-compact-sequences", "nesting deeper", {}, cfg="data: \n" + "- " * 5000 + "x\n")
bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]\n" for i in range(1, 9))
case("yaml-alias-bomb", "alias", {}, cfg=bomb + config())
case("json-trailing-comma", "trailing comma", {}, cfg_name="config.json", cfg=json.dumps({"data": {"name": "spirals"}, "model": {"layers": [{"type": "linear", "out": 2}]}, "optimizer": {"type": "sgd", "lr": 0.1}})[:-1] + ",}")
case("json-deep-nesting", "nesting deeper", {}, cfg_name="config.json", cfg="{\"data\": " + "[" * 10000 + "]" * 10000 + "}")
case("config-not-utf8", "not UTF-8", {}, cfg=config().encode().replace(b"sgd", b"sg\xff"))
case("config-wrong-type", "expected", {}, cfg=config().replace("lr: 0.1", "lr: fast"))
case("config-unknown-key", "unknown key", {}, cfg=config(extra="epoch: 3\n"))
case("config-nul-byte", "NUL", {}, cfg=config() + "\0\n")
# --- config caps ------------------------------------------------------------------------------
case("cap-features-2e32", "at most", {"data.csv": BASE_CSV}, cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3, features: [4294967296, 4294967296]}"))
case("cap-batch-size-int-max", "at most", {"data.csv": BASE_CSV}, cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3, features: [2], batch_size: 9223372036854775807}"))
case("cap-lr-1e300", "range of Float", {"data.csv": BASE_CSV}, cfg=config().replace("lr: 0.1", "lr: 1e300"))
case("cap-lr-1e39", "range of Float", {"data.csv": BASE_CSV}, cfg=config().replace("lr: 0.1", "lr: 1e39"))
case("cap-lr-1e10", "learning rate", {"data.csv": BASE_CSV}, cfg=config().replace("lr: 0.1", "lr: 1e10"))
case("cap-points-1e12", "at most", {}, cfg=config(data="{name: spirals, points: 1000000000000}", model="{layers: [{type: linear, out: 2}]}"))
case("cap-blobs-elements", "values allowed", {}, cfg=config(data="{name: blobs, points: 16000000, dimensions: 1000, classes: 3}", model="{layers: [{type: linear, out: 3}]}"))
case("cap-out-2e40", "at most", {"data.csv": BASE_CSV}, cfg=config(model="{layers: [{type: linear, out: 1099511627776}, {type: linear, out: 3}]}"))
case("cap-parameters", "parameters", {"data.csv": BASE_CSV}, cfg=config(model="{layers: [{type: linear, out: 16000000}, {type: linear, out: 16000000}, {type: linear, out: 3}]}"))
case("cap-threads-100000", "at most", {"data.csv": BASE_CSV}, cfg=config(extra="threads: 100000\n"))
case("early-stopping-missing-metric", "early_stopping.monitor", {"data.csv": BASE_CSV}, cfg=config(extra="early_stopping: {monitor: validation_f1}\n"))
case("plateau-missing-metric", "schedule.monitor", {"data.csv": BASE_CSV}, cfg=config(extra="schedule: {type: plateau, monitor: val_loss}\n"))
# --- CSV ----------------------------------------------------------------------------------------
case("csv-nul-in-cell", "NUL byte", {"data.csv": BASE_CSV.replace("\n0.", "\n0\x00.", 1)})
case("csv-invalid-utf8", "not valid UTF-8", {"data.csv": BASE_CSV.encode().replace(b"x1", b"x\xff1")})
case("csv-ragged-row", "ragged row", {"data.csv": BASE_CSV + "0.1,0.2\n"})
case("csv-unterminated-quote", "unterminated", {"data.csv": BASE_CSV + "\"0.1,0.2,1\n"})
case("csv-empty", "empty", {"data.csv": ""})
case("csv-header-only", "no data rows", {"data.csv": "x0,x1,label\n"})
case("csv-duplicate-column", "duplicate column", {"data.csv": "x0,x0,label\n1,2,0\n"})
case("csv-missing-value", "missing value", {"data.csv": BASE_CSV + "0.1,,1\n"})
case("csv-unknown-label-column", "unknown target column", {"data.csv": BASE_CSV}, cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: y, classes: 3, features: [2]}"))
case("csv-binary-garbage", "data.csv: line", {"data.csv": bytes(rng.randrange(256) for _ in range(4096))})
case("csv-one-hot-explosion", "distinct values", {"data.csv": "x0,x1,label\n" + "".join(f"v{i},{i},{i % 3}\n" for i in range(3000))},
     cfg=config(data="{name: csv, path: @DIR@/data.csv, label_column: label, classes: 3}", model="{layers: [{type: linear, in: 2, out: 3}]}"))
case("csv-is-a-directory", "directory", {"data.csv/keep": ""})
case("csv-missing-file", "no such file", {}, cfg=config(data="{name: csv, path: @DIR@/nothing.csv, label_column: label, classes: 3, features: [2]}"))
case("csv-dev-null", "not a regular file", {}, cfg=config(data="{name: csv, path: /dev/null, label_column: label, classes: 3, features: [2]}"))
case("predict-dev-null-npy", "not a regular file", {}, command="predict", input="/dev/null")
cases["predict-dev-null-npy"]["meta"]["input_format"] = "npy"
# The control: a valid configuration that must train (and gives the CLI script its checkpoint).
case("good", "", {"data.csv": BASE_CSV}, command="good")
case("predict-csv-nan", "finite number", {"in.csv": "x0,x1\nnan,1\n"}, command="predict", input="in.csv")

shutil.rmtree(out, ignore_errors=True)
for name, c in sorted(cases.items()):
    d = os.path.join(out, name)
    os.makedirs(d)
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(c["meta"], f, indent=1, sort_keys=True)
        f.write("\n")
    for fn, content in c["files"].items():
        p = os.path.join(d, fn)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)
print(f"{len(cases)} cases, {total} bytes in {out}")
