#!/usr/bin/env python3
"""Seconds per epoch of the P1 autoencoder of Kim, Choi, Widemann, Zohdi (J. Comput.
Phys. 451, 2022) in PyTorch CPU, the reference for romkit's C training (docs/autoencoder.md,
docs/benchmarks.md "Autoencoder training").

The network (docs/problems.md): encoder N -> 2N (swish, bias) -> k (no bias), decoder
k -> H2 = 12 (N - 1) + 36 (swish, no bias) -> N through the band mask (output row i reads
hidden units 12 i .. 12 i + 35: rom_mask_banded(N, 36, 12), librom/manifold/mask.c), no
bias; Adam lr 1e-3, MSE loss, batch 20, a 10 % validation split evaluated after each epoch.
The decoder's masked output layer in one of three formulations (--variant):

  dense  the authors' formulation: a dense N x H2 nn.Linear pruned with
         torch.nn.utils.prune.custom_from_mask (every step multiplies by the full
         matrix and its zeros: 36 / H2 of the work is useful)
  band   the weights stored as an N x 36 band W; y[b, i] = sum_j W[i, j] h[b, 12 i + j],
         i.e. (h.unfold(1, 36, 12) * W).sum(-1): unfold gives the B x N x 36 view of
         the windows (H2 = 12 (N - 1) + 36, so exactly N windows), autograd does the rest
  csr    a custom torch.autograd.Function on the mask's CSR pattern: forward
         y^T = W h^T (sparse x dense), backward dh^T = W^T dy^T with the transposed
         pattern precomputed, dW[k] = sum_b dy[b, row_k] h[b, col_k]

All three start from the same weights (the band and CSR values are the dense masked
layer's nonzeros) and compute the same function: tests/python/test_torch_variants.py
checks forward and gradients against each other (it skips without torch).

  /usr/bin/python3 scripts/torch_p1_epoch.py SNAPSHOTS.h5 [--variant dense|band|csr]
                   [--epochs 5] [--threads 1] [--dtype float64|float32] [--batch 20]

Threads: torch.set_num_threads(--threads) and torch.set_num_interop_threads(1); set
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS yourself (scripts/bench_torch.sh
does). glibc's malloc is tuned from the environment only (MALLOC_*_ variables, read at
process start); the script prints the minor page faults per epoch so the effect shows.
Prints one line per epoch and the median seconds per epoch (the first epoch excluded as
warm-up when there are at least 3)."""
import argparse
import os
import resource
import statistics
import time

BAND, SHIFT = 36, 12  # P1's mask, docs/problems.md


def band_columns(rows, band=BAND, shift=SHIFT):
    """Hidden width H2 of the band mask: rows windows of `band` columns, `shift` apart."""
    return shift * (rows - 1) + band


