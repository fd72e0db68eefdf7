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


class IsvdOptions(ctypes.Structure):
    """Mirror of rom_isvd_options (include/romkit/isvd.h)."""
    _fields_ = [("max_rank", rom_int), ("tolerance", c_double)]


class Burgers1DOptions(ctypes.Structure):
    """Mirror of rom_burgers1d_options (include/romkit/problems.h)."""
    _fields_ = [("unknowns", rom_int), ("length", c_double), ("final_time", c_double),
                ("steps", rom_int)]


class Burgers2DOptions(ctypes.Structure):
    """Mirror of rom_burgers2d_options (include/romkit/problems.h)."""
    _fields_ = [("grid_points", rom_int), ("reynolds", c_double), ("final_time", c_double),
                ("steps", rom_int)]


class Csr(ctypes.Structure):
    """Mirror of rom_csr (include/romkit/model.h)."""
    _fields_ = [("local_rows", rom_int), ("global_cols", rom_int), ("row_ptr", P_int),
                ("col_index", P_int), ("values", P_double)]


# void (*rom_fom_observer_fn)(void *user, rom_int step, int iteration, const double *u)
FOM_OBSERVER_FN = ctypes.CFUNCTYPE(None, c_void_p, rom_int, c_int, c_void_p)


class FomOptions(ctypes.Structure):
    """Mirror of rom_fom_options (include/romkit/fom.h)."""
    _fields_ = [("scheme", c_int), ("max_iterations", c_int), ("tolerance", c_double),
                ("solver", c_int), ("observer", FOM_OBSERVER_FN), ("observer_user", c_void_p)]


class FomStats(ctypes.Structure):
    """Mirror of rom_fom_stats (include/romkit/fom.h)."""
    _fields_ = [("steps", rom_int), ("newton_iterations", rom_int),
                ("max_step_iterations", c_int), ("max_final_residual", c_double),
                ("seconds", c_double), ("seconds_velocity", c_double),
                ("seconds_solve", c_double)]


class NlromOptions(ctypes.Structure):
    """Mirror of rom_nlrom_options (include/romkit/nonlinear_rom.h)."""
    _fields_ = [("projection", c_int), ("scheme", c_int), ("lspg_solver", c_int),
                ("max_iterations", c_int), ("tolerance", c_double),
                ("fail_if_not_converged", c_int), ("divergence_factor", c_double)]


class NlromStats(ctypes.Structure):
    """Mirror of rom_nlrom_stats (include/romkit/nonlinear_rom.h)."""
    _fields_ = [("steps", rom_int), ("iterations", rom_int), ("residual_evaluations", rom_int),
                ("jacobian_evaluations", rom_int), ("not_converged_steps", rom_int),
                ("max_iterations_in_a_step", c_int), ("last_residual", c_double),
                ("max_final_residual", c_double), ("seconds", c_double)]


class HyperOptions(ctypes.Structure):
    """Mirror of rom_hyper_options (include/romkit/hyper.h)."""
    _fields_ = [("method", c_int), ("num_samples", rom_int), ("residual_dim", rom_int)]


# Host callbacks (include/romkit/model.h). The array arguments are declared void * so
# that Python receives plain addresses (int, or None for NULL) and wraps them in numpy
# views without creating ctypes pointer objects on every call.
APPLY_TERM_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_void_p, c_void_p)
VECTOR_TERM_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_void_p)
COEFFICIENTS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
APPLY_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
# Nonlinear callbacks: (user, u, t, mu, F); (user, u, t, mu, ncols, X, ldx, Y, ldy);
# (user, u, t, mu, rom_csr *J); stencil (user, row, max, cols, count); sampled velocity
# (user, nrows, rows, nneeded, needed, u_needed, t, mu, F_rows) and Jacobian (... mu,
# ncols, X, ldx, Y, ldy).
VELOCITY_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_double, c_void_p, c_void_p)
VELOCITY_JACOBIAN_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_double, c_void_p, rom_int,
                                        c_void_p, rom_int, c_void_p, rom_int)
VELOCITY_JACOBIAN_CSR_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_double, c_void_p,
                                            ctypes.POINTER(Csr))
