"""Shallow masked autoencoders for nonlinear-manifold ROMs (include/romkit/autoencoder.h,
docs/autoencoder.md): the network of Kim, Choi, Widemann, Zohdi (J. Comput. Phys. 451, 2022),
built, trained, read and written by the C library::

    import numpy as np, romkit
    X = np.asfortranarray(snapshots)                   # N x m, float64, column-major
    ae = romkit.Autoencoder(X.shape[0], latent=5, problem="P1", seed=42)   # P1's network
    ae.train(X, epochs=100)                            # Adam, MSE, as `romkit train`
    ae.history["loss"], ae.best_epoch
    Q = ae.encode(X)                                   # 5 x m
    Y = ae.decode(Q)                                   # N x m
    g, J = ae.decode_jacobian(Q[:, 0])                 # g(q) (N) and dg/dq (N x 5)
    sub = ae.subnet([3, 17, 40])                       # the decoder at three output rows
    ae.write("ae.h5"); ae2 = romkit.Autoencoder.read("ae.h5")

A network comes from a recipe, as `romkit train` builds it: the named problem's
(``problem="P1"``, ``"P2"``, ...; romkit/problem.h) or, without one, P1's shallow network
(swish, encoder hidden 2N, decoder mask ``band:36:12``), with ``mask`` (``band:B:S``,
``stencil:NX:NY:B:S``, ``dense:H``), ``activation``, ``hidden`` and ``decoder_bias``
written over it. The same arguments and the same seed give the same weights, and
:meth:`Autoencoder.train` with the same options the same training, bit for bit, as
``romkit train SNAPSHOTS.h5 -o AE.h5 --latent K [--problem P] --seed S ...``.
:meth:`Autoencoder.from_layers` builds any other stack of dense or masked layers.

The manifold ROMs (NM-Galerkin, NM-LSPG, NM-LSPG-HR) are :class:`romkit.ManifoldROM`
(romkit.nonlinear); their hyper-reduction is :meth:`romkit.HyperReduction.attach_decoder`.
"""
import numpy as np

from ._handles import Wrapper, c_view, dptr, iptr, small_vector
from ._lib import ffi, fspath, lib, new, pointer_to, require
from .context import resolve
from .errors import call
from .matrix import DistributedMatrix, check_matrix_array

__all__ = ["Autoencoder", "DecoderSubnet", "mask_from_spec"]


def _activation(name):
    from . import ACTIVATIONS
    return ACTIVATIONS.value(name)


def _set_text(record, field, text):
    """Writes `text` into the char array `field` of a cffi record (NUL-terminated)."""
    data = str(text).encode()
    size = ffi.sizeof(getattr(record, field))
    if len(data) >= size:
        raise ValueError(f"{field} {text!r} is too long ({len(data)} bytes; at most {size - 1})")
    setattr(record, field, data)


def _int_copy(p, n):
    if not p or n == 0:
        return np.zeros(0, dtype=np.int64)
    return np.frombuffer(ffi.buffer(p, 8 * int(n)), dtype=np.int64).copy()


def _mask_arrays(m):
    """(row_ptr, col_index, cols) of a rom_mask * (copies)."""
    f = lib()
    rows, nnz = f.rom_mask_rows(m), f.rom_mask_nnz(m)
    return (_int_copy(f.rom_mask_row_ptr(m), rows + 1), _int_copy(f.rom_mask_col_index(m), nnz),
            int(f.rom_mask_cols(m)))


def mask_from_spec(spec, rows, ctx=None):
    """The decoder mask `spec` (``band:B:S``, ``stencil:NX:NY:B:S``, ``dense:H``; the
    spelling of ``romkit train --mask``) for `rows` outputs as a dict: ``hidden`` (the
    decoder hidden width) and, for a mask, ``row_ptr``, ``col_index`` (int64 CSR arrays)
    and ``cols``; ``row_ptr`` is None for ``dense:H``. Not collective."""
    require("rom_mask_from_spec", "mask_from_spec")
    ctx = resolve(ctx)
    out, hidden = new("rom_mask **"), new("rom_int *")
    call(ctx._h, "rom_mask_from_spec", ctx._h, str(spec).encode(), int(rows), out, hidden)
    d = {"hidden": int(hidden[0]), "row_ptr": None, "col_index": None, "cols": int(hidden[0])}
    if out[0] != ffi.NULL:
        try:
            d["row_ptr"], d["col_index"], d["cols"] = _mask_arrays(out[0])
        finally:
            lib().rom_mask_destroy(out)
    return d


