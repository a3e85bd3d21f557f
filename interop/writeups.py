"""The write-ups' own models, saved by real PyTorch in every way their readers save them: the Java suite's fixtures.

Each class below is written as its write-up writes it (../shared/seeds/: attribute names, Sequentials, `.view`), is
trained briefly on MNIST and saved as a state_dict (`torch.save(model.state_dict())`), as safetensors
(`safetensors.torch.save_file`), as TorchScript (`torch.jit.script`, and `torch.jit.trace` for the BN-CNN) and whole
(`torch.save(model)`, as many tutorials and the fifth write-up do). PyTorch's own logits for the first 500 test images
and its predictions for all 10,000 go beside them, so that src/test/java/.../WriteupModelsTest can hold every import
to PyTorch without Python.

Usage: interop/.venv/bin/python interop/writeups.py   (interop/run makes the venv)
"""
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file

from pytorch_models import idx  # the IDX reader the other interop script uses

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "test" / "resources" / "writeups"
LOGITS_KEPT = 500
TRAIN_IMAGES = 20000  # enough for well above 95 %; the fixtures test the import, not the recipe


class LeNet(nn.Module):
    """The first write-up's LeNet-5: conv1..conv3, linear1, linear2, tanh, average pooling, 32x32 input."""
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, stride=1)
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5, stride=1)
        self.linear1 = nn.Linear(120, 84)
        self.linear2 = nn.Linear(84, 10)
        self.tanh = nn.Tanh()
        self.avgpool = nn.AvgPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        x = self.avgpool(self.tanh(self.conv1(x)))
        x = self.avgpool(self.tanh(self.conv2(x)))
        x = self.tanh(self.conv3(x))
        x = x.reshape(x.shape[0], -1)
        x = self.tanh(self.linear1(x))
        return self.linear2(x)


class CNN(nn.Module):
    """The second write-up's BN-CNN ("Number Drawing Game"): `features`, then `classify`, joined by `.view`."""
    def __init__(self):
        super(CNN, self).__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels=1, out_channels=16, kernel_size=(3, 3), stride=1, padding=1),
            nn.ReLU(),
            nn.BatchNorm2d(16),
            nn.MaxPool2d(2),
            nn.Conv2d(in_channels=16, out_channels=32, kernel_size=(3, 3), stride=1, padding=1),
            nn.ReLU(),
            nn.BatchNorm2d(32),
            nn.MaxPool2d(2))
        self.classify = nn.Sequential(
            nn.Linear(in_features=7 * 7 * 32, out_features=256),
            nn.ReLU(),
            nn.BatchNorm1d(256),
            nn.Linear(in_features=256, out_features=10))

    def forward(self, x):
        x = self.features(x)
        x = x.view(-1, 32 * 7 * 7)
        return self.classify(x)


class DigitClassification(torch.nn.Module):
    """The fourth write-up's CNN with BatchNorm and Dropout (0.5/0.5 normalisation)."""
    def __init__(self):
        super(DigitClassification, self).__init__()
        self.conv1 = torch.nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.max_pool1 = torch.nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = torch.nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.max_pool2 = torch.nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = torch.nn.Linear(7 * 7 * 64, 128)
        self.dropout = torch.nn.Dropout(p=0.5)
        self.fc2 = torch.nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.max_pool1(self.relu(self.bn1(self.conv1(x))))
        x = self.max_pool2(self.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = self.dropout(self.relu(self.fc1(x)))
        return self.fc2(x)


def deeper_cnn():
    """The fifth write-up's train.py, "Deeper architecture": one nn.Sequential, so its keys are 0.weight, 3.weight, ..."""
    return nn.Sequential(
        nn.Conv2d(in_channels=1, out_channels=32, kernel_size=(3, 3)),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=(2, 2)),
        nn.Conv2d(in_channels=32, out_channels=64, kernel_size=(3, 3)),
        nn.ReLU(),
        nn.Conv2d(in_channels=64, out_channels=64, kernel_size=(3, 3)),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=(2, 2)),
        nn.Flatten(),
        nn.Linear(in_features=1024, out_features=100, bias=True),
        nn.ReLU(),
        nn.Linear(in_features=100, out_features=10, bias=True))


# digitlab's architecture: (make the model, pad, mean, std, the TorchScript ways it is saved)
MODELS = {
    "lenet5": (LeNet, 2, 0.1307, 0.3081, ["script"]),
    "bn-cnn": (CNN, 0, 0.1307, 0.3081, ["script", "trace"]),
    "dropout-cnn": (DigitClassification, 0, 0.5, 0.5, ["script"]),
    "deep-cnn": (deeper_cnn, 0, 0.1307, 0.3081, ["trace"]),
}


def prepare(images, pad, mean, std):
    x = torch.from_numpy(np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))).float() / 255.0
    return (x - mean) / std


def main():
    torch.manual_seed(1)
    torch.set_num_threads(2)
    train_x, train_y = idx("train-images-idx3-ubyte")[:TRAIN_IMAGES], idx("train-labels-idx1-ubyte")[:TRAIN_IMAGES]
    test_x, test_y = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (make, pad, mean, std, scripts) in MODELS.items():
        model = make()
        x, y = prepare(train_x, pad, mean, std), torch.from_numpy(train_y.astype(np.int64))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            b = order[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
        model.eval()
        xt = prepare(test_x, pad, mean, std)
        with torch.no_grad():
            logits = torch.cat([model(xt[i:i + 1000]) for i in range(0, len(xt), 1000)]).numpy()
        files = {"pth": f"{name}.pth", "safetensors": f"{name}.safetensors", "whole": f"{name}-whole.pth"}
        torch.save(model.state_dict(), OUT / files["pth"])
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, OUT / files["safetensors"])
        torch.save(model, OUT / files["whole"])
        if "script" in scripts:
            files["script"] = f"{name}-script.pt"
            torch.jit.save(torch.jit.script(model), OUT / files["script"])
        if "trace" in scripts:
            files["trace"] = f"{name}-trace.pt"
            torch.jit.save(torch.jit.trace(model, xt[:1]), OUT / files["trace"])
        (OUT / f"{name}.logits").write_bytes(logits[:LOGITS_KEPT].astype("<f4").tobytes())
        (OUT / f"{name}.predictions").write_bytes(logits.argmax(1).astype(np.uint8).tobytes())
        accuracy = float((logits.argmax(1) == test_y).mean())
        (OUT / f"{name}.json").write_text(json.dumps({
            "architecture": name, "class": type(model).__name__ if name != "deep-cnn" else "nn.Sequential",
            "pytorch": torch.__version__, "normalize": f"{mean},{std}", "testAccuracy": accuracy,
            "logitsKept": LOGITS_KEPT, "files": files}, indent=2) + "\n")
        print(f"{name}: {accuracy * 100:.2f} % ({', '.join(files.values())})")


if __name__ == "__main__":
    main()