STENCIL_FN = ctypes.CFUNCTYPE(c_int, c_void_p, rom_int, rom_int, c_void_p, c_void_p)
VELOCITY_SAMPLED_FN = ctypes.CFUNCTYPE(c_int, c_void_p, rom_int, c_void_p, rom_int, c_void_p,
                                       c_void_p, c_double, c_void_p, c_void_p)
VELOCITY_JACOBIAN_SAMPLED_FN = ctypes.CFUNCTYPE(c_int, c_void_p, rom_int, c_void_p, rom_int,
                                                c_void_p, c_void_p, c_double, c_void_p, rom_int,
                                                c_void_p, rom_int, c_void_p, rom_int)

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
    # pod.h (out-of-core POD)
    "rom_pod_compute_file": (c_int, [c_void_p, c_char_p, ctypes.POINTER(PodOptions), P_handle]),
    # isvd.h
    "rom_isvd_options_default": (IsvdOptions, []),
    "rom_isvd_create": (c_int, [c_void_p, rom_int, ctypes.POINTER(IsvdOptions), P_handle]),
    "rom_isvd_add": (c_int, [c_void_p, P_double]),
    "rom_isvd_count": (rom_int, [c_void_p]),
    "rom_isvd_singular_values": (c_void_p, [c_void_p, P_int]),
    "rom_isvd_basis": (c_int, [c_void_p, ctypes.POINTER(PodOptions), P_handle]),
    "rom_isvd_destroy": (c_int, [P_handle]),
    # model.h (nonlinear)
    "rom_model_set_velocity": (c_int, [c_void_p, VELOCITY_FN, VELOCITY_JACOBIAN_FN]),
    "rom_model_set_velocity_jacobian_csr": (c_int, [c_void_p, VELOCITY_JACOBIAN_CSR_FN]),
    "rom_model_set_sampled_velocity": (c_int, [c_void_p, STENCIL_FN, VELOCITY_SAMPLED_FN,
                                               VELOCITY_JACOBIAN_SAMPLED_FN]),
    "rom_model_velocity": (c_int, [c_void_p, P_double, c_double, P_double, P_double]),
    "rom_model_velocity_jacobian": (c_int, [c_void_p, P_double, c_double, P_double, rom_int,
                                            P_double, rom_int, P_double, rom_int]),
    # fom.h
    "rom_fom_options_default": (FomOptions, []),
    "rom_fom_integrate": (c_int, [c_void_p, P_double, P_double, c_double, c_double, rom_int,
                                  ctypes.POINTER(FomOptions), P_double,
                                  ctypes.POINTER(FomStats)]),
    # problems.h (P1, P2, error metric)
    "rom_burgers1d_options_default": (Burgers1DOptions, []),
    "rom_burgers1d_create": (c_int, [c_void_p, ctypes.POINTER(Burgers1DOptions), rom_int,
                                     P_handle]),
    "rom_burgers1d_destroy": (c_int, [P_handle]),
    "rom_burgers1d_global_rows": (rom_int, [c_void_p]),
    "rom_burgers1d_local_rows": (rom_int, [c_void_p]),
    "rom_burgers1d_row_offset": (rom_int, [c_void_p]),
    "rom_burgers1d_time_step": (c_double, [c_void_p]),
    "rom_burgers1d_steps": (rom_int, [c_void_p]),
    "rom_burgers1d_model": (c_void_p, [c_void_p]),
    "rom_burgers1d_initial": (c_int, [c_void_p, c_double, P_double]),
    "rom_burgers2d_options_default": (Burgers2DOptions, []),
    "rom_burgers2d_create": (c_int, [c_void_p, ctypes.POINTER(Burgers2DOptions), rom_int,
                                     P_handle]),
    "rom_burgers2d_destroy": (c_int, [P_handle]),
    "rom_burgers2d_global_rows": (rom_int, [c_void_p]),
    "rom_burgers2d_component_rows": (rom_int, [c_void_p]),
    "rom_burgers2d_local_rows": (rom_int, [c_void_p]),
    "rom_burgers2d_row_offset": (rom_int, [c_void_p]),
    "rom_burgers2d_time_step": (c_double, [c_void_p]),
    "rom_burgers2d_steps": (rom_int, [c_void_p]),
    "rom_burgers2d_model": (c_void_p, [c_void_p]),
    "rom_burgers2d_initial": (c_int, [c_void_p, c_double, P_double]),
    "rom_burgers_error_metric": (c_int, [c_void_p, rom_int, rom_int, P_double, P_double, c_int,
                                         P_double, P_double]),
    "rom_burgers2d_error_metric": (c_int, [c_void_p, rom_int, P_double, P_double, c_int,
                                           P_double, P_double]),
    # nonlinear_rom.h
    "rom_nlrom_options_default": (NlromOptions, []),
    "rom_nlrom_create": (c_int, [c_void_p, c_void_p, P_double, c_void_p,
                                 ctypes.POINTER(NlromOptions), P_handle]),
    "rom_nlrom_destroy": (c_int, [P_handle]),
    "rom_nlrom_dim": (rom_int, [c_void_p]),
    "rom_nlrom_step": (c_int, [c_void_p, P_double, c_double, c_double, rom_int, P_double,
                               P_double, P_double, ctypes.POINTER(NlromStats)]),
    "rom_nlrom_run": (c_int, [c_void_p, P_double, c_double, c_double, rom_int, P_double,
                              P_double, ctypes.POINTER(NlromStats)]),
    "rom_nlrom_lift": (c_int, [c_void_p, P_double, P_double]),
    # hyper.h
    "rom_hyper_method_name": (c_char_p, [c_int]),
    "rom_hyper_method_from_name": (c_int, [c_char_p, ctypes.POINTER(c_int)]),
    "rom_hyper_select": (c_int, [c_void_p, c_int, rom_int, rom_int, P_int]),
    "rom_hyper_options_default": (HyperOptions, []),
    "rom_hyper_create": (c_int, [c_void_p, c_void_p, P_double, c_void_p,
                                 ctypes.POINTER(HyperOptions), P_handle]),
    "rom_hyper_attach": (c_int, [c_void_p, c_void_p, c_void_p, P_double]),
    "rom_hyper_destroy": (c_int, [P_handle]),
    "rom_hyper_get_method": (c_int, [c_void_p]),
    "rom_hyper_num_samples": (rom_int, [c_void_p]),
    "rom_hyper_residual_dim": (rom_int, [c_void_p]),
    "rom_hyper_state_dim": (rom_int, [c_void_p]),
    "rom_hyper_num_needed": (rom_int, [c_void_p]),
    "rom_hyper_global_rows": (rom_int, [c_void_p]),
    "rom_hyper_sample_rows": (c_void_p, [c_void_p]),
    "rom_hyper_needed_rows": (c_void_p, [c_void_p]),
    "rom_hyper_state_basis_rows": (c_void_p, [c_void_p]),
    "rom_hyper_reference_rows": (c_void_p, [c_void_p]),
    "rom_hyper_residual_basis_rows": (c_void_p, [c_void_p]),
    "rom_hyper_gappy_pinv": (c_void_p, [c_void_p]),
    "rom_hyper_write": (c_int, [c_void_p, c_char_p, c_int]),
    "rom_hyper_read": (c_int, [c_void_p, c_char_p, P_handle]),
    # problem registry (issue 11): romkit/problem.h. Struct arguments (rom_problem_options,
    # rom_problem_recipe) are passed as addresses (c_void_p); their mirrors live in
    # romkit/problem.py.
    "rom_problem_count": (c_int, []),
    "rom_problem_name": (c_char_p, [c_int]),
    "rom_problem_find": (c_void_p, [c_char_p]),
    "rom_problem_ops_at": (c_void_p, [c_int]),
    "rom_problem_names": (c_char_p, [c_char_p, c_size_t]),
    "rom_problem_create": (c_int, [c_void_p, c_char_p, c_void_p, P_handle]),
    "rom_problem_create_for_rows": (c_int, [c_void_p, c_char_p, rom_int, rom_int, P_handle]),
    "rom_problem_destroy": (c_int, [P_handle]),
    "rom_problem_name_of": (c_char_p, [c_void_p]),
    "rom_problem_model": (c_void_p, [c_void_p]),
    "rom_problem_global_rows": (rom_int, [c_void_p]),
    "rom_problem_local_rows": (rom_int, [c_void_p]),
    "rom_problem_row_offset": (rom_int, [c_void_p]),
    "rom_problem_num_components": (c_int, [c_void_p]),
    "rom_problem_component_rows": (rom_int, [c_void_p]),
    "rom_problem_component_local": (None, [c_void_p, c_int, P_int, P_int]),
    "rom_problem_num_parameters": (c_int, [c_void_p]),
    "rom_problem_parameter_range": (None, [c_void_p, P_double, P_double,
                                           ctypes.POINTER(c_int)]),
    "rom_problem_steps": (rom_int, [c_void_p]),
    "rom_problem_time_step": (c_double, [c_void_p]),
    "rom_problem_initial": (c_int, [c_void_p, P_double, P_double]),
    "rom_problem_error": (c_int, [c_void_p, rom_int, P_double, P_double, c_int, P_double,
                                  P_double]),
    "rom_problem_recipe_of": (c_int, [c_void_p, c_void_p]),
    "rom_problem_recipe_for_rows": (c_int, [c_void_p, c_char_p, rom_int, c_void_p]),
    "rom_problem_component_symmetry": (c_int, [c_void_p, c_int, c_int, P_int]),
    "rom_problem_cache_prefix": (c_char_p, [c_void_p]),
}

