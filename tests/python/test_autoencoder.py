"""The autoencoder through the package (python/romkit/autoencoder.py): a tiny P1 network
trained from Python equals `romkit train` bit for bit (weights, scaling, loss history);
encode / decode / the decoder Jacobian equal a numpy reimplementation of the forward pass;
the decoder sub-network equals the full decoder at its rows bit for bit; the loss gradient
equals finite differences; masks from their spelling match their definition
(docs/problems.md); bad input raises RomkitError with romkit's sentence."""
import os
import subprocess

import numpy as np
import pytest

N, M, K = 40, 30, 3


def romkit_bin(rk):
    path = os.environ.get("ROMKIT_BIN") or os.path.join(os.path.dirname(rk.library_path()),
                                                         "bin", "romkit")
    if not os.path.exists(path):
        pytest.skip(f"the romkit CLI is not at {path} (set ROMKIT_BIN)")
    return path


def data(n=N, m=M, seed=0):
    """m smooth profiles (travelling bumps of random height), N x m, Fortran order."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 2, n)
    cols = [a * np.exp(-((x - c) / 0.3) ** 2) for a, c in
            zip(rng.uniform(0.5, 1.5, m), np.linspace(0.3, 1.7, m))]
    return np.asfortranarray(np.array(cols).T)


ACT = {"identity": (lambda z: z, lambda z: np.ones_like(z)),
       "swish": (lambda z: z / (1 + np.exp(-z)),
                 lambda z: 1 / (1 + np.exp(-z)) + z * np.exp(-z) / (1 + np.exp(-z)) ** 2),
       "sigmoid": (lambda z: 1 / (1 + np.exp(-z)),
                   lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
       "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}


def dense_layers(ae):
    """(W, b, activation) per layer as dense numpy arrays, from the wrapper's views."""
    out = []
    for l, d in enumerate(ae.layers):
        w = ae.weights(l)
        if d["mask"] is None:
            W = np.array(w)
        else:
            W = np.zeros((d["out"], d["in"]))
            rp, ci = d["mask"]["row_ptr"], d["mask"]["col_index"]
            for i in range(d["out"]):
                W[i, ci[rp[i]:rp[i + 1]]] = w[rp[i]:rp[i + 1]]
        b = ae.bias(l)
        out.append((W, None if b is None else np.array(b), d["activation"]))
    return out


def forward(layers, x):
    """Values and the Jacobian (forward mode) of a stack of layers at x (vector)."""
    J = np.eye(x.shape[0])
    for W, b, act in layers:
        z = W @ x + (0 if b is None else b)
        f, df = ACT[act]
        x, J = f(z), df(z)[:, None] * (W @ J)
    return x, J