def _make_mask(ctx, mask, rows, cols):
    """A rom_mask * (caller destroys) for a layer's mask: a spec string or a CSR tuple
    (row_ptr, col_index); None for a dense layer."""
    if mask is None:
        return ffi.NULL
    out = new("rom_mask **")
    if isinstance(mask, str):
        hidden = new("rom_int *")
        call(ctx._h, "rom_mask_from_spec", ctx._h, mask.encode(), int(rows), out, hidden)
        if out[0] == ffi.NULL:
            raise ValueError(f"mask {mask!r} is dense: give None for a dense layer")
        return out[0]
    try:
        row_ptr, col_index = mask[0], mask[1]
    except (TypeError, IndexError, KeyError):
        raise TypeError("a layer's mask must be None, a spec string ('band:36:12') or a tuple "
                        f"(row_ptr, col_index), got {type(mask).__name__}") from None
    rp = np.ascontiguousarray(row_ptr, dtype=np.int64)
    ci = np.ascontiguousarray(col_index, dtype=np.int64)
    if rp.ndim != 1 or rp.shape[0] != rows + 1:
        raise ValueError(f"mask row_ptr has shape {rp.shape}, expected ({rows + 1},) (out + 1)")
    call(ctx._h, "rom_mask_from_csr", ctx._h, int(rows), int(cols), iptr(rp),
         iptr(ci) if ci.size else None, out)
    return out[0]


def _as_columns(X, rows, name):
    """(array, m, ld, was_vector): a float64 Fortran block with `rows` rows (1-D: one
    column); copied to Fortran order when needed (inputs are never modified)."""
    a = np.asarray(X, dtype=np.float64)
    vector = a.ndim == 1
    if vector:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a vector or a {rows} x m matrix, got shape {a.shape}")
    if a.shape[0] != rows:
        raise ValueError(f"{name} has {a.shape[0]} rows, expected {rows}")
    a = np.asfortranarray(a)
    return a, a.shape[1], max(rows, 1), vector


