"""PyTorch state_dicts, inputs and outputs for EndToEnd's interoperability tests.

    /tmp/torch-venv/bin/python scripts/make_interop_fixtures.py
        writes Tests/EndToEndTrainingTests/Fixtures/Interop/: for an MLP, a CNN with batch
        norm, an LSTM classifier (each also as an e2e config, <name>.yaml) and a transformer
        encoder layer: <name>.safetensors (the model's state_dict(), PyTorch's names),
        <name>-inputs.npy, <name>-labels.npy (classifiers) and <name>-outputs.npy (PyTorch's outputs in
        eval mode).
    /tmp/torch-venv/bin/python scripts/make_interop_fixtures.py fashion DIR [STEPS]
        trains the architectures of examples/fashion-mnist-{mlp,cnn}.yaml as plain
        nn.Sequential models for STEPS steps (default 200) on Fashion-MNIST
        (/usr/share/datasets/fashion-mnist) and writes DIR/fashion-mnist-{mlp,cnn}.safetensors
        (the CNN's names with a "model." prefix, the other layout) and DIR/fashion-mnist.json
        (PyTorch's test accuracy, its accuracy on the first 1,000 test images, and the
        probabilities of the first 100 test images).

PyTorch CPU, installed as in ../shared/peers/README.md (plus safetensors)."""
import gzip, json, os, sys
import numpy as np
import torch
from torch import nn
from safetensors.torch import save_file
from fixture_io import save_deterministic

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "EndToEndTrainingTests", "Fixtures", "Interop")
torch.set_num_threads(1)


class LastStepLSTM(nn.LSTM):
    """nn.LSTM (batch first) that returns the last step's output: e2e's `return: last`."""
    def forward(self, x):
        return super().forward(x)[0][:, -1]


class FlattenFirst(nn.Sequential):
    """nn.Sequential that flattens each example first, as e2e does before a first linear layer."""
    def forward(self, x):
        return super().forward(x.flatten(1))


def state(model):
    return {k: v.detach().contiguous() for k, v in model.state_dict().items()}


def save_case(name, model, x, labels, config=None):
    model.eval()
    with torch.no_grad():
        y = model(x)
    meta = {"format": "pt", "generator": f"torch {torch.__version__}"}
    save_deterministic(state(model), os.path.join(FIXTURES, name + ".safetensors"), meta)
    np.save(os.path.join(FIXTURES, name + "-inputs.npy"), x.numpy().astype(np.float32))
    if labels is not None:
        np.save(os.path.join(FIXTURES, name + "-labels.npy"), labels.numpy().astype(np.int64))
    np.save(os.path.join(FIXTURES, name + "-outputs.npy"), y.numpy().astype(np.float32))
    if config:
        with open(os.path.join(FIXTURES, name + ".yaml"), "w") as f:
            f.write(config)
    print(name, sorted(model.state_dict().keys()))


def npy_config(name, features, classes, layers):
    # Paths are relative to the fixture folder; the tests substitute FIXTURES/.
    return (f"# Written by scripts/make_interop_fixtures.py: the e2e config of the PyTorch model in {name}.safetensors.\n"
            f"name: {name}\n"
            f"data: {{name: npy, inputs: FIXTURES/{name}-inputs.npy, labels: FIXTURES/{name}-labels.npy, "
            f"classes: {classes}, features: {features}, shuffle: false, batch_size: 4}}\n"
            "model:\n  layers:\n" + "".join(f"    - {l}\n" for l in layers)
            + "loss: cross_entropy\noptimizer: {type: sgd, lr: 0.1}\nmetrics: [accuracy, loss]\n")


