"""Shared by the fixture scripts: deterministic, atomic safetensors writing."""
import json, os
from safetensors.torch import save


def save_deterministic(tensors, path, metadata):
    """safetensors.torch.save_file, but with the JSON header's keys sorted (safetensors writes
    the metadata map in hash order, which would make every regeneration differ byte-wise),
    written to a temporary name and renamed into place. Data offsets are relative to the data
    buffer, so only the header is rewritten."""
    raw = save(tensors, metadata=metadata)
    n = int.from_bytes(raw[:8], "little")
    header = json.dumps(json.loads(raw[8:8 + n]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header + raw[8 + n:])
    os.replace(tmp, path)


def put_nested(tensors, prefix, d):
    """Flattens nested dicts of tensors into `prefix/key/...` names."""
    for k, v in d.items():
        if isinstance(v, dict): put_nested(tensors, f"{prefix}/{k}", v)
        else: tensors[f"{prefix}/{k}"] = v
