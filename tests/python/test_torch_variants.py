"""scripts/torch_p1_epoch.py's three formulations of P1's masked output layer (the
authors' pruned dense nn.Linear, the N x 36 band with unfold, the CSR custom autograd
function) compute the same function and the same gradients from the same weights, and
the band mask is docs/problems.md's (row i -> hidden 12 i .. 12 i + 35). Skips where
PyTorch (Debian's python3-torch) is not installed."""
import importlib.util
import os

import pytest

torch = pytest.importorskip("torch")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def script():
    spec = importlib.util.spec_from_file_location(
        "torch_p1_epoch", os.path.join(ROOT, "scripts", "torch_p1_epoch.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("variant", ["band", "csr"])
def test_variant_equals_dense_mask(variant):
    mod = script()
    N, k = 30, 4
    assert mod.band_columns(N) == 12 * (N - 1) + 36
    dense = mod.build(torch, N, k, "dense", torch.float64, seed=3)
    other = mod.build(torch, N, k, variant, torch.float64, seed=3)
    x = torch.rand(7, N, dtype=torch.float64)
    yd, yo = dense(x), other(x)
    assert torch.allclose(yd, yo, rtol=1e-12, atol=1e-14)
    ((yd - x) ** 2).mean().backward()
    ((yo - x) ** 2).mean().backward()
    # encoder and decoder hidden layer: same parameters, same gradients
    for a, b in zip(list(dense.parameters())[:4], list(other.parameters())[:4]):
        assert torch.allclose(a.grad, b.grad, rtol=1e-10, atol=1e-14)
    # the masked layer: the dense gradient at the mask's entries
    out = dense[1][2]
    W = out.weight_orig.grad
    rows = torch.arange(N).repeat_interleave(36)
    cols = (12 * torch.arange(N)[:, None] + torch.arange(36)[None, :]).reshape(-1)
    assert torch.count_nonzero(out.weight_mask) == 36 * N
    assert torch.all(out.weight_mask[rows, cols] == 1)
    g = other[1][2].weight.grad if variant == "band" else other[1][2].values.grad
    assert torch.allclose(W[rows, cols], g.reshape(-1), rtol=1e-10, atol=1e-14)