_STRUCTS = {"rom_pod_options": PodOptions, "rom_snapshots_options": SnapshotsOptions,
            "rom_heat2d_options": Heat2DOptions}

# Records of the newer stages: checked like _STRUCTS where rom_binding_struct_size knows
# them (it returns 0 for a name it does not know).
_OPTIONAL_STRUCTS = {"rom_isvd_options": IsvdOptions, "rom_burgers1d_options": Burgers1DOptions,
                     "rom_burgers2d_options": Burgers2DOptions, "rom_csr": Csr,
                     "rom_fom_options": FomOptions, "rom_fom_stats": FomStats,
                     "rom_nlrom_options": NlromOptions, "rom_nlrom_stats": NlromStats,
                     "rom_hyper_options": HyperOptions}

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
        for cname, struct in _OPTIONAL_STRUCTS.items():
            size = self.rom_binding_struct_size(cname.encode())
            if size not in (0, ctypes.sizeof(struct)):
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


# ---------------------------------------------------------------------------------------------
# workflow (issue 11): the reproduction pipeline of include/romkit/workflow.h (the problems
# come from romkit/problem.py's Problem). The options record is checked against
# rom_reproduce_sizeof when romkit.workflow first uses it.

ROM_PROBLEM_MAX_COMPONENTS = 8