def build(torch, N, latent, variant, dtype, seed, band=BAND, shift=SHIFT):
    """The P1 network (an nn.Module) with the decoder output layer in `variant`."""
    nn = torch.nn

    class Swish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)

    class BandLinear(nn.Module):
        """y[:, i] = sum_j W[i, j] h[:, shift i + j]: the band as an N x band matrix."""

        def __init__(self, weight):
            super().__init__()
            self.weight = nn.Parameter(weight)

        def forward(self, h):
            return (h.unfold(1, band, shift) * self.weight).sum(-1)

    class CSRFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, h, values, layer):
            ctx.save_for_backward(h, values)
            ctx.layer = layer
            W = layer.matrix(values)
            return torch.sparse.mm(W, h.t()).t()

        @staticmethod
        def backward(ctx, dy):
            h, values = ctx.saved_tensors
            layer = ctx.layer
            dh = torch.sparse.mm(layer.matrix_t(values), dy.t()).t()
            dv = (dy[:, layer.rows] * h[:, layer.cols]).sum(0)
            return dh, dv, None

    class CSRLinear(nn.Module):
        """The masked layer as a CSR matrix (COO where this torch's CPU build lacks
        CSR x dense): values in CSR order, the transposed pattern precomputed."""

        def __init__(self, values, rows, cols, shape):
            super().__init__()
            self.values = nn.Parameter(values)
            self.rows, self.cols, self.shape = rows, cols, shape
            counts = torch.bincount(rows, minlength=shape[0])
            self.crow = torch.cat([torch.zeros(1, dtype=torch.int64), counts.cumsum(0)])
            order = torch.argsort(cols * shape[0] + rows)  # the CSC order = CSR of W^T
            self.perm = order
            counts_t = torch.bincount(cols, minlength=shape[1])
            self.crow_t = torch.cat([torch.zeros(1, dtype=torch.int64), counts_t.cumsum(0)])
            self.col_t = rows[order]
            self.format = "csr"
            try:  # probe: CSR x dense on this build's CPU
                torch.sparse.mm(self.matrix(values.detach()), torch.zeros(shape[1], 1,
                                                                          dtype=values.dtype))
            except (RuntimeError, NotImplementedError):
                self.format = "coo"

        def matrix(self, v):
            if self.format == "csr":
                return torch.sparse_csr_tensor(self.crow, self.cols, v, self.shape)
            return torch.sparse_coo_tensor(torch.stack([self.rows, self.cols]), v, self.shape)

        def matrix_t(self, v):
            vt = v[self.perm]
            shape_t = (self.shape[1], self.shape[0])
            if self.format == "csr":
                return torch.sparse_csr_tensor(self.crow_t, self.col_t, vt, shape_t)
            return torch.sparse_coo_tensor(torch.stack([self.cols[self.perm], self.col_t]), vt,
                                           shape_t)

        def forward(self, h):
            return CSRFunction.apply(h, self.values, self)

    torch.manual_seed(seed)
    H1, H2 = 2 * N, band_columns(N, band, shift)
    enc = nn.Sequential(nn.Linear(N, H1), Swish(), nn.Linear(H1, latent, bias=False))
    dense = nn.Linear(H2, N, bias=False)  # nn.Linear's init: the masked entries' values
    mask = torch.zeros(N, H2)
    rows = torch.arange(N).repeat_interleave(band)
    cols = (shift * torch.arange(N)[:, None] + torch.arange(band)[None, :]).reshape(-1)
    mask[rows, cols] = 1
    if variant == "dense":
        import torch.nn.utils.prune  # a submodule `import torch` does not load (torch 1.13)
        torch.nn.utils.prune.custom_from_mask(dense, name="weight", mask=mask)
        out = dense
    elif variant == "band":
        out = BandLinear(dense.weight.detach()[rows, cols].reshape(N, band).clone())
    elif variant == "csr":
        out = CSRLinear(dense.weight.detach()[rows, cols].clone(), rows, cols, (N, H2))
    else:
        raise ValueError(f"unknown variant {variant!r}")
    dec = nn.Sequential(nn.Linear(latent, H2, bias=False), Swish(), out)
    return nn.Sequential(enc, dec).to(dtype)  # the CSR index tensors are not parameters: int64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("snapshots")
    ap.add_argument("--variant", default="dense", choices=["dense", "band", "csr"])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--latent", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    import h5py
    import torch
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (only possible once per process)
        pass
    dtype = getattr(torch, a.dtype)
    X = torch.tensor(h5py.File(a.snapshots, "r")["snapshots"][()], dtype=dtype)
    m, N = X.shape
    model = build(torch, N, a.latent, a.variant, dtype, a.seed)
    fmt = getattr(model[1][2], "format", a.variant)
    perm = torch.randperm(m)
    nval = int(0.1 * m + 0.5)
    val, train = X[perm[:nval]], X[perm[nval:]]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    times = []
    for epoch in range(a.epochs):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
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
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
        times.append(dt)
        print("torch epoch %d  loss %.6e  val_loss %.6e  %.3f s  %d minor faults"
              % (epoch, total / train.shape[0], vl, dt, faults), flush=True)
    use = times[1:] if len(times) >= 3 else times
    tuned = "tuned" if os.environ.get("MALLOC_TOP_PAD_") else "default"
    print("torch %s %s(%s) threads %d malloc %s: median %.3f s/epoch over %d epochs (torch %s, "
          "%d parameters)" % (a.dtype, a.variant, fmt, a.threads, tuned, statistics.median(use),
                              len(use), torch.__version__,
                              sum(p.numel() for p in model.parameters())))


if __name__ == "__main__":
    main()
