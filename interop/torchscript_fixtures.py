"""TorchScript files for digitlab's operator check (src/test/resources/interop/script-*.pt).

  interop/.venv/bin/python interop/torchscript_fixtures.py src/test/resources/interop

script-cnn-traced.pt / script-cnn-scripted.pt: a CNN with BatchNorm, Dropout, view/flatten/reshape and log_softmax,
through torch.jit.trace and torch.jit.script, so the test sees the operators real exports contain.
script-writes-file.pt: a module whose forward calls torch.from_file(path, shared=True, size) and fill_, which
creates (or overwrites) the file wherever the module runs. It must be refused before libtorch loads it.
Untrained weights: only the operators matter. Each file is saved from a fixed seed.
"""
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.avg_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        # contiguous first: digitlab runs batches channels-last, where view of a feature map fails (reshape copes)
        x = x.contiguous().view(x.size(0), -1)
        x = torch.flatten(x, 1).reshape(x.shape[0], -1)
        x = self.drop(torch.sigmoid(self.fc1(x)) * torch.tanh(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


class WritesFile(nn.Module):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x):
        t = torch.from_file(self.path, True, 64, dtype=torch.uint8)
        t.fill_(65)
        # used in the result, or the compiler drops the call as dead code
        return self.fc(x.flatten(1)) + t.float().sum() * 0.0


def main(out: Path):
    torch.manual_seed(0)
    cnn = Cnn().eval()
    torch.jit.save(torch.jit.trace(cnn, torch.zeros(1, 1, 28, 28)), out / "script-cnn-traced.pt")
    torch.jit.save(torch.jit.script(cnn), out / "script-cnn-scripted.pt")
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(WritesFile("/tmp/digitlab-pwned").eval()), out / "script-writes-file.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
