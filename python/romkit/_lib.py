"""Loading libromkit.so and declaring the C prototypes romkit's Python layer calls.

Every C function the package calls is declared in ``_PROTOTYPES`` below with its exact
argument and result types (``rom_int`` is ``int64_t``; opaque handles are ``void *``;
arrays are ``double *`` / ``rom_int *``). Nothing else in the package touches the raw
``ctypes.CDLL``: modules call ``lib()`` and get the declared functions.

The option records mirror the C structs; their sizes are checked against the library
(``rom_binding_struct_size``) when it is loaded, so a header change that is not mirrored
here fails loudly instead of corrupting memory.
"""
import ctypes
import os

c_int = ctypes.c_int
c_double = ctypes.c_double
c_size_t = ctypes.c_size_t
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
rom_int = ctypes.c_int64
P_double = ctypes.POINTER(c_double)
P_int = ctypes.POINTER(rom_int)
P_handle = ctypes.POINTER(c_void_p)
P_double_p = ctypes.POINTER(P_double)

ROM_AUTO_ROWS = -1


class PodOptions(ctypes.Structure):
    """Mirror of rom_pod_options (include/romkit/pod.h)."""
    _fields_ = [("truncation", c_int), ("energy", c_double), ("rank", rom_int),
                ("center", c_int), ("method", c_int), ("memory_budget", c_double),
                ("target_rank", rom_int), ("oversampling", rom_int),
                ("power_iterations", c_int), ("incremental_tolerance", c_double)]


class SnapshotsOptions(ctypes.Structure):
    """Mirror of rom_snapshots_options (include/romkit/snapshots.h)."""
    _fields_ = [("capacity_hint", rom_int), ("num_parameters", rom_int),
                ("stream_path", c_char_p), ("overwrite", c_int), ("keep_in_memory", c_int)]


class Heat2DOptions(ctypes.Structure):
    """Mirror of rom_heat2d_options (include/romkit/problems.h)."""
    _fields_ = [("n", rom_int), ("blocks_x", c_int), ("blocks_y", c_int)]


# Host callbacks (include/romkit/model.h). The array arguments are declared void * so
# that Python receives plain addresses (int, or None for NULL) and wraps them in numpy
# views without creating ctypes pointer objects on every call.
APPLY_TERM_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_void_p, c_void_p)
VECTOR_TERM_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_void_p)
COEFFICIENTS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
APPLY_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)

