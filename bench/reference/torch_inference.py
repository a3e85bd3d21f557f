#!/usr/bin/env python3
"""bench/inference, PyTorch's side: the same model (weights from digitlab's model folder are not needed for timing:
a fresh LeNet-5 or deep-cnn does the same work), eval mode and no_grad, one uint8 28x28 image padded, normalised
and classified (softmax) per call; then batch-1000 throughput over 10,000 images. Prints: model p50_ms p99_ms img/s."""
import argparse
import time

import torch
import torch.nn.functional as F

from torch_mnist import models


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--model', default='lenet5')
    p.add_argument('--singles', type=int, default=5000)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    net, pad = models(a.model)
    net = net.to(memory_format=torch.channels_last).eval()
    images = torch.randint(0, 256, (10000, 28, 28), dtype=torch.uint8)
    mean, std = 0.1307, 0.3081

    def classify(u8):
        x = (u8.float() / 255 - mean) / std
        x = F.pad(x, (pad, pad, pad, pad), value=-mean / std).unsqueeze(1).contiguous(memory_format=torch.channels_last)
        return net(x).softmax(1)

    ms = []
    with torch.no_grad():
        for i in range(-a.singles // 5, a.singles):
            one = images[i % 10000:i % 10000 + 1]
            t0 = time.perf_counter()
            classify(one).tolist()
            if i >= 0:
                ms.append((time.perf_counter() - t0) * 1e3)
        ms.sort()
        classify(images[:1000])
        t0 = time.perf_counter()
        for _ in range(3):
            for s in range(0, 10000, 1000):
                classify(images[s:s + 1000]).tolist()
        per_second = 30000 / (time.perf_counter() - t0)
    print(f'{a.model} {ms[len(ms) // 2]:.3f} {ms[len(ms) * 99 // 100]:.3f} {per_second:.0f}')


if __name__ == '__main__':
    main()