class Autoencoder(Wrapper):
    """A (masked) autoencoder (rom_ae). Collective to create, train, read and write.

    Args:
        input_dim: N, the inputs (one component's rows).
        latent: k < N.
        problem: a registered problem's name: its network recipe at N inputs (its mask,
            activation, hidden widths, decoder bias, scaling, batch and epochs), as
            ``romkit train --problem``. None: P1's network without a problem.
        mask, activation, hidden, decoder_bias: written over the recipe (``--mask``,
            ``--activation``, ``--hidden``, ``--decoder-bias``).
        scaling: "minmax" or "none" for :meth:`train` (None: the recipe's).
        seed: weights; also the default training seed (``romkit train --seed``).
        network: the encoder, ``romkit train --network``: "paper" (None: dense N -> H) or
            "masked" (N -> H2 through the decoder mask transposed, then H2 -> k;
            docs/autoencoder.md, "Encoder choice").
    """

    _what = "Autoencoder"

    def __init__(self, input_dim, latent, problem=None, mask=None, activation=None, hidden=None,
                 decoder_bias=None, scaling=None, seed=42, ctx=None, network=None):
        require("rom_problem_autoencoder_create", "Autoencoder")
        ctx = resolve(ctx)
        f = lib()
        r = new("rom_problem_recipe *")
        if problem is None:
            f.rom_problem_recipe_default_network(r)
        else:
            call(ctx._h, "rom_problem_recipe_for_rows", ctx._h, str(problem).encode(),
                 int(input_dim), r)
            if r.ae_activation[0] == b"\0" or r.ae_mask[0] == b"\0":
                raise ValueError(f"problem {problem!r} has no autoencoder recipe: give mask and "
                                 "activation without a problem")
        if activation is not None:
            _activation(activation)  # a clear error listing the names
            _set_text(r, "ae_activation", activation)
        if mask is not None:
            _set_text(r, "ae_mask", mask)
        if hidden is not None:
            r.ae_hidden = int(hidden)
        if decoder_bias is not None:
            r.ae_decoder_bias = 1 if decoder_bias else 0
        if network is not None:
            if str(network).lower() not in ("paper", "masked"):
                raise ValueError(f"network must be 'paper' or 'masked', got {network!r}")
            _set_text(r, "ae_network", str(network).lower())
        if scaling is not None:
            if scaling not in ("none", "minmax"):
                raise ValueError(f"scaling must be 'none' or 'minmax', got {scaling!r}")
            r.ae_minmax_scaling = 1 if scaling == "minmax" else 0
        out = new("rom_ae **")
        call(ctx._h, "rom_problem_autoencoder_create", ctx._h, r, int(input_dim), int(latent),
             int(seed), out)
        self._adopt(ctx, out[0], "rom_ae_destroy")
        self._recipe, self._seed = r, int(seed)

    @classmethod
    def _from_handle(cls, parent, handle, seed=42, recipe=None):
        self = cls.__new__(cls)._adopt(parent, handle, "rom_ae_destroy")
        self._recipe, self._seed = recipe, int(seed)
        return self

    @classmethod
    def from_layers(cls, encoder, decoder, seed=42, ctx=None):
        """Any stack of layers (rom_ae_create): `encoder` (N -> ... -> k) and `decoder`
        (k -> ... -> N) are lists of dicts with ``in``, ``out``, ``activation`` (default
        "identity"), ``bias`` (default False) and ``mask`` (None: dense; a spec string for
        ``out`` rows, e.g. "band:36:12"; or a CSR tuple (row_ptr, col_index) of an out x in
        pattern). Weights as nn.Linear from `seed`. Collective."""
        require("rom_ae_create", "Autoencoder.from_layers")
        ctx = resolve(ctx)
        layers = list(encoder) + list(decoder)
        specs = ffi.new("rom_layer_spec[]", max(len(layers), 1))
        masks = []
        try:
            for i, d in enumerate(layers):
                unknown = set(d) - {"in", "out", "activation", "bias", "mask"}
                if unknown:
                    raise ValueError(f"layer {i}: unknown keys {sorted(unknown)}")
                s = specs[i]
                setattr(s, "in", int(d["in"]))
                s.out = int(d["out"])
                s.activation = _activation(d.get("activation", "identity"))
                s.bias = 1 if d.get("bias", False) else 0
                m = _make_mask(ctx, d.get("mask"), s.out, getattr(s, "in"))
                if m != ffi.NULL:
                    masks.append(m)
                s.mask = m
            out = new("rom_ae **")
            call(ctx._h, "rom_ae_create", ctx._h, len(encoder), specs, len(decoder),
                 specs + len(encoder), int(seed), out)
        finally:
            for m in masks:
                lib().rom_mask_destroy(ffi.new("rom_mask **", m))
        return cls._from_handle(ctx, out[0], seed)

    @classmethod
    def read(cls, path, ctx=None):
        """Reads an autoencoder file (kind "autoencoder", e.g. from ``romkit train``) on
        any number of ranks. Collective."""
        require("rom_ae_read", "Autoencoder.read")
        ctx = resolve(ctx)
        out = new("rom_ae **")
        call(ctx._h, "rom_ae_read", ctx._h, fspath(path), out)
        return cls._from_handle(ctx, out[0])

    def write(self, path, overwrite=False):
        """Writes the autoencoder file (weights, scaling, history). Collective."""
        call(self._ctx_h, "rom_ae_write", self._h, fspath(path), 1 if overwrite else 0)

    # ---- structure ---------------------------------------------------------------------------
    @property
    def input_dim(self):
        """N."""
        return lib().rom_ae_input_dim(self._h)

    @property
    def latent_dim(self):
        """k."""
        return lib().rom_ae_latent_dim(self._h)

    @property
    def num_layers(self):
        return lib().rom_ae_num_layers(self._h)

    @property
    def num_encoder_layers(self):
        return lib().rom_ae_num_encoder_layers(self._h)

    @property
    def num_params(self):
        return lib().rom_ae_num_params(self._h)

    @property
    def layers(self):
        """One dict per layer (encoder first): in, out, activation (name), bias (bool),
        mask (None for dense, else a dict row_ptr, col_index, cols: copies)."""
        from . import ACTIVATIONS
        out = []
        spec = new("rom_layer_spec *")
        for l in range(self.num_layers):
            call(self._ctx_h, "rom_ae_layer", self._h, l, spec)
            s = spec[0]
            mask = None
            if s.mask != ffi.NULL:
                rp, ci, cols = _mask_arrays(s.mask)
                mask = {"row_ptr": rp, "col_index": ci, "cols": cols}
            out.append({"in": int(getattr(s, "in")), "out": int(s.out),
                        "activation": ACTIVATIONS[int(s.activation)], "bias": bool(s.bias),
                        "mask": mask})
        return out

    def _layer_check(self, l):
        n = self.num_layers
        if not isinstance(l, (int, np.integer)) or not 0 <= l < n:
            raise IndexError(f"layer must be 0 .. {n - 1}, got {l!r}")
        spec = new("rom_layer_spec *")
        call(self._ctx_h, "rom_ae_layer", self._h, int(l), spec)
        return spec[0]

    @property
    def params(self):
        """All trainable parameters packed in one vector (a writeable view of romkit's
        memory: per layer the weights then the bias)."""
        return c_view(lib().rom_ae_params(self._h), (self.num_params,), (8,), self._res)

    def weights(self, l):
        """Layer l's weights, a writeable view: dense out x in (row-major), masked the nnz
        values in CSR order."""
        s = self._layer_check(l)
        p = lib().rom_ae_layer_weights(self._h, int(l))
        n_in, n_out = int(getattr(s, "in")), int(s.out)
        if s.mask != ffi.NULL:
            return c_view(p, (int(lib().rom_mask_nnz(s.mask)),), (8,), self._res)
        return c_view(p, (n_out, n_in), (8 * n_in, 8), self._res)

    def bias(self, l):
        """Layer l's bias (a writeable view of `out` values), or None."""
        s = self._layer_check(l)
        p = lib().rom_ae_layer_bias(self._h, int(l))
        if p == ffi.NULL:
            return None
        return c_view(p, (int(s.out),), (8,), self._res)

    # ---- scaling -----------------------------------------------------------------------------
    @property
    def shift(self):
        """Per-feature input shift (a copy)."""
        return c_view(lib().rom_ae_shift(self._h), (self.input_dim,), (8,), self._res,
                      writeable=False).copy()

    @property
    def scale(self):
        """Per-feature input scale (a copy)."""
        return c_view(lib().rom_ae_scale(self._h), (self.input_dim,), (8,), self._res,
                      writeable=False).copy()

    def set_scaling(self, shift, scale):
        """x_s = (x - shift) / scale per feature (scale > 0, finite)."""
        n = self.input_dim
        sh, sc = small_vector(shift, n, "shift"), small_vector(scale, n, "scale")
        call(self._ctx_h, "rom_ae_set_scaling", self._h, dptr(sh), dptr(sc))

    def scaling_minmax(self, X):
        """The paper's P2 scaling from the columns of X (N x m): shift = min, scale = max - min."""
        a, m, ld, _ = _as_columns(X, self.input_dim, "X")
        call(self._ctx_h, "rom_ae_scaling_minmax", self._h, m, dptr(a), ld)

    # ---- evaluation --------------------------------------------------------------------------
    def encode(self, X):
        """Latent codes of X (an N-vector: a k-vector; N x m: k x m, Fortran order).
        Not collective."""
        a, m, ld, vector = _as_columns(X, self.input_dim, "X")
        k = self.latent_dim
        Q = np.zeros((k, m), order="F")
        if m:
            call(self._ctx_h, "rom_ae_encode", self._h, m, dptr(a), ld, dptr(Q), k)
        return Q[:, 0] if vector else Q

    def decode(self, Q):
        """Outputs shift + scale .* g_s(q) (a k-vector: an N-vector; k x m: N x m).
        Not collective."""
        k, n = self.latent_dim, self.input_dim
        a, m, _, vector = _as_columns(Q, k, "Q")
        X = np.zeros((n, m), order="F")
        if m:
            call(self._ctx_h, "rom_ae_decode", self._h, m, dptr(a), k, dptr(X), n)
        return X[:, 0] if vector else X

    def decode_jacobian(self, q):
        """(g, J): g(q) (N, unscaled as decode) and dg/dq (N x k, Fortran order), by
        forward-mode differentiation. Not collective."""
        k, n = self.latent_dim, self.input_dim
        q = small_vector(q, k, "q")
        g = np.zeros(n)
        J = np.zeros((n, k), order="F")
        call(self._ctx_h, "rom_ae_decode_jacobian", self._h, dptr(q), dptr(g), dptr(J), n)
        return g, J

    def loss_gradient(self, Xs, gradient=True):
        """(loss, grad) of the reconstruction of the already scaled inputs Xs (N x m):
        loss = sum (g(h(x)) - x)^2 / (m N), grad with respect to :attr:`params` (None
        with gradient=False). Not collective."""
        a, m, ld, _ = _as_columns(Xs, self.input_dim, "Xs")
        loss = new("double *")
        grad = np.zeros(self.num_params) if gradient else None
        call(self._ctx_h, "rom_ae_loss_gradient", self._h, m, dptr(a), ld, loss, dptr(grad))
        return float(loss[0]), grad

    def subnet(self, rows):
        """The decoder sub-network feeding output `rows` (ascending): a DecoderSubnet."""
        return DecoderSubnet([self], rows)

    # ---- training ----------------------------------------------------------------------------
    def train(self, X, epochs=None, batch=None, learning_rate=None, patience=None, factor=None,
              min_lr=None, early_stop=None, validation=None, seed=None, reproducible=None,
              max_seconds=None, scaling=None, beta1=None, beta2=None, eps=None,
              checkpoint=None, checkpoint_every=None, resume=None, stop_after_epoch=None,
              precision=None):
        """Trains on the columns of X (rom_ae_train): a float64 numpy array N x m (the
        same on every rank), or a DistributedMatrix / Snapshots of N rows (gathered to
        every rank, rom_ae_train_dmat, as ``romkit train`` does). Collective.

        The defaults are ``romkit train``'s: rom_ae_train_options_default, then the
        recipe's batch, epochs and scaling (a network built with ``problem=``), then the
        arguments given (``--epochs``, ``--batch``, ``--lr``, ``--patience``,
        ``--early-stop``, ``--validation``, ``--seed``, ``--reproducible``,
        ``--max-seconds``, ``--scaling``). seed None: the seed the network was created
        with. A network read from a file keeps its scaling (scaling None: "none").
        checkpoint / resume: checkpoint file paths (docs/autoencoder.md). precision:
        "double" (default) or "single" (``--precision``: the forward and backward passes in
        float32; the weights, Adam and the loss sums stay double, docs/autoencoder.md,
        "Precision"). Returns :attr:`history`.
        """
        from .snapshots import Snapshots
        f = lib()
        o = pointer_to(f.rom_ae_train_options_default())
        if self._recipe is not None:
            f.rom_problem_train_options(self._recipe, o)
        else:
            o.scale_minmax = 0
        values = {"epochs": epochs, "batch": batch, "patience": patience,
                  "early_stop": early_stop, "reproducible_chunks": reproducible,
                  "checkpoint_every": checkpoint_every, "stop_after_epoch": stop_after_epoch}
        for field, v in values.items():
            if v is not None:
                setattr(o, field, int(v))
        reals = {"learning_rate": learning_rate, "factor": factor, "min_lr": min_lr,
                 "validation_fraction": validation, "max_seconds": max_seconds,
                 "beta1": beta1, "beta2": beta2, "eps": eps}
        for field, v in reals.items():
            if v is not None:
                setattr(o, field, float(v))
        o.seed = self._seed if seed is None else int(seed)
        if scaling is not None:
            if scaling not in ("none", "minmax"):
                raise ValueError(f"scaling must be 'none' or 'minmax', got {scaling!r}")
            o.scale_minmax = 1 if scaling == "minmax" else 0
        if precision is not None:
            names = {"double": f.ROM_PRECISION_DOUBLE, "single": f.ROM_PRECISION_SINGLE}
            if precision not in names:
                raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
            o.precision = names[precision]
        keep = []
        for field, path in (("checkpoint_path", checkpoint), ("resume_path", resume)):
            if path is not None:
                s = ffi.new("char[]", fspath(path))
                keep.append(s)
                setattr(o, field, s)
        if isinstance(X, Snapshots):
            X = X.matrix()
        if isinstance(X, DistributedMatrix):
            call(self._ctx_h, "rom_ae_train_dmat", self._h, X._h, o)
        else:
            if not isinstance(X, np.ndarray):
                raise TypeError(f"X must be a numpy.ndarray (N x m, float64), a "
                                f"DistributedMatrix or Snapshots, got {type(X).__name__}")
            rows, m, ld = check_matrix_array(X, "X")
            if rows != self.input_dim:
                raise ValueError(f"X has {rows} rows, the network {self.input_dim} inputs")
            call(self._ctx_h, "rom_ae_train", self._h, m, dptr(X) if X.size else None, ld, o)
        del keep
        return self.history

    @property
    def history(self):
        """Per-epoch training history: dict of float64 arrays loss, val_loss, lr, seconds."""
        n = new("rom_int *")
        ptrs = [new("double **") for _ in range(4)]
        call(self._ctx_h, "rom_ae_history", self._h, n, *ptrs)
        out = {}
        for key, p in zip(("loss", "val_loss", "lr", "seconds"), ptrs):
            out[key] = (np.frombuffer(ffi.buffer(p[0], 8 * n[0]), dtype=np.float64).copy()
                        if n[0] and p[0] != ffi.NULL else np.zeros(0))
        return out

    @property
    def best_epoch(self):
        """The epoch (0-based) whose weights were kept; -1 before training."""
        return lib().rom_ae_best_epoch(self._h)

    @property
    def interrupted(self):
        """True if the last training stopped on stop_after_epoch (a checkpoint)."""
        return bool(lib().rom_ae_train_interrupted(self._h))

    def __repr__(self):
        if self.closed:
            return "<romkit.Autoencoder closed>"
        sizes = [self.input_dim] + [d["out"] for d in self.layers]
        return (f"<romkit.Autoencoder {' -> '.join(map(str, sizes))}, "
                f"{self.num_params} parameters>")