# void (*rom_reproduce_progress_fn)(void *user, const char *text)
REPRODUCE_PROGRESS_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p)


class ReproduceOptions(ctypes.Structure):
    """Mirror of rom_reproduce_options (include/romkit/workflow.h)."""
    _fields_ = [("method", c_int), ("dim", rom_int), ("hr_basis", rom_int),
                ("hr_samples", rom_int), ("hr_method", c_int), ("hr_sample_mesh", c_int),
                ("train", P_double), ("ntrain", c_int), ("test", P_double),
                ("max_iterations", c_int), ("tolerance", c_double), ("workdir", c_char_p),
                ("ae_files", c_char_p * ROM_PROBLEM_MAX_COMPONENTS), ("num_ae_files", c_int),
                ("ae_seed", ctypes.c_uint64), ("ae_epochs", rom_int),
                ("ae_max_seconds", c_double), ("save", c_char_p),
                ("progress", REPRODUCE_PROGRESS_FN), ("progress_user", c_void_p)]


_OPTIONAL_PROTOTYPES.update({
    "rom_reproduce_options_default": (ReproduceOptions, []),
    "rom_reproduce_method_from_name": (c_int, [c_void_p, c_char_p, ctypes.POINTER(c_int)]),
    "rom_reproduce_method_names": (c_char_p, [c_char_p, c_size_t]),
    "rom_reproduce_run": (c_int, [c_void_p, c_void_p, ctypes.POINTER(ReproduceOptions),
                                  c_void_p]),
    "rom_reproduce_result_json": (c_int, [c_void_p, c_char_p, c_size_t,
                                          ctypes.POINTER(c_size_t)]),
    "rom_reproduce_sizeof": (c_size_t, [c_char_p]),
})
