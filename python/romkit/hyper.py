"""Hyper-reduction: sample selection, the sample mesh and the gappy-POD data (rom_hyper).

``select_samples(residual_basis, "gnat", num_samples)`` picks sample rows of a residual
basis (DEIM, QDEIM, GNAT, S-OPT, oversampled DEIM "deim-os", oversampled QDEIM "qdeim-e";
include/romkit/hyper.h).
:class:`HyperReduction` holds the samples, the gappy operator (P^T Phi_r)^+ and, with a
model and a state basis, the sample mesh (the union of the samples' stencils) with Phi and
u_ref at its rows: what a :class:`romkit.NonlinearROM` with GNAT needs. All of it is
computed in C and replicated on every rank; it can be written to and read from an HDF5
file (kind "hyper").
"""

import numpy as np

from ._handles import Wrapper, c_vector_view, c_view, dptr, iptr, state_vector
from ._lib import ffi, fspath, lib, new, out_arg, pointer_to, require
from ._registry import HYPER_RULES, Registry
from .affine import Model
from .context import resolve
from .errors import call
from .matrix import as_matrix
from .nonlinear import _int_array
from .pod import Basis

__all__ = ["HYPER_METHODS", "select_samples", "HyperReduction"]

# "deim", "qdeim", "gnat", "sopt", "deim-os", "qdeim-e": the library's table (hyper.h).
HYPER_METHODS = Registry("rom_hyper_method", "method", HYPER_RULES)


def _method(name):
    return HYPER_METHODS.value(name)


def _residual_matrix(residual_basis, ctx):
    """The residual basis as a DistributedMatrix (a Basis's vectors, a DistributedMatrix,
    or this rank's rows as a float64 Fortran numpy array, wrapped)."""
    if isinstance(residual_basis, Basis):
        return residual_basis.matrix
    return as_matrix(residual_basis, ctx, "residual_basis")


def _initial_rows(initial_samples):
    """The initial samples as a contiguous int64 array (None: empty)."""
    if initial_samples is None:
        return np.zeros(1, dtype=np.int64), 0
    rows = np.asarray(initial_samples)
    if rows.ndim != 1 or (rows.size and not np.issubdtype(rows.dtype, np.integer)):
        raise TypeError("initial_samples must be a 1-D sequence of integer row indices, got "
                        f"shape {rows.shape}, dtype {rows.dtype}")
    n = rows.size
    return np.ascontiguousarray(np.append(rows.astype(np.int64), 0)), n


def select_samples(residual_basis, method="gnat", num_samples=None, residual_dim=0, ctx=None,
                   initial_samples=None):
    """`num_samples` sample rows (global indices, in the order picked; int64 array,
    replicated) for the first `residual_dim` columns (0: all) of the residual basis.
    num_samples None: the number of columns used. initial_samples: rows to start from (the
    same on every rank; methods with the "initial_samples" rule, i.e. "sopt"): they are the
    first samples and the method adds the rest (rom_hyper_select_from). Collective.
    RomkitError: ROM_ERR_ARG (ns < nb, ns != nb for DEIM/QDEIM, ns > N, bad initial
    samples), ROM_ERR_SINGULAR, ROM_ERR_NOT_FINITE."""
    require("rom_hyper_select_from", "select_samples")
    U = _residual_matrix(residual_basis, ctx)
    nb = int(residual_dim)
    ns = int(num_samples) if num_samples is not None else (nb or U.cols)
    if ns < 0:
        raise ValueError(f"num_samples must be >= 0, got {ns}")
    init, ninit = _initial_rows(initial_samples)
    samples = np.zeros(max(ns, 1), dtype=np.int64)
    call(U._ctx_h, "rom_hyper_select_from", U._h, _method(method), nb, ns, ninit,
         iptr(init), iptr(samples))
    return samples[:ns]


