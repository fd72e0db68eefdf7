"""romkit's Python package: zero-copy arrays, POD against numpy, errors from C, files."""
import gc
import os

import numpy as np
import pytest

from romkit._handles import address


def decaying(n_rows, n_cols, seed=0, decay=0.5):
    """A float64 Fortran matrix with well-separated singular values decay**i."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n_rows, n_cols)))
    V, _ = np.linalg.qr(rng.standard_normal((n_cols, n_cols)))
    s = 10.0 * decay ** np.arange(n_cols)
    return np.asfortranarray((U * s) @ V.T), s


def sign_normalise(U):
    """romkit's sign rule: the largest-magnitude entry of each column is positive."""
    U = U.copy()
    for j in range(U.shape[1]):
        i = np.argmax(np.abs(U[:, j]))
        if U[i, j] < 0:
            U[:, j] = -U[:, j]
    return U


# ---- library and context ---------------------------------------------------------------
def test_version_and_library(rk):
    import re
    cmake = open(os.path.join(os.path.dirname(__file__), "..", "..", "CMakeLists.txt")).read()
    assert rk.__version__ == re.search(r"project\(romkit VERSION ([0-9.]+)", cmake).group(1)
    assert os.path.exists(rk.library_path())
    assert rk.error_name(-6) == "ROM_ERR_DIM"


def test_context(rk, ctx):
    assert ctx.rank == 0 and ctx.size == 1
    assert ctx.seed == 42
    ctx.seed = 7
    assert ctx.seed == 7
    ctx.log_level = "warn"
    assert ctx.log_level == "warn"
    with pytest.raises(ValueError, match="log_level"):
        ctx.log_level = "loud"
    with pytest.raises(TypeError, match="mpi4py"):
        rk.Context(comm="world")
    ctx.close()
    assert ctx.closed
    with pytest.raises(ValueError, match="closed"):
        ctx.rank


# ---- zero-copy matrices ----------------------------------------------------------------
def test_wrap_is_zero_copy_and_sees_numpy_writes(rk, ctx):
    A = np.asfortranarray(np.arange(24, dtype=np.float64).reshape(6, 4))
    M = rk.DistributedMatrix(A, ctx)
    assert M.data_address == address(A)        # C uses numpy's buffer
    assert M.array is A
    assert (M.local_rows, M.global_rows, M.cols, M.ld, M.row_offset) == (6, 6, 4, 6, 0)
    np.testing.assert_allclose(M.transpose_times(M), A.T @ A, rtol=1e-14)
    A *= 2.0                                   # written by numpy, in place ...
    A[5, 3] = -1.0
    np.testing.assert_allclose(M.transpose_times(M), A.T @ A, rtol=1e-14)  # ... seen by C
    x = np.arange(4.0)
    np.testing.assert_allclose(M.times_vector(x), A @ x, rtol=1e-14)
    u = np.ones(6)
    np.testing.assert_allclose(M.transpose_times_vector(u), A.T @ u, rtol=1e-14)
    np.testing.assert_array_equal(M.gather(), A)


def test_wrap_keeps_array_alive(rk, ctx):
    M = rk.DistributedMatrix(np.asfortranarray(np.eye(5)), ctx)   # no other reference
    gc.collect()
    np.testing.assert_array_equal(M.transpose_times(M), np.eye(5))


def test_column_slice_wraps_with_leading_dimension(rk, ctx):
    A = np.asfortranarray(np.random.default_rng(1).standard_normal((7, 5)))
    B = A[:, 1:4]
    M = rk.DistributedMatrix(B, ctx)
    assert M.ld == 7 and M.cols == 3
    assert M.data_address == address(B)
    np.testing.assert_allclose(M.transpose_times(M), B.T @ B, rtol=1e-13)


