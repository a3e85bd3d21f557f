"""Real PyTorch on one side, digitlab on the other (issue: models in and out).

1. Builds the write-ups' models in PyTorch as their authors wrote them (LeNet-5, the BatchNorm CNN, the dropout CNN,
   the deeper CNN; plus digitlab's small fast-cnn for a BatchNorm fixture), trains each briefly on MNIST, and saves
   them as torch.save state_dicts (zip and legacy), .safetensors and TorchScript, with PyTorch's own test logits.
   The small ones are the Java suite's fixtures (src/test/resources/interop): CI checks imports without Python.
2. Imports every file with `digitlab import`, exports each import again with `digitlab export` (ONNX and PyTorch),
   runs the exports in onnxruntime and PyTorch, and prints a table of the differences from PyTorch's own logits.

Usage: interop/run [--fixtures]   (--fixtures rewrites src/test/resources/interop)
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file, load_file

ROOT = Path(__file__).resolve().parent.parent
MNIST = Path(os.environ.get("DIGITLAB_DATA", Path.home() / ".cache" / "digitlab")) / "mnist"
FIXTURES = ROOT / "src" / "test" / "resources" / "interop"
MEAN, STD = 0.1307, 0.3081
LOGITS_KEPT = 500  # logits of the first 500 test images are kept; predictions of all 10,000


def idx(name):
    data = (MNIST / name).read_bytes()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


# ---- the write-ups' models, as their authors wrote them ------------------------------------------------------------

class LeNet5(nn.Module):
    """LeCun et al. 1998 on 32x32 input (MNIST padded by 2 before normalising, transforms.Pad(2))."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.tanh(self.conv3(x)).flatten(1)
        return self.fc2(torch.tanh(self.fc1(x)))


class BnCnn(nn.Module):
    """final_model.pth's network; its author declared the convolutions, then the BatchNorms, then the linears."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.bn2 = nn.BatchNorm2d(32)
        self.bn3 = nn.BatchNorm1d(256)
        self.fc1 = nn.Linear(32 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(self.bn1(F.relu(self.conv1(x))), 2)
        x = F.max_pool2d(self.bn2(F.relu(self.conv2(x))), 2)
        return self.fc2(self.bn3(F.relu(self.fc1(x.flatten(1)))))


class DropoutCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.block2(self.block1(x)))


class DeepCnn(nn.Module):
    """train.py's deeper CNN: features.N / classifier.N keys."""
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                                      nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(1024, 100), nn.ReLU(), nn.Linear(100, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class FastCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.bn2 = nn.BatchNorm2d(32)
        self.out = nn.Linear(512, 10)

    def forward(self, x):
        x = self.bn1(F.relu(F.max_pool2d(self.conv1(x), 2)))
        x = self.bn2(F.relu(F.max_pool2d(self.conv2(x), 2)))
        return self.out(x.flatten(1))


MODELS = {  # digitlab's name: (class, padding, epochs, fixture formats)
    "lenet5": (LeNet5, 2, 2, ["pth", "legacy", "safetensors", "script"]),
    "fast-cnn": (FastCnn, 0, 1, ["pth"]),
    "deep-cnn": (DeepCnn, 0, 1, []),
    "bn-cnn": (BnCnn, 0, 1, []),
    "dropout-cnn": (DropoutCnn, 0, 1, []),
}


def prepare(images, pad):
    x = torch.from_numpy(np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))).float() / 255.0
    return (x - MEAN) / STD