def test_train_equals_cli_bit_for_bit(rk, ctx, tmp_path):
    """`romkit train --problem P1` and Autoencoder(problem="P1").train: same weights,
    scaling and loss curve to the last bit (same recipe, seed and options)."""
    X = data()
    with rk.Snapshots(N, ctx=ctx) as S:
        S.add_block(X)
        S.write(tmp_path / "snap.h5")
    cli = subprocess.run([romkit_bin(rk), "train", str(tmp_path / "snap.h5"), "-o",
                          str(tmp_path / "cli.h5"), "--latent", str(K), "--problem", "P1",
                          "--epochs", "4", "--batch", "8", "--seed", "7", "--quiet"],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    ref = rk.Autoencoder.read(tmp_path / "cli.h5", ctx=ctx)

    ae = rk.Autoencoder(N, K, problem="P1", seed=7, ctx=ctx)
    assert ae.num_params == ref.num_params and len(ae.layers) == len(ref.layers)
    hist = ae.train(X, epochs=4, batch=8)
    assert np.array_equal(ae.params, ref.params)
    for key in ("loss", "val_loss", "lr"):
        assert hist[key].shape == (4,) and np.array_equal(hist[key], ref.history[key]), key
    assert np.array_equal(ae.shift, ref.shift) and np.array_equal(ae.scale, ref.scale)
    assert ae.best_epoch == ref.best_epoch and not ae.interrupted
    assert hist["loss"][-1] < hist["loss"][0]  # it learns

    # the data as a DistributedMatrix (rom_ae_train_dmat, the CLI's path): the same
    again = rk.Autoencoder(N, K, problem="P1", seed=7, ctx=ctx)
    again.train(rk.DistributedMatrix(X, ctx=ctx), epochs=4, batch=8)
    assert np.array_equal(again.params, ref.params)

    # write / read round trip
    ae.write(tmp_path / "py.h5")
    back = rk.Autoencoder.read(tmp_path / "py.h5", ctx=ctx)
    assert np.array_equal(back.params, ae.params)
    assert np.array_equal(back.history["loss"], hist["loss"])
    with pytest.raises(rk.RomkitError):
        ae.write(tmp_path / "py.h5")  # exists, no overwrite
    ae.write(tmp_path / "py.h5", overwrite=True)


def test_train_precision_single_equals_cli(rk, ctx, tmp_path):
    """train(precision="single") and `romkit train --precision single`: the same weights and
    loss curve bit for bit; the file stays float64; single tracks double; a bad name refused."""
    X = data()
    with rk.Snapshots(N, ctx=ctx) as S:
        S.add_block(X)
        S.write(tmp_path / "snap.h5")
    cli = subprocess.run([romkit_bin(rk), "train", str(tmp_path / "snap.h5"), "-o",
                          str(tmp_path / "cli.h5"), "--latent", str(K), "--problem", "P1",
                          "--epochs", "4", "--batch", "8", "--seed", "7", "--quiet",
                          "--precision", "single"],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    ref = rk.Autoencoder.read(tmp_path / "cli.h5", ctx=ctx)
    assert ref.params.dtype == np.float64
    ae = rk.Autoencoder(N, K, problem="P1", seed=7, ctx=ctx)
    hist = ae.train(X, epochs=4, batch=8, precision="single")
    assert np.array_equal(ae.params, ref.params)
    assert np.array_equal(hist["loss"], ref.history["loss"])
    dbl = rk.Autoencoder(N, K, problem="P1", seed=7, ctx=ctx)
    hd = dbl.train(X, epochs=4, batch=8, precision="double")
    assert not np.array_equal(hd["loss"], hist["loss"])  # float arithmetic really ran
    assert abs(hist["loss"][0] / hd["loss"][0] - 1) < 1e-4
    with pytest.raises(ValueError):
        ae.train(X, epochs=1, precision="half")


def test_forward_pass_matches_numpy(rk, ctx):
    X = data()
    ae = rk.Autoencoder(N, K, problem="P1", seed=3, ctx=ctx)
    rng = np.random.default_rng(1)
    shift, scale = rng.normal(size=N) * 0.1, rng.uniform(0.5, 2.0, N)
    ae.set_scaling(shift, scale)
    assert np.array_equal(ae.shift, shift) and np.array_equal(ae.scale, scale)
    layers = dense_layers(ae)
    ne = ae.num_encoder_layers
    assert [d["activation"] for d in ae.layers] == ["swish", "identity", "swish", "identity"]
    assert ae.layers[-1]["mask"] is not None and ae.layers[0]["bias"]
    # encode: x_s = (x - shift) / scale through the encoder
    Q = ae.encode(X)
    assert Q.shape == (K, M)
    for j in (0, 7, M - 1):
        q, _ = forward(layers[:ne], (X[:, j] - shift) / scale)
        np.testing.assert_allclose(Q[:, j], q, rtol=1e-12, atol=1e-13)
    # one column (gemv-sized) against the batch: the same up to round-off
    np.testing.assert_allclose(ae.encode(X[:, 5]), Q[:, 5], rtol=1e-13, atol=1e-15)
    # decode: shift + scale .* g_s(q), and the Jacobian scale .* dg_s/dq
    Y = ae.decode(Q)
    assert Y.shape == (N, M)
    for j in (0, 11):
        y, J = forward(layers[ne:], Q[:, j])
        np.testing.assert_allclose(Y[:, j], shift + scale * y, rtol=1e-12, atol=1e-13)
        g, Jc = ae.decode_jacobian(Q[:, j])
        np.testing.assert_allclose(g, shift + scale * y, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(Jc, scale[:, None] * J, rtol=1e-11, atol=1e-13)


def test_subnet_equals_decoder_rows(rk, ctx):
    ae = rk.Autoencoder(N, K, problem="P1", seed=5, ctx=ctx)
    rows = np.array([0, 3, 17, N - 1])
    sub = ae.subnet(rows)
    assert np.array_equal(sub.rows, rows) and sub.latent_dim == K and sub.output_dim == N
    # band:36:12 -> row i reads hidden units 12 i .. 12 i + 35 (docs/problems.md)
    assert sub.num_hidden_units == len(set().union(*(range(12 * i, 12 * i + 36) for i in rows)))
    q = np.array([0.3, -0.2, 0.5])
    g, J = sub.decode(q)
    gf, Jf = ae.decode_jacobian(q)
    assert np.array_equal(g, gf[rows]) and np.array_equal(J, Jf[rows])
    # the batched decode (dgemm) agrees to round-off
    np.testing.assert_allclose(ae.decode(q)[rows], g, rtol=1e-13, atol=1e-15)
    ae.close()  # the sub-network is a copy
    assert np.array_equal(sub.decode(q, jacobian=False)[0], g)
    with pytest.raises(rk.RomkitError, match="row"):
        rk.DecoderSubnet([rk.Autoencoder(N, K, seed=1, ctx=ctx)], [5, 2])


def test_loss_gradient_matches_finite_differences(rk, ctx):
    ae = rk.Autoencoder(12, 2, mask="band:6:3", hidden=10, activation="tanh", seed=2, ctx=ctx)
    Xs = data(12, 5, seed=4)
    loss, grad = ae.loss_gradient(Xs)
    Y = ae.decode(ae.encode(Xs))  # shift 0, scale 1: scaled = unscaled
    assert loss == pytest.approx(np.sum((Y - Xs) ** 2) / Xs.size, rel=1e-12)
    p = ae.params
    for i in (0, 7, ae.num_params // 2, ae.num_params - 1):
        h, old = 1e-6, p[i]
        p[i] = old + h
        lp, _ = ae.loss_gradient(Xs, gradient=False)
        p[i] = old - h
        lm, _ = ae.loss_gradient(Xs, gradient=False)
        p[i] = old
        assert grad[i] == pytest.approx((lp - lm) / (2 * h), rel=1e-5, abs=1e-9), i


def test_masks_and_layers(rk, ctx):
    m = rk.mask_from_spec("band:36:12", 50, ctx=ctx)
    assert m["cols"] == m["hidden"] == 12 * 49 + 36
    for i in (0, 20, 49):  # docs/problems.md: row i -> columns 12 i .. 12 i + 35
        assert list(m["col_index"][m["row_ptr"][i]:m["row_ptr"][i + 1]]) == \
            list(range(12 * i, 12 * i + 36))
    d = rk.mask_from_spec("dense:64", 50, ctx=ctx)
    assert d["hidden"] == 64 and d["row_ptr"] is None
    with pytest.raises(rk.RomkitError):
        rk.mask_from_spec("band:0:1", 50, ctx=ctx)
    # a custom stack: a CSR mask given as arrays equals the same mask given by spec
    enc = [{"in": 8, "out": 4, "activation": "sigmoid", "bias": True},
           {"in": 4, "out": 2}]
    rp = np.arange(0, 8 * 3 + 1, 3)
    ci = np.concatenate([np.arange(i, i + 3) for i in range(8)])
    a = rk.Autoencoder.from_layers(enc, [{"in": 2, "out": 10, "activation": "swish"},
                                         {"in": 10, "out": 8, "mask": (rp, ci)}], seed=9, ctx=ctx)
    b = rk.Autoencoder.from_layers(enc, [{"in": 2, "out": 10, "activation": "swish"},
                                         {"in": 10, "out": 8, "mask": "band:3:1"}], seed=9,
                                   ctx=ctx)
    assert np.array_equal(a.params, b.params) and a.layers[3]["mask"]["cols"] == 10
    assert np.array_equal(a.layers[3]["mask"]["col_index"], ci)
    assert a.weights(0).shape == (4, 8) and a.bias(1) is None and a.weights(3).shape == (24,)
    with pytest.raises(rk.RomkitError, match="layer"):  # sizes do not chain
        rk.Autoencoder.from_layers(enc, [{"in": 3, "out": 8}], ctx=ctx)
    with pytest.raises(rk.RomkitError):  # latent >= N
        rk.Autoencoder(10, 10, ctx=ctx)
    with pytest.raises(ValueError, match="activation"):
        rk.Autoencoder(10, 2, activation="relu", ctx=ctx)
    with pytest.raises(rk.RomkitError):  # a mask grid of another size than N
        rk.Autoencoder(10, 2, mask="stencil:3:3:4:2", ctx=ctx)


def test_train_refuses_bad_data(rk, ctx):
    ae = rk.Autoencoder(N, K, seed=1, ctx=ctx)
    X = data()
    X[3, 4] = np.nan
    with pytest.raises(rk.RomkitError, match="(?i)finite|nan"):
        ae.train(X, epochs=1)
    with pytest.raises(ValueError, match="rows"):
        ae.train(np.zeros((N + 1, 4), order="F"), epochs=1)
    with pytest.raises(TypeError):
        ae.train(X.astype(np.float32), epochs=1)


def test_two_ranks_equal_serial_cli(rk, ctx, tmp_path):
    """Python at 2 ranks (mpi4py; replicated data and distributed rows) with reproducible
    chunks equals `romkit train --reproducible 4` on 1 rank bit for bit."""
    import shutil
    import sys
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    if mpirun is None:
        pytest.skip("mpirun not found")
    if subprocess.run([py, "-c", "import mpi4py"], capture_output=True).returncode != 0:
        pytest.skip("mpi4py not installed for /usr/bin/python3")
    X = data()
    with rk.Snapshots(N, ctx=ctx) as S:
        S.add_block(X)
        S.write(tmp_path / "snap.h5")
    cli = subprocess.run([romkit_bin(rk), "train", str(tmp_path / "snap.h5"), "-o",
                          str(tmp_path / "cli.h5"), "--latent", str(K), "--problem", "P1",
                          "--epochs", "3", "--batch", "8", "--seed", "11", "--reproducible", "4",
                          "--quiet"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    env = dict(os.environ, ROMKIT_LIB=rk.library_path(), OPENBLAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [mpirun, "--oversubscribe", "-n", "2", py,
           os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_ae_check.py"),
           str(tmp_path / "rep.h5"), str(tmp_path / "dist.h5"), "3", "8", "4", "11"]
    if os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "OK rank 1 of 2" in run.stdout, run.stdout + run.stderr
    ref = rk.Autoencoder.read(tmp_path / "cli.h5", ctx=ctx)
    for name in ("rep.h5", "dist.h5"):
        got = rk.Autoencoder.read(tmp_path / name, ctx=ctx)
        assert np.array_equal(got.params, ref.params), name
        assert np.array_equal(got.history["loss"], ref.history["loss"]), name


def test_masked_encoder_matches_numpy(rk, ctx):
    """network="masked" (docs/autoencoder.md, "Encoder choice"): the encoder's first layer
    has the decoder mask's transpose as its pattern, and encode equals numpy on the dense
    equivalent; an unknown network name is refused naming the choices."""
    X = data()
    ae = rk.Autoencoder(N, K, problem="P1", network="masked", seed=3, ctx=ctx)
    e0, dl = ae.layers[0], ae.layers[-1]
    assert e0["mask"] is not None and e0["in"] == N and e0["out"] == dl["in"]
    P = np.zeros((dl["out"], dl["in"]), bool)
    rp, ci = dl["mask"]["row_ptr"], dl["mask"]["col_index"]
    for i in range(dl["out"]):
        P[i, ci[rp[i]:rp[i + 1]]] = True
    layers = dense_layers(ae)
    assert np.array_equal(layers[0][0] != 0, P.T)
    Q = ae.encode(X)
    for j in (0, M - 1):
        q, _ = forward(layers[:ae.num_encoder_layers], X[:, j])
        np.testing.assert_allclose(Q[:, j], q, rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match="paper"):
        rk.Autoencoder(N, K, problem="P1", network="bogus", ctx=ctx)