class HyperReduction(Wrapper):
    """Hyper-reduction data (rom_hyper). Create with :meth:`create` or :meth:`read`."""

    _what = "HyperReduction"

    @classmethod
    def create(cls, residual_basis, model=None, state_basis=None, reference=None,
               method="gnat", num_samples=0, residual_dim=0, ctx=None, initial_samples=None):
        """Selects the samples on the residual basis (a Basis, DistributedMatrix or numpy
        array) and precomputes the gappy operator; with a model and a state basis also
        the sample mesh (the model's stencil callbacks) and Phi, u_ref at its rows.
        reference: u_ref on this rank's rows (None: the state basis's reference, or 0).
        num_samples 0: ns = nb; residual_dim 0: all columns. initial_samples: rows the
        selection starts from ("sopt"; see select_samples). Collective."""
        require("rom_hyper_create", "HyperReduction")
        if (model is None) != (state_basis is None):
            raise ValueError("give both model and state_basis, or neither (attach them later)")
        if model is not None and not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
        if state_basis is not None and not isinstance(state_basis, Basis):
            raise TypeError(f"state_basis must be a romkit.Basis, got {type(state_basis).__name__}")
        R = _residual_matrix(residual_basis, ctx if model is None else model.ctx)
        opts = pointer_to(lib().rom_hyper_options_default())
        opts.method = _method(method)
        opts.num_samples = int(num_samples)
        opts.residual_dim = int(residual_dim)
        init, ninit = _initial_rows(initial_samples)   # kept alive until the call returns
        opts.num_initial_samples = ninit
        opts.initial_samples = iptr(init)
        ref = None
        if reference is not None:
            if model is None:
                raise ValueError("reference needs a model and a state basis")
            ref = state_vector(reference, model.local_rows, "reference")
        out = new("rom_hyper **")
        args = (model._h if model is not None else None,
                state_basis._h if state_basis is not None else None, dptr(ref), R._h,
                opts, out)
        if model is not None:
            model._call("rom_hyper_create", *args)
        else:
            call(R._ctx_h, "rom_hyper_create", *args)
        return cls.__new__(cls)._adopt(R, out[0], "rom_hyper_destroy")

    @classmethod
    def read(cls, path, ctx=None):
        """Reads a hyper-reduction file (kind "hyper"). Collective."""
        require("rom_hyper_read", "HyperReduction.read")
        ctx = resolve(ctx)
        out = new("rom_hyper **")
        call(ctx._h, "rom_hyper_read", ctx._h, fspath(path), out)
        return cls.__new__(cls)._adopt(ctx, out[0], "rom_hyper_destroy")

    def write(self, path, overwrite=False):
        """Writes the file (rank 0's replicated data). Collective."""
        call(self._ctx_h, "rom_hyper_write", self._h, fspath(path), 1 if overwrite else 0)

    def attach(self, model, state_basis, reference=None):
        """(Re)builds the sample mesh from the model's stencils and stores Phi and u_ref
        at its rows (reference None: the basis's reference, or 0). Collective."""
        if not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
        if not isinstance(state_basis, Basis):
            raise TypeError(f"state_basis must be a romkit.Basis, got {type(state_basis).__name__}")
        ref = None if reference is None else state_vector(reference, model.local_rows, "reference")
        model._call("rom_hyper_attach", self._h, model._h, state_basis._h, dptr(ref))

    def attach_decoder(self, model, autoencoders, reference=None):
        """The nonlinear-manifold counterpart of :meth:`attach` (rom_hyper_attach_decoder;
        Kim et al. 2022, Sec. 4.2): builds the sample mesh from the model's stencils and
        stores the sub-network of the stacked decoders of `autoencoders` (a
        romkit.Autoencoder or a list, one per component) feeding it, and u_ref at its
        rows (reference: this rank's rows; None: 0). For a :class:`romkit.ManifoldROM`
        (NM-LSPG-HR). Collective."""
        from .autoencoder import Autoencoder
        if not isinstance(model, Model):
            raise TypeError(f"model must be a romkit.NonlinearModel, got {type(model).__name__}")
        aes = [autoencoders] if isinstance(autoencoders, Autoencoder) else list(autoencoders)
        if not aes or not all(isinstance(a, Autoencoder) for a in aes):
            raise TypeError("autoencoders must be a romkit.Autoencoder or a list of them")
        ref = None if reference is None else state_vector(reference, model.local_rows, "reference")
        handles = ffi.new("rom_ae *[]", [a._h for a in aes])
        model._call("rom_hyper_attach_decoder", self._h, model._h, len(aes), handles, dptr(ref))

    @property
    def decoder(self):
        """The decoder sub-network on the sample mesh (a romkit.DecoderSubnet owned by this
        object), or None for a linear hyper-reduction."""
        from .autoencoder import DecoderSubnet
        h = lib().rom_hyper_decoder(self._h)
        return None if h == ffi.NULL else DecoderSubnet._borrowed(self, h)

    # ---- sizes -------------------------------------------------------------------------------
    @property
    def method(self):
        """The selection method's name (one of HYPER_METHODS)."""
        return lib().rom_hyper_method_name(lib().rom_hyper_get_method(self._h)).decode()

    @property
    def num_samples(self):
        """ns."""
        return lib().rom_hyper_num_samples(self._h)

    @property
    def residual_dim(self):
        """nb."""
        return lib().rom_hyper_residual_dim(self._h)

    @property
    def state_dim(self):
        """k (0 until a state basis is attached)."""
        return lib().rom_hyper_state_dim(self._h)

    @property
    def num_needed(self):
        """Rows of the sample mesh (0 until attached)."""
        return lib().rom_hyper_num_needed(self._h)

    @property
    def global_rows(self):
        """N."""
        return lib().rom_hyper_global_rows(self._h)

    # ---- data (replicated; float arrays are read-only views of romkit's memory) ---------------
    @property
    def sample_rows(self):
        """The ns sampled global rows, ascending (an int64 copy)."""
        return _int_array(lib().rom_hyper_sample_rows(self._h), self.num_samples)

    @property
    def initial_samples(self):
        """The rows an S-OPT selection started from (initial_samples), ascending; empty if
        none (an int64 copy)."""
        n = lib().rom_hyper_num_initial_samples(self._h)
        return _int_array(lib().rom_hyper_initial_samples(self._h), n)

    @property
    def needed_rows(self):
        """The sample mesh's global rows, ascending (an int64 copy)."""
        return _int_array(lib().rom_hyper_needed_rows(self._h), self.num_needed)

    def _matrix(self, fn, rows, cols):
        return c_view(getattr(lib(), fn)(self._h), (rows, cols), (8, 8 * max(rows, 1)),
                      self._res, writeable=False)

    @property
    def state_basis_rows(self):
        """Phi[needed, :] (nneeded x k)."""
        return self._matrix("rom_hyper_state_basis_rows", self.num_needed, self.state_dim)

    @property
    def reference_rows(self):
        """u_ref[needed] (nneeded)."""
        return c_vector_view(lib().rom_hyper_reference_rows(self._h), self.num_needed,
                             self._res, writeable=False)

    @property
    def residual_basis_rows(self):
        """P^T Phi_r (ns x nb)."""
        return self._matrix("rom_hyper_residual_basis_rows", self.num_samples, self.residual_dim)

    @property
    def gappy_pinv(self):
        """(P^T Phi_r)^+ (nb x ns)."""
        return self._matrix("rom_hyper_gappy_pinv", self.residual_dim, self.num_samples)

    def __repr__(self):
        if self.closed:
            return "<romkit.HyperReduction closed>"
        return (f"<romkit.HyperReduction {self.method}, {self.num_samples} samples, "
                f"{self.residual_dim} residual vectors, k = {self.state_dim}, "
                f"{self.num_needed} sample-mesh rows>")
