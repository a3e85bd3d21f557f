#!/usr/bin/env python3
"""PyTorch reference for digitlab's recipes: the same models, data held in memory as tensors, same batch sizes,
optimisers and thread count. Reads the IDX files digitlab fetched (~/.cache/digitlab/mnist).

Run with the project's PyTorch 2.x (interop/venv prints its python):
  OPENBLAS_NUM_THREADS=1 $(interop/venv) bench/reference/torch_mnist.py --model deep-cnn [--compile]
With --compile the model runs under torch.compile; it is compiled before training, on one step of each batch shape
the run will see (full and last batch, training and evaluation), after which the weights, the optimiser and the random
generator start afresh, so the epochs time compiled code only and, for networks without dropout (Inductor draws its
own dropout masks), train the batches eager does. The compile time is printed on its own line.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    if not os.path.exists(path) and os.path.exists(path + '.gz'):
        path += '.gz'
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        magic, = struct.unpack('>i', f.read(4))
        dims = struct.unpack('>' + 'i' * (magic & 0xff), f.read(4 * (magic & 0xff)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def models(name):
    if name == 'lenet5':
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(),
                             nn.AvgPool2d(2), nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84),
                             nn.Tanh(), nn.Linear(84, 10)), 2
    if name == 'deep-cnn':
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 100),
                             nn.ReLU(), nn.Linear(100, 10)), 0
    if name == 'dropout-cnn':
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10)), 0
    if name == 'fast-cnn':
        return nn.Sequential(nn.Conv2d(1, 16, 5), nn.MaxPool2d(2), nn.ReLU(), nn.BatchNorm2d(16),
                             nn.Conv2d(16, 32, 5), nn.MaxPool2d(2), nn.ReLU(), nn.BatchNorm2d(32),
                             nn.Flatten(), nn.Linear(512, 10)), 0
    if name == 'peer-cnn':  # the "MNIST to 99 % in under a second" study's network
        return nn.Sequential(nn.Conv2d(1, 24, 5), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Conv2d(24, 32, 3), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Flatten(), nn.Linear(800, 256), nn.ReLU(), nn.Linear(256, 10)), 0
    if name == 'quick-cnn':  # digitlab's fastest recipe's network: the peer's narrowed to 20 filters and 128 units
        return nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Conv2d(20, 32, 3), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10)), 0
    if name == 'best':  # digitlab's most accurate single model (model/Models.java's best)
        def stage(cin, c):
            return [nn.Conv2d(cin, c, 3), nn.ReLU(), nn.BatchNorm2d(c), nn.Conv2d(c, c, 3), nn.ReLU(), nn.BatchNorm2d(c),
                    nn.Conv2d(c, c, 5, stride=2, padding=2), nn.ReLU(), nn.BatchNorm2d(c), nn.Dropout(0.4)]
        return nn.Sequential(*stage(1, 32), *stage(32, 64), nn.Conv2d(64, 128, 4), nn.ReLU(), nn.BatchNorm2d(128),
                             nn.Flatten(), nn.Dropout(0.4), nn.Linear(128, 10)), 0
    raise SystemExit('unknown model ' + name)


def warp(x, rotate, zoom, shift):
    """digitlab's --augment: per image a rotation of up to +-rotate degrees, a zoom of up to +-zoom and a shift of up
    to +-shift of the side, about the centre, bilinear, black outside; x holds raw images in [0, 1], (n, 1, 28, 28)."""
    n = x.shape[0]
    u = lambda: torch.rand(n) * 2 - 1
    angle, scale = torch.deg2rad(rotate * u()), 1 + zoom * u()
    tx, ty = 2 * shift * u(), 2 * shift * u()  # grid coordinates run from -1 to 1: a side is 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def compile_ahead(net, xtr, ytr, xte, batch_size):
    """Compiles net on every shape the run will use; returns the seconds it took. The weights are restored after."""
    saved = {k: v.clone() for k, v in net.state_dict().items()}
    t0 = time.time()
    scratch = torch.optim.SGD(net.parameters(), lr=0.0)
    net.train()
    for n in [batch_size] + ([len(xtr) % batch_size] if len(xtr) % batch_size else []):
        idx = torch.arange(n)  # gathered, as training's batches are, so the guards see the same strides
        F.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
        scratch.zero_grad()
    net.eval()
    with torch.no_grad():
        net(xte[:1000])
    seconds = time.time() - t0
    with torch.no_grad():
        for k, v in net.state_dict().items():
            v.copy_(saved[k])
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--model', default='deep-cnn')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--optimizer', default='sgd', choices=['sgd', 'adam'])
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--betas', type=float, nargs=2, default=(0.9, 0.999), help="Adam's betas")
    p.add_argument('--compile', action='store_true', help='run the model under torch.compile (compiled first)')
    p.add_argument('--lr-schedule', default='none', choices=['none', 'onecycle'])
    p.add_argument('--augment', action='store_true', help="warp every training image as digitlab's --augment does "
                   "(rotate 10 degrees, zoom 0.1, shift 0.1)")
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--data', default=os.path.expanduser('~/.cache/digitlab/mnist'))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = torch.tensor(read_idx(os.path.join(a.data, 'train-images-idx3-ubyte')), dtype=torch.float32) / 255
    ytr = torch.tensor(read_idx(os.path.join(a.data, 'train-labels-idx1-ubyte')), dtype=torch.long)
    xte = torch.tensor(read_idx(os.path.join(a.data, 't10k-images-idx3-ubyte')), dtype=torch.float32) / 255
    yte = torch.tensor(read_idx(os.path.join(a.data, 't10k-labels-idx1-ubyte')), dtype=torch.long)
    mean, std = xtr.mean().item(), xtr.std().item()
    net, pad = models(a.model)
    prep = lambda x: F.pad((x - mean) / std, (pad, pad, pad, pad), value=(0 - mean) / std).unsqueeze(1) \
        .contiguous(memory_format=torch.channels_last)
    raw = xtr.unsqueeze(1)  # kept for --augment, which warps raw images and normalises each batch after
    xtr, xte = prep(xtr), prep(xte)
    net = net.to(memory_format=torch.channels_last)
    if a.compile and a.augment:
        raise SystemExit('--compile with --augment is not measured here')
    if a.compile:
        rng = torch.get_rng_state()  # so that the compiled run draws the same batches as the eager one
        net = torch.compile(net, dynamic=False)  # a static graph per batch shape, as a fixed-size run wants
        print(f'compile  {compile_ahead(net, xtr, ytr, xte, a.batch_size):.2f} s', flush=True)
        torch.set_rng_state(rng)
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum) if a.optimizer == 'sgd' \
        else torch.optim.Adam(net.parameters(), lr=a.lr, betas=tuple(a.betas))
    steps = (len(xtr) + a.batch_size - 1) // a.batch_size
    # digitlab's one-cycle is PyTorch's OneCycleLR without the momentum cycle
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=steps * a.epochs, cycle_momentum=False) \
        if a.lr_schedule == 'onecycle' else None
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        net.train()
        order = torch.randperm(len(xtr))
        for i in range(0, len(xtr), a.batch_size):
            idx = order[i:i + a.batch_size]
            opt.zero_grad()
            x = prep(warp(raw[idx], 10, 0.1, 0.1).squeeze(1)) if a.augment else xtr[idx]
            loss = F.cross_entropy(net(x), ytr[idx])
            loss.backward()
            opt.step()
            if sched:
                sched.step()
        seconds = time.time() - t0
        net.eval()
        with torch.no_grad():
            right = sum((net(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000))
        print(f'epoch {epoch}/{a.epochs}  test accuracy {100 * right / len(xte):.2f}%  {seconds:.2f} s', flush=True)


if __name__ == '__main__':
    main()
