#!/usr/bin/env python3
"""Seconds per epoch of the P1 autoencoder of Kim, Choi, Widemann, Zohdi (J. Comput.
Phys. 451, 2022) in PyTorch CPU, the reference for romkit's C training (docs/autoencoder.md).

The network is built as the authors did: dense nn.Linear layers, the decoder's output layer
masked with torch.nn.utils.prune.custom_from_mask (band 36, shift 12), swish activations,
Adam lr 1e-3, MSE loss, batch 20, a 10 % validation split evaluated after each epoch.

  /usr/bin/python3 scripts/torch_p1_epoch.py SNAPSHOTS.h5 [--epochs 5] [--threads 1]
                   [--dtype float64|float32] [--batch 20]

Prints one line per epoch and the median seconds per epoch (the first epoch excluded as
warm-up when there are at least 3)."""
import argparse
import statistics
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune


def banded_mask(rows, band, shift):
    cols = shift * (rows - 1) + band
    m = torch.zeros(rows, cols)
    for i in range(rows):
        m[i, shift * i:shift * i + band] = 1
    return m


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("snapshots")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--latent", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = getattr(torch, a.dtype)
    X = torch.tensor(h5py.File(a.snapshots, "r")["snapshots"][()], dtype=dtype)
    m, N = X.shape
    H1, band, shift = 2 * N, 36, 12
    H2 = shift * (N - 1) + band
    enc = nn.Sequential(nn.Linear(N, H1), Swish(), nn.Linear(H1, a.latent, bias=False))
    out = nn.Linear(H2, N, bias=False)
    dec = nn.Sequential(nn.Linear(a.latent, H2, bias=False), Swish(), out)
    prune.custom_from_mask(out, name="weight", mask=banded_mask(N, band, shift))
    model = nn.Sequential(enc, dec).to(dtype)
    perm = torch.randperm(m)
    nval = int(0.1 * m + 0.5)
    val, train = X[perm[:nval]], X[perm[nval:]]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    times = []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(train.shape[0])
        total = 0.0
        for b0 in range(0, train.shape[0], a.batch):
            xb = train[order[b0:b0 + a.batch]]
            opt.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        model.eval()
        with torch.no_grad():
            vl = loss_fn(model(val), val).item()
        dt = time.perf_counter() - t0
        times.append(dt)
        print("torch epoch %d  loss %.6e  val_loss %.6e  %.3f s" % (epoch, total / train.shape[0], vl, dt),
              flush=True)
    use = times[1:] if len(times) >= 3 else times
    print("torch %s threads %d: median %.3f s/epoch over %d epochs (torch %s, %d parameters)"
          % (a.dtype, a.threads, statistics.median(use), len(use), torch.__version__,
             sum(p.numel() for p in model.parameters())))


if __name__ == "__main__":
    main()