def test_c_allocated_matrix_is_a_view(rk, ctx):
    M = rk.DistributedMatrix.zeros(5, 2, ctx)
    a = M.array
    assert address(a) == M.data_address
    a[:, 0] = 1.0                              # numpy writes into romkit's memory
    np.testing.assert_array_equal(M.transpose_times(M), [[5.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("bad, exc, words", [
    (np.zeros((4, 3), dtype=np.float32), TypeError, ["array", "float64", "float32"]),
    (np.zeros((4, 3)), ValueError, ["array", "Fortran"]),                  # C order
    (np.asfortranarray(np.zeros((8, 3)))[::2], ValueError, ["Fortran"]),  # strided rows
    (np.zeros((2, 2, 2)), ValueError, ["2-D"]),
    ([[1.0, 2.0]], TypeError, ["numpy.ndarray"]),
])
def test_wrap_refuses_instead_of_copying(rk, ctx, bad, exc, words):
    with pytest.raises(exc) as info:
        rk.DistributedMatrix(bad, ctx)
    for w in words:
        assert w in str(info.value)


# ---- POD ---------------------------------------------------------------------------------
def test_pod_matches_numpy_svd(rk, ctx):
    S, _ = decaying(60, 10)
    basis = rk.pod(S, rank=6, ctx=ctx)
    U, s, _ = np.linalg.svd(S, full_matrices=False)
    assert basis.dim == 6 and basis.global_rows == 60 and basis.local_rows == 60
    np.testing.assert_allclose(basis.singular_values, s, rtol=1e-10, atol=1e-10 * s[0])
    np.testing.assert_allclose(basis.vectors, sign_normalise(U[:, :6]), atol=1e-10)
    assert basis.reference is None
    assert abs(basis.energy - np.sum(s[:6] ** 2) / np.sum(s ** 2)) < 1e-12


def test_basis_vectors_share_romkit_memory(rk, ctx):
    S, _ = decaying(30, 6)
    basis = rk.pod(S, rank=4, ctx=ctx)
    V1, V2 = basis.vectors, basis.vectors
    assert address(V1) == basis.matrix.data_address     # numpy's pointer is C's pointer
    assert np.shares_memory(V1, V2)                      # no copy on each access
    assert not V1.flags.writeable                        # the basis is read-only from numpy
    with pytest.raises(ValueError):
        V1[0, 0] = 1.0
    sv = basis.singular_values
    assert np.shares_memory(sv, basis.singular_values)
    # The views keep the C basis alive after close(): no dangling pointer.
    expected = V1.copy()
    basis.close()
    del basis
    gc.collect()
    np.testing.assert_array_equal(V1, expected)


def test_pod_energy_center_and_methods(rk, ctx):
    S, s = decaying(40, 8)
    b = rk.pod(S, energy=0.99, ctx=ctx)
    e = np.cumsum(s ** 2) / np.sum(s ** 2)
    assert b.dim == int(np.argmax(e >= 0.99)) + 1
    c = rk.pod(S, rank=3, center=True, ctx=ctx)
    np.testing.assert_allclose(c.reference, S.mean(axis=1), atol=1e-13)
    Uc, sc, _ = np.linalg.svd(S - S.mean(axis=1, keepdims=True), full_matrices=False)
    np.testing.assert_allclose(c.singular_values[:3], sc[:3], rtol=1e-10)
    np.testing.assert_allclose(c.vectors, sign_normalise(Uc[:, :3]), atol=1e-10)
    for method in ("auto", "tsqr"):
        m = rk.pod(S, rank=3, method=method, ctx=ctx)
        np.testing.assert_allclose(m.singular_values[:3], s[:3], rtol=1e-10)
    with pytest.raises(ValueError, match="method must be one of"):
        rk.pod(S, method="magic", ctx=ctx)
    with pytest.raises(ValueError, match="energy or rank"):
        rk.pod(S, energy=0.9, rank=2, ctx=ctx)


def test_project_lift_round_trip(rk, ctx):
    S, _ = decaying(50, 5)
    b = rk.pod(S, rank=5, center=True, ctx=ctx)
    u = np.ascontiguousarray(S[:, 2])
    q = b.project(u)
    np.testing.assert_allclose(q, b.vectors.T @ (u - b.reference), atol=1e-12)
    out = np.empty(50)
    v = b.lift(q, out=out)
    assert v is out
    np.testing.assert_allclose(v, u, atol=1e-10)
    with pytest.raises(TypeError, match="float64"):
        b.project(u.astype(np.float32))
    with pytest.raises(ValueError, match="expected 50"):
        b.project(np.zeros(49))


def test_basis_from_vectors_and_truncated(rk, ctx):
    Q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((20, 4)))
    Q = np.asfortranarray(Q)
    b = rk.Basis.from_vectors(Q, singular_values=[4.0, 3.0, 2.0, 1.0], ctx=ctx)
    np.testing.assert_array_equal(b.vectors, Q)
    assert address(b.vectors) != address(Q)   # rom_basis_create copies by contract
    t = b.truncated(2)
    assert t.dim == 2
    np.testing.assert_array_equal(t.vectors, Q[:, :2])


def test_basis_file_round_trip(rk, ctx, tmp_path):
    S, _ = decaying(25, 6)
    b = rk.pod(S, rank=4, center=True, ctx=ctx)
    path = tmp_path / "basis.h5"
    b.write(path)
    r = rk.Basis.read(path, ctx)
    np.testing.assert_array_equal(r.vectors, b.vectors)
    np.testing.assert_array_equal(r.singular_values, b.singular_values)
    np.testing.assert_array_equal(r.reference, b.reference)
    with pytest.raises(rk.RomkitError) as info:
        b.write(path)
    assert info.value.name == "ROM_ERR_EXISTS"
    b.write(path, overwrite=True)


# ---- errors from C ---------------------------------------------------------------------------
def test_nan_surfaces_as_romkit_error_naming_the_row(rk, ctx):
    S, _ = decaying(12, 4)
    S[7, 2] = np.nan
    with pytest.raises(rk.RomkitError) as info:
        rk.pod(S, ctx=ctx)
    err = info.value
    assert err.code == -7 and err.name == "ROM_ERR_NOT_FINITE"
    assert "row 7" in err.message and "column 2" in err.message
    assert "rom_pod_compute" in err.message             # romkit's traceback comes along
    assert isinstance(err, RuntimeError)
    assert str(err).startswith("ROM_ERR_NOT_FINITE")


def test_missing_file_surfaces_as_io_error_naming_the_path(rk, ctx, tmp_path):
    missing = str(tmp_path / "no_such_basis.h5")
    with pytest.raises(rk.RomkitError) as info:
        rk.Basis.read(missing, ctx)
    assert info.value.name == "ROM_ERR_IO"
    assert missing in info.value.message
    with pytest.raises(rk.RomkitError, match="no_such_snapshots.h5"):
        rk.read_snapshots(str(tmp_path / "no_such_snapshots.h5"), ctx)


def test_closed_objects_refuse_use(rk, ctx):
    S, _ = decaying(10, 3)
    b = rk.pod(S, rank=2, ctx=ctx)
    b.close()
    with pytest.raises(ValueError, match="Basis is closed"):
        b.dim


# ---- snapshots -----------------------------------------------------------------------------
def test_snapshots_collect_pod_and_files(rk, ctx, tmp_path):
    S, _ = decaying(30, 6)
    stream = tmp_path / "stream.h5"
    with rk.Snapshots(30, ctx, num_parameters=2, stream_path=stream) as snaps:
        for j in range(6):
            snaps.add(np.ascontiguousarray(S[:, j]), time=0.1 * j, params=[j, 2.0 * j])
        assert snaps.count == 6 and len(snaps) == 6
        M = snaps.matrix()
        np.testing.assert_array_equal(M.gather(), S)
        b = rk.pod(snaps, rank=3)
        np.testing.assert_allclose(b.singular_values, np.linalg.svd(S, compute_uv=False),
                                   rtol=1e-10)
        with pytest.raises(rk.RomkitError) as info:
            bad = S[:, 0].copy()
            bad[11] = np.inf
            snaps.add(bad)
        assert info.value.name == "ROM_ERR_NOT_FINITE" and "11" in info.value.message
        assert snaps.count == 6                       # nothing was added
        snaps.add(np.zeros(30))
        with pytest.raises(ValueError, match="closed"):
            M.cols                                    # the old matrix view was retired
        with pytest.raises(TypeError, match="float64"):
            snaps.add(np.zeros(30, dtype=np.int64))
        snaps.write(tmp_path / "all.h5")
    R = rk.read_snapshots(stream, ctx)           # streamed: all 7 added, in order
    assert R.cols == 7
    np.testing.assert_array_equal(R.array[:, :6], S)
    R7 = rk.read_snapshots(tmp_path / "all.h5", ctx)
    assert R7.cols == 7


def test_snapshots_add_block(rk, ctx):
    S, _ = decaying(15, 5)
    with rk.Snapshots(15, ctx) as snaps:
        snaps.add_block(S[:, :3])
        snaps.add_block(S[:, 3:])
        np.testing.assert_array_equal(snaps.matrix().gather(), S)
        with pytest.raises(ValueError, match="Fortran"):
            snaps.add_block(np.ascontiguousarray(S))


def test_librom_interop_round_trip(rk, ctx, tmp_path):
    from romkit._lib import has
    if not has("rom_basis_write_librom"):
        pytest.skip("this libromkit.so has no libROM interop yet")
    S, _ = decaying(20, 5)
    b = rk.pod(S, rank=3, ctx=ctx)
    base = str(tmp_path / "basis")
    b.write_librom(base)
    assert os.path.exists(base + ".000000")
    r = rk.Basis.read_librom(base, ctx)
    np.testing.assert_allclose(r.vectors, b.vectors, rtol=0, atol=0)
    np.testing.assert_allclose(r.singular_values, b.singular_values, rtol=0, atol=0)



@pytest.mark.parametrize("with_intervals", [False, True])
def test_librom_pre_2023_basis_names_the_converter(rk, ctx, tmp_path, with_intervals):
    """A basis file of libROM before 2023 (every name suffixed with the time interval,
    written here with h5py in that layout) is refused with ROM_ERR_FORMAT and a pointer to
    libROM's scripts/data/update_basis_format.py; once the suffixes of interval 0 are
    dropped (what that script does) the same file reads back exactly (issue 15)."""
    h5py = pytest.importorskip("h5py")
    from romkit._lib import has
    if not has("rom_basis_read_librom"):
        pytest.skip("this libromkit.so has no libROM interop yet")
    rng = np.random.default_rng(3)
    V, _ = np.linalg.qr(rng.standard_normal((7, 2)))
    s = np.array([3.0, 0.5])
    path = str(tmp_path / "basis.000000")
    be_f, be_i = np.dtype(">f8"), np.dtype(">i4")
    with h5py.File(path, "w") as f:
        f["spatial_basis_000000"] = V.reshape(-1).astype(be_f)       # row-major, libROM
        f["spatial_basis_num_rows_000000"] = np.array([7], be_i)
        f["spatial_basis_num_cols_000000"] = np.array([2], be_i)
        f["singular_value_000000"] = s.astype(be_f)
        f["singular_value_size_000000"] = np.array([2], be_i)
        if with_intervals:
            f["num_time_intervals"] = np.array([1], be_i)
            f["time_000000"] = np.array([0.0], be_f)
    with pytest.raises(rk.RomkitError) as info:
        rk.Basis.read_librom(str(tmp_path / "basis"), ctx)
    msg = str(info.value)
    assert "update_basis_format.py" in msg and "before 2023" in msg and path in msg
    assert "no dataset" not in msg
    assert info.value.name == "ROM_ERR_FORMAT"
    with h5py.File(path, "r+") as f:                 # the conversion libROM's script does
        for key in list(f.keys()):
            if key.endswith("_000000"):
                f.move(key, key[:-7])
    r = rk.Basis.read_librom(str(tmp_path / "basis"), ctx)
    np.testing.assert_array_equal(r.vectors, V)
    np.testing.assert_array_equal(r.singular_values, s)

def test_context_outlives_close_while_objects_use_it(rk):
    ctx = rk.Context()
    S, s = decaying(12, 4)
    b = rk.pod(S, rank=2, ctx=ctx)
    with ctx:
        pass                                   # closed: the Python handle is released ...
    assert ctx.closed
    np.testing.assert_allclose(b.singular_values, s, rtol=1e-10)   # ... the C context is not
    assert b.project(np.ascontiguousarray(S[:, 0])).shape == (2,)
    with pytest.raises(ValueError, match="Context is closed"):
        rk.pod(S, ctx=ctx)


# ---- state vectors -----------------------------------------------------------------------
def test_state_vector_one_row_any_stride(rk, ctx):
    """A rank that owns one row: x[:, j] of a C-ordered (1, m) array has stride 8 m, which
    does not matter for one entry (issue 15); two strided entries are still refused."""
    from romkit._handles import state_vector
    C = np.ascontiguousarray(0.9 ** np.arange(12.0)[None, :])     # (1, 12), C order
    v = state_vector(C[:, 3], 1, "x")
    assert v.strides[0] == 8 * 12 and v[0] == 0.9 ** 3
    with pytest.raises(ValueError, match="stride"):
        state_vector(np.zeros((2, 5))[:, 1], 2, "x")
    # Through a public call: streaming DMD of x_{k+1} = 0.9 x_k on one row.
    s = rk.StreamingDMD(1, dt=1.0, ctx=ctx)
    for j in range(C.shape[1]):
        s.add(C[:, j])
    d = s.finalize()
    assert d.rank == 1 and abs(d.eigenvalues[0] - 0.9) < 1e-12
