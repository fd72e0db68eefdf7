"""The method registries (issue 11) from Python: romkit.SVD_METHODS, HYPER_METHODS and
ACTIVATIONS are the library's tables (asked here through plain ctypes, never spelled in the
package), in enum order, with the rules the C side checks."""
import ctypes

import numpy as np
import pytest


def table(rk, prefix):
    lib = ctypes.CDLL(rk.library_path())  # independent of the package's cffi bindings
    count = getattr(lib, prefix + "_count")
    name = getattr(lib, prefix + "_name")
    count.restype, name.restype, name.argtypes = ctypes.c_int, ctypes.c_char_p, [ctypes.c_int]
    return tuple(name(i).decode() for i in range(count()))


@pytest.mark.parametrize("attr, prefix", [("SVD_METHODS", "rom_svd_method"),
                                          ("HYPER_METHODS", "rom_hyper_method"),
                                          ("ACTIVATIONS", "rom_activation")])
def test_registry_is_the_library_table(rk, attr, prefix):
    reg = getattr(rk, attr)
    names = table(rk, prefix)
    assert len(names) >= 4 and tuple(reg) == names and reg == names and len(reg) == len(names)
    for i, n in enumerate(names):
        assert n in reg and reg[i] == n and reg.value(n) == i
        assert len(reg.description(n)) > 3
    assert "no-such-name" not in reg
    with pytest.raises(ValueError, match=", ".join(names)):
        reg.value("no-such-name")
    with pytest.raises(TypeError):
        reg.value(3)


def test_rules(rk):
    exact = {n for n in rk.HYPER_METHODS if "exact_samples" in rk.HYPER_METHODS.rules(n)}
    assert exact == {"deim", "qdeim"}
    assert rk.SVD_METHODS.rules("auto") == {"automatic", "streams"}
    assert rk.SVD_METHODS.rules("incremental") == {"target_rank", "streams"}
    assert rk.ACTIVATIONS.rules("swish") == set()


def test_methods_reach_the_library(rk, ctx):
    """Every name of the tables works where the package takes it."""
    rng = np.random.default_rng(0)
    S = np.asfortranarray(rng.standard_normal((40, 12)))
    for m in rk.SVD_METHODS:
        b = rk.pod(S, rank=3, method=m, ctx=ctx)
        assert b.dim == 3
    U = np.asfortranarray(np.linalg.qr(rng.standard_normal((40, 4)))[0])
    for m in rk.HYPER_METHODS:
        ns = 4 if "exact_samples" in rk.HYPER_METHODS.rules(m) else 6
        rows = rk.select_samples(U, m, ns, ctx=ctx)
        assert len(set(rows.tolist())) == ns
    with pytest.raises(ValueError, match="deim, qdeim, gnat, sopt, deim-os, qdeim-e"):
        rk.select_samples(U, "nope", 4, ctx=ctx)


def test_format_versions(rk):
    fv = rk._functions().rom_format_version
    assert fv(b"hyper") == 2 and fv(b"basis") == 1