# name: (restype, [argtypes])
_PROTOTYPES = {
    # error.h
    "rom_strerror": (c_char_p, [c_int]),
    "rom_error_name": (c_char_p, [c_int]),
    # context.h
    "rom_ctx_destroy": (c_int, [P_handle]),
    "rom_ctx_rank": (c_int, [c_void_p]),
    "rom_ctx_size": (c_int, [c_void_p]),
    "rom_ctx_set_seed": (None, [c_void_p, ctypes.c_uint64]),
    "rom_ctx_seed": (ctypes.c_uint64, [c_void_p]),
    "rom_ctx_set_log_level": (None, [c_void_p, c_int]),
    "rom_ctx_log_level": (c_int, [c_void_p]),
    "rom_ctx_last_error": (c_char_p, [c_void_p]),
    "rom_ctx_last_error_code": (c_int, [c_void_p]),
    "rom_ctx_clear_error": (None, [c_void_p]),
    "rom_ctx_bytes_in_use": (c_size_t, [c_void_p]),
    "rom_ctx_bytes_peak": (c_size_t, [c_void_p]),
    # binding.h
    "rom_ctx_create_fortran": (c_int, [ctypes.c_int64, P_handle]),
    "rom_ctx_create_serial": (c_int, [P_handle]),
    "rom_mpi_init_serial": (c_int, []),
    "rom_mpi_finalize_if_initialized_by_romkit": (c_int, []),
    "rom_ctx_comm_fortran": (ctypes.c_int64, [c_void_p]),
    "rom_binding_struct_size": (c_size_t, [c_char_p]),
    # matrix.h
    "rom_dmat_create": (c_int, [c_void_p, rom_int, rom_int, P_handle]),
    "rom_dmat_wrap": (c_int, [c_void_p, rom_int, rom_int, P_double, rom_int, P_handle]),
    "rom_dmat_destroy": (c_int, [P_handle]),
    "rom_dmat_local_rows": (rom_int, [c_void_p]),
    "rom_dmat_global_rows": (rom_int, [c_void_p]),
    "rom_dmat_cols": (rom_int, [c_void_p]),
    "rom_dmat_row_offset": (rom_int, [c_void_p]),
    "rom_dmat_ld": (rom_int, [c_void_p]),
    "rom_dmat_data": (c_void_p, [c_void_p]),
    "rom_dmat_check_finite": (c_int, [c_void_p, c_char_p]),
    "rom_dmat_gather": (c_int, [c_void_p, c_int, P_double]),
    "rom_dmat_transpose_times": (c_int, [c_void_p, c_void_p, P_double, rom_int]),
    "rom_dmat_transpose_times_vector": (c_int, [c_void_p, P_double, P_double]),
    "rom_dmat_times_vector": (c_int, [c_void_p, P_double, P_double]),
    # snapshots.h
    "rom_snapshots_options_default": (SnapshotsOptions, []),
    "rom_snapshots_create": (c_int, [c_void_p, rom_int, ctypes.POINTER(SnapshotsOptions),
                                     P_handle]),
    "rom_snapshots_destroy": (c_int, [P_handle]),
    "rom_snapshots_add": (c_int, [c_void_p, P_double]),
    "rom_snapshots_add_tagged": (c_int, [c_void_p, P_double, c_double, P_double]),
    "rom_snapshots_add_block": (c_int, [c_void_p, rom_int, P_double, rom_int]),
    "rom_snapshots_count": (rom_int, [c_void_p]),
    "rom_snapshots_matrix": (c_int, [c_void_p, P_handle]),
    "rom_snapshots_write": (c_int, [c_void_p, c_char_p, c_int]),
    "rom_snapshots_read": (c_int, [c_void_p, c_char_p, rom_int, P_handle]),
    # pod.h
    "rom_pod_options_default": (PodOptions, []),
    "rom_svd_method_name": (c_char_p, [c_int]),
    "rom_svd_method_from_name": (c_int, [c_char_p, ctypes.POINTER(c_int)]),
    "rom_pod_compute": (c_int, [c_void_p, ctypes.POINTER(PodOptions), P_handle]),
    "rom_basis_create": (c_int, [c_void_p, P_double, rom_int, P_double, P_handle]),
    "rom_basis_destroy": (c_int, [P_handle]),
    "rom_basis_dim": (rom_int, [c_void_p]),
    "rom_basis_global_rows": (rom_int, [c_void_p]),
    "rom_basis_local_rows": (rom_int, [c_void_p]),
    "rom_basis_vectors": (c_void_p, [c_void_p]),
    "rom_basis_singular_values": (c_void_p, [c_void_p, P_int]),
    "rom_basis_reference": (c_void_p, [c_void_p]),
    "rom_basis_energy": (c_double, [c_void_p]),
    "rom_basis_project": (c_int, [c_void_p, P_double, P_double]),
    "rom_basis_lift": (c_int, [c_void_p, P_double, P_double]),
    "rom_basis_write": (c_int, [c_void_p, c_char_p, c_int]),
    "rom_basis_read": (c_int, [c_void_p, c_char_p, rom_int, P_handle]),
    # model.h
    "rom_model_create": (c_int, [c_void_p, rom_int, c_int, c_void_p, P_handle]),
    "rom_model_destroy": (c_int, [P_handle]),
    "rom_model_set_affine_operator": (c_int, [c_void_p, c_int, APPLY_TERM_FN, COEFFICIENTS_FN]),
    "rom_model_set_affine_rhs": (c_int, [c_void_p, c_int, VECTOR_TERM_FN, COEFFICIENTS_FN]),
    "rom_model_set_mass": (c_int, [c_void_p, APPLY_FN]),
    "rom_model_local_rows": (rom_int, [c_void_p]),
    "rom_model_num_parameters": (c_int, [c_void_p]),
    "rom_model_operator_terms": (c_int, [c_void_p]),
    "rom_model_rhs_terms": (c_int, [c_void_p]),
    "rom_model_apply_operator_term": (c_int, [c_void_p, c_int, P_double, P_double]),
    "rom_model_rhs_term": (c_int, [c_void_p, c_int, P_double]),
    "rom_model_apply_mass": (c_int, [c_void_p, P_double, P_double]),
    "rom_model_operator_coefficients": (c_int, [c_void_p, P_double, P_double]),
    "rom_model_rhs_coefficients": (c_int, [c_void_p, P_double, P_double]),
    # affine_rom.h
    "rom_affine_rom_build": (c_int, [c_void_p, c_void_p, P_handle]),
    "rom_affine_rom_destroy": (c_int, [P_handle]),
    "rom_affine_rom_dim": (rom_int, [c_void_p]),
    "rom_affine_rom_operator_terms": (c_int, [c_void_p]),
    "rom_affine_rom_rhs_terms": (c_int, [c_void_p]),
    "rom_affine_rom_solve": (c_int, [c_void_p, P_double, P_double, P_double]),
    "rom_affine_rom_transient": (c_int, [c_void_p, P_double, P_double, c_double, rom_int,
                                         P_double, P_double]),
    "rom_affine_rom_write": (c_int, [c_void_p, c_char_p, c_int]),
    "rom_affine_rom_read": (c_int, [c_void_p, c_char_p, P_handle]),
    # problems.h (P3)
    "rom_heat2d_options_default": (Heat2DOptions, []),
    "rom_heat2d_create": (c_int, [c_void_p, ctypes.POINTER(Heat2DOptions), rom_int, P_handle]),
    "rom_heat2d_destroy": (c_int, [P_handle]),
    "rom_heat2d_global_rows": (rom_int, [c_void_p]),
    "rom_heat2d_local_rows": (rom_int, [c_void_p]),
    "rom_heat2d_num_parameters": (c_int, [c_void_p]),
    "rom_heat2d_model": (c_void_p, [c_void_p]),
    "rom_heat2d_solve": (c_int, [c_void_p, P_double, P_double]),
    "rom_heat2d_transient": (c_int, [c_void_p, P_double, c_double, rom_int, P_double]),
}