def train(model, x, y, epochs, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            b = order[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
    model.eval()


def logits_of(model, x):
    with torch.no_grad():
        return torch.cat([model(x[i:i + 1000]) for i in range(0, len(x), 1000)]).numpy()


def digitlab(*args):
    r = subprocess.run([str(ROOT / "digitlab"), *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"digitlab {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", action="store_true", help="rewrite the Java suite's fixtures")
    args = ap.parse_args()
    torch.set_num_threads(2)
    train_x, train_y = idx("train-images-idx3-ubyte"), torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    test_x, test_y = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
    work = Path(tempfile.mkdtemp(prefix="digitlab-interop-"))
    rows = []
    for name, (cls, pad, epochs, fixture_formats) in MODELS.items():
        model = cls()
        train(model, prepare(train_x, pad), train_y, epochs, seed=1)
        xt = prepare(test_x, pad)
        logits = logits_of(model, xt)
        accuracy = float((logits.argmax(1) == test_y).mean())
        files = {
            "pth": work / f"{name}.pth",
            "legacy": work / f"{name}-legacy.pth",
            "safetensors": work / f"{name}.safetensors",
            "script": work / f"{name}-script.pt",
        }
        torch.save(model.state_dict(), files["pth"])
        torch.save(model.state_dict(), files["legacy"], _use_new_zipfile_serialization=False)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, files["safetensors"])
        torch.jit.save(torch.jit.trace(model, xt[:1]), files["script"])
        if args.fixtures and fixture_formats:
            FIXTURES.mkdir(parents=True, exist_ok=True)
            for f in fixture_formats:
                (FIXTURES / files[f].name).write_bytes(files[f].read_bytes())
            (FIXTURES / f"{name}.logits").write_bytes(logits[:LOGITS_KEPT].astype("<f4").tobytes())
            (FIXTURES / f"{name}.predictions").write_bytes(logits.argmax(1).astype(np.uint8).tobytes())
            (FIXTURES / f"{name}.json").write_text(json.dumps({
                "architecture": name, "pytorch": torch.__version__, "testAccuracy": accuracy,
                "logitsKept": LOGITS_KEPT, "files": [files[f].name for f in fixture_formats]}, indent=2) + "\n")

        # every format in, both formats out
        for fmt, file in files.items():
            folder = work / f"{name}-{fmt}-imported"
            digitlab("import", str(file), *([] if fmt == "script" else ["--arch", name]), "--out", str(folder))
            report = json.loads(digitlab("evaluate", "--model", str(folder), "--json"))
            rows.append((name, f"import {fmt}", report["accuracy"], accuracy, None))
        imported = work / f"{name}-pth-imported"
        onnx_file = work / f"{name}.onnx"
        digitlab("export", "--model", str(imported), "--format", "onnx", "--out", str(onnx_file))
        digitlab("export", "--model", str(imported), "--format", "pytorch", "--out", str(work / f"{name}-pt"))
        raw = test_x.astype(np.float32)
        import onnx
        import onnxruntime as ort
        onnx.checker.check_model(onnx.load(str(onnx_file)), full_check=True)
        session = ort.InferenceSession(str(onnx_file))
        out = np.concatenate([session.run(["logits"], {"pixels": raw[i:i + 1000]})[0] for i in range(0, len(raw), 1000)])
        rows.append((name, "export onnx -> onnxruntime", float((out.argmax(1) == test_y).mean()), accuracy,
                     float(np.abs(out - logits).max())))
        sys.path.insert(0, str(work / f"{name}-pt"))
        sys.modules.pop("model", None)
        from model import Net  # the exported module
        sys.path.pop(0)
        net = Net()
        net.load_state_dict(load_file(str(work / f"{name}-pt" / "model.safetensors")))
        with torch.no_grad():
            out = torch.cat([net(torch.from_numpy(raw[i:i + 1000])) for i in range(0, len(raw), 1000)]).numpy()
        rows.append((name, "export pytorch -> Net()", float((out.argmax(1) == test_y).mean()), accuracy,
                     float(np.abs(out - logits).max())))

    print(f"PyTorch {torch.__version__}, onnxruntime {__import__('onnxruntime').__version__}, digitlab at {ROOT}")
    print("| model | path | test accuracy | PyTorch's | same | largest logit difference from PyTorch |")
    print("|---|---|---|---|---|---|")
    for name, path, acc, ref, diff in rows:
        print(f"| {name} | {path} | {acc * 100:.2f} % | {ref * 100:.2f} % | {'yes' if abs(acc - ref) < 1e-9 else 'NO'} | "
              f"{'-' if diff is None else f'{diff:.2e}'} |")
    bad = [r for r in rows if abs(r[2] - r[3]) > 1e-9 or (r[4] is not None and r[4] > 1e-4)]
    if bad:
        sys.exit(f"{len(bad)} rows differ from PyTorch")


if __name__ == "__main__":
    main()