def small():
    os.makedirs(FIXTURES, exist_ok=True)
    g = torch.Generator().manual_seed(0)

    # MLP on [2, 4] examples: flattened first, as e2e's implicit flatten.
    torch.manual_seed(1)
    mlp = FlattenFirst(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 12), nn.Tanh(), nn.Linear(12, 3))
    save_case("mlp", mlp, torch.randn(10, 2, 4, generator=g), torch.randint(0, 3, (10,), generator=g),
              npy_config("mlp", [2, 4], 3, ["{type: linear, in: 8, out: 16}", "relu", "{type: dropout, p: 0.1}",
                                             "{type: linear, out: 12}", "tanh", "{type: linear, out: 3}"]))

    # CNN with batch norm; a few training-mode passes give the running statistics values.
    torch.manual_seed(2)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3))
    cnn.train()
    with torch.no_grad():
        for _ in range(3):
            cnn(torch.randn(16, 1, 8, 8, generator=g) * 2 + 0.5)
    save_case("cnn", cnn, torch.randn(10, 1, 8, 8, generator=g), torch.randint(0, 3, (10,), generator=g),
              npy_config("cnn", [1, 8, 8], 3, ["{type: conv2d, in: 1, out: 4, kernel_size: 3, padding: 1}", "batchnorm2d", "relu",
                                                "{type: maxpool2d, kernel_size: 2}", "{type: conv2d, out: 6, kernel_size: 3}",
                                                "batchnorm2d", "relu", "flatten", "{type: linear, out: 3}"]))

    # LSTM classifier: two stacked layers, last step, linear head.
    torch.manual_seed(3)
    lstm = nn.Sequential(LastStepLSTM(3, 6, num_layers=2, batch_first=True), nn.Linear(6, 4))
    save_case("lstm", lstm, torch.randn(10, 5, 3, generator=g), torch.randint(0, 4, (10,), generator=g),
              npy_config("lstm", [5, 3], 4, ["{type: lstm, in: 3, hidden: 6, num_layers: 2}", "{type: linear, out: 4}"]))

    # Transformer encoder layer (no config layer type: loaded through the Swift API).
    torch.manual_seed(4)
    enc = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.1, batch_first=True)
    save_case("transformer", enc, torch.randn(3, 5, 8, generator=g), None)


def fashion_idx(name, offset):
    with gzip.open(os.path.join("/usr/share/datasets/fashion-mnist", name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def fashion(out, steps):
    os.makedirs(out, exist_ok=True)
    xtr = torch.from_numpy(fashion_idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    ytr = torch.from_numpy(fashion_idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    xte = torch.from_numpy(fashion_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    yte = torch.from_numpy(fashion_idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
    torch.manual_seed(0)
    # examples/fashion-mnist-mlp.yaml: the user flattens the images before the nn.Sequential.
    mlp = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 10))
    results = {"generator": f"torch {torch.__version__}", "steps": steps}
    for name, model, flat, opt, batch in [
            ("mlp", mlp, True, torch.optim.SGD(mlp.parameters(), lr=0.05, momentum=0.9), 128),
            ("cnn", cnn, False, torch.optim.Adam(cnn.parameters(), lr=1e-3), 64)]:
        prep = (lambda x: x.flatten(1)) if flat else (lambda x: x)
        model.train()
        for step in range(steps):
            idx = torch.randint(0, len(xtr), (batch,))
            loss = nn.functional.cross_entropy(model(prep(xtr[idx])), ytr[idx])
            opt.zero_grad(); loss.backward(); opt.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(prep(xte[i:i + 1000])) for i in range(0, len(xte), 1000)])
        accuracy = (logits.argmax(1) == yte).double().mean().item()
        sd = state(model)
        if name == "cnn":
            sd = {"model." + k: v for k, v in sd.items()}
        save_file(sd, os.path.join(out, f"fashion-mnist-{name}.safetensors"), metadata={"format": "pt"})
        first = (logits[:1000].argmax(1) == yte[:1000]).double().mean().item()
        results[name] = {"test_accuracy": accuracy, "first_1000_accuracy": first, "probabilities": logits[:100].softmax(1).tolist()}
        print(name, "test accuracy", accuracy)
    with open(os.path.join(out, "fashion-mnist.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "fashion":
        fashion(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 200)
    else:
        small()
