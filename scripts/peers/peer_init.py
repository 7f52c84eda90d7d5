"""Loads an `e2e bench WORKLOAD --save-init FILE` safetensors file into a PyTorch module,
so that both frameworks start from the same weights (numpy only: no safetensors package)."""
import json, struct
import numpy as np
import torch


def load_init(module, path):
    """Copies every tensor of the file into the module's state-dict entry of that name;
    names missing on either side are an error (num_batches_tracked aside)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    ours = module.state_dict(keep_vars=True)
    # EndToEnd counts batch-norm batches as a float; PyTorch's int64 counter is left alone.
    names = [k for k in header if k != "__metadata__" and not k.endswith("num_batches_tracked")]
    missing = sorted(set(k for k in ours if not k.endswith("num_batches_tracked")) - set(names))
    unknown = sorted(set(names) - set(ours))
    if missing or unknown:
        raise SystemExit(f"{path}: names differ from the model's: missing {missing}, unexpected {unknown}")
    with torch.no_grad():
        for k in names:
            e = header[k]
            if e["dtype"] != "F32":
                raise SystemExit(f"{path}: {k} has dtype {e['dtype']}, expected F32")
            a, b = e["data_offsets"]
            t = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").reshape(e["shape"]).copy())
            if t.shape != ours[k].shape:
                raise SystemExit(f"{path}: {k} has shape {list(t.shape)}, the model {list(ours[k].shape)}")
            ours[k].copy_(t.to(ours[k].dtype))