class DecoderSubnet(Wrapper):
    """The part of stacked decoders that feeds a few output rows (rom_ae_subnet; Kim et al.
    2022, Sec. 4.2): decoder b maps latent slice b to output rows block b. Its values and
    Jacobian equal the full decoders' at those rows bit for bit. A copy: the autoencoders
    may be closed afterwards. Not collective."""

    _what = "DecoderSubnet"

    def __init__(self, autoencoders, rows):
        require("rom_ae_subnet_create", "DecoderSubnet")
        aes = list(autoencoders)
        if not aes or not all(isinstance(a, Autoencoder) for a in aes):
            raise TypeError("autoencoders must be a non-empty list of romkit.Autoencoder")
        r = np.ascontiguousarray(rows, dtype=np.int64).reshape(-1)
        handles = ffi.new("rom_ae *[]", [a._h for a in aes])
        out = new("rom_ae_subnet **")
        call(aes[0]._ctx_h, "rom_ae_subnet_create", len(aes), handles, r.shape[0],
             iptr(r) if r.size else None, out)
        self._adopt(aes[0], out[0], "rom_ae_subnet_destroy")

    @classmethod
    def _borrowed(cls, parent, handle):
        return cls.__new__(cls)._adopt(parent, handle, None)

    @property
    def rows(self):
        """The output rows (int64 copy)."""
        return _int_copy(lib().rom_ae_subnet_rows(self._h), self.num_rows)

    @property
    def num_rows(self):
        return lib().rom_ae_subnet_num_rows(self._h)

    @property
    def latent_dim(self):
        return lib().rom_ae_subnet_latent_dim(self._h)

    @property
    def output_dim(self):
        return lib().rom_ae_subnet_output_dim(self._h)

    @property
    def num_hidden_units(self):
        return lib().rom_ae_subnet_num_hidden_units(self._h)

    @property
    def num_params(self):
        return lib().rom_ae_subnet_num_params(self._h)

    def decode(self, q, jacobian=True):
        """(g, J): the outputs at the rows (unscaled) and, with jacobian, their Jacobian
        (num_rows x latent_dim, Fortran order; else None)."""
        k, n = self.latent_dim, self.num_rows
        q = small_vector(q, k, "q")
        g = np.zeros(n)
        J = np.zeros((n, k), order="F") if jacobian else None
        call(self._ctx_h, "rom_ae_subnet_decode", self._h, dptr(q), dptr(g) if n else None,
             dptr(J) if jacobian and n else None, max(n, 1))
        return g, J

    def __repr__(self):
        if self.closed:
            return "<romkit.DecoderSubnet closed>"
        return (f"<romkit.DecoderSubnet {self.num_rows} rows, {self.num_hidden_units} hidden "
                f"units, {self.num_params} parameters>")
