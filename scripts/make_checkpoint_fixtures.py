"""Writes a PyTorch-saved checkpoint for EndToEnd's safetensors loader:
Tests/EndToEndNNTests/Fixtures/torch_mlp.safetensors (the state_dict of
Sequential(Linear(6, 5), ReLU(), Linear(5, 3)), written by safetensors.torch.save_file)
and Tests/EndToEndNNTests/Fixtures/torch_mlp.json (a fixed input and PyTorch's output).
Usage: /tmp/torch-venv/bin/python scripts/make_checkpoint_fixtures.py"""
import json, os, torch
from safetensors.torch import save_file

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
x = torch.linspace(-2, 2, 4 * 6).reshape(4, 6)
with torch.no_grad():
    y = model(x)

def flat(t): return {"shape": list(t.shape), "values": t.detach().flatten().tolist()}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EndToEndNNTests", "Fixtures")
os.makedirs(here, exist_ok=True)
state = {k: v.contiguous() for k, v in model.state_dict().items()}
save_file(state, os.path.join(here, "torch_mlp.safetensors"), metadata={"format": "pt", "generator": f"torch {torch.__version__}"})
with open(os.path.join(here, "torch_mlp.json"), "w") as f:
    json.dump({"generator": f"torch {torch.__version__}", "names": list(state.keys()), "x": flat(x), "y": flat(y)}, f, indent=1)
    f.write("\n")
print("wrote", sorted(state.keys()))