# Functions of stages that are newer than the package's required core: declared when the
# library has them; the Python methods that need one say so when it is missing.
_OPTIONAL_PROTOTYPES = {
    "rom_basis_write_librom": (c_int, [c_void_p, c_char_p, c_int]),
    "rom_basis_read_librom": (c_int, [c_void_p, c_char_p, P_handle]),
}

_STRUCTS = {"rom_pod_options": PodOptions, "rom_snapshots_options": SnapshotsOptions,
            "rom_heat2d_options": Heat2DOptions}

_lib = None
_path = None


class _Functions:
    """The declared functions of one loaded library, as attributes."""

    def __init__(self, cdll, path):
        self.path = path
        self.cdll = cdll
        missing = []
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                missing.append(name)
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)
        for name, (restype, argtypes) in _OPTIONAL_PROTOTYPES.items():
            fn = getattr(cdll, name, None)
            if fn is not None:
                fn.restype = restype
                fn.argtypes = argtypes
                setattr(self, name, fn)
        if missing:
            raise OSError(f"{path} lacks {', '.join(missing)}: it is older than this Python "
                          "package; rebuild romkit")
        for cname, struct in _STRUCTS.items():
            size = self.rom_binding_struct_size(cname.encode())
            if size != ctypes.sizeof(struct):
                raise OSError(f"{path}: sizeof({cname}) is {size} in C but "
                              f"{ctypes.sizeof(struct)} in romkit/_lib.py: update the mirror")


def _candidates(path):
    here = os.path.dirname(os.path.abspath(__file__))
    return [path, os.environ.get("ROMKIT_LIB"),
            os.path.join(here, "..", "..", "build", "libromkit.so")]


def load_library(path=None):
    """Loads libromkit.so from `path`, $ROMKIT_LIB, or ../../build/libromkit.so next to
    the package (the build tree), declares its prototypes and returns the raw CDLL.

    The library is loaded with RTLD_GLOBAL so that Open MPI's plugins find MPI's symbols.
    Loading a second, different library in one process is refused.
    """
    return _load(path).cdll


def _load(path=None):
    global _lib, _path
    if _lib is not None:
        if path is None or os.path.realpath(path) == _path:
            return _lib
        raise OSError(f"romkit: {_path} is already loaded; cannot also load {path}")
    tried = []
    for candidate in _candidates(path):
        if not candidate:
            continue
        tried.append(candidate)
        if os.path.exists(candidate):
            real = os.path.realpath(candidate)
            cdll = ctypes.CDLL(real, mode=ctypes.RTLD_GLOBAL)
            _lib = _Functions(cdll, real)
            _path = real
            return _lib
        if candidate == path:
            raise OSError(f"romkit: library '{path}' does not exist")
    raise OSError("romkit: libromkit.so not found (tried: " + ", ".join(tried) +
                  "). Build romkit (make build, or cmake --build build) or set ROMKIT_LIB "
                  "to the path of libromkit.so")


def has(name):
    """Whether the loaded library provides the optional function `name`."""
    return hasattr(lib(), name)


def require(name, what):
    """Raises NotImplementedError naming `what` if the library lacks `name`."""
    if not has(name):
        raise NotImplementedError(f"{what} needs {name}, which {lib().path} does not provide "
                                  "(an older romkit): rebuild romkit")


def lib():
    """The loaded library's declared functions (loading it on first use)."""
    return _lib if _lib is not None else _load()
