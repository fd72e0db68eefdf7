"""romkit — reduced-order modelling from Python: a thin cffi layer over libromkit.so.

Every computation is a call into the C library; numpy arrays are passed without copies
(state-sized arrays must be float64, matrices in Fortran order). See docs/python.md.

    import numpy as np, romkit
    S = np.asfortranarray(snapshots)             # N x m, float64, column-major
    basis = romkit.pod(S, energy=0.9999)         # TSQR + SVD in C
    basis.vectors, basis.singular_values         # read-only views of romkit's memory

The surface:
    Context, default_context            communicator (mpi4py or serial), seed, log level
    DistributedMatrix                   row-distributed matrix over your numpy array
    Snapshots, read_snapshots           snapshot collection / snapshot files
    pod, Basis                          POD and the basis (project, lift, write, read)
    Model, AffineROM                    host callbacks in Python; Galerkin ROM
    Heat2D                              the P3 reference FOM
    Design, sweep, SweepResult          many-query sweeps (grid, LHS, Monte Carlo) in C
    greedy, GreedyResult                reduced basis by the (weak / strong) greedy
    optimize                            output gradients, design optimisation (NLopt, trust region)
    add_output, output_names, evaluate_outputs   ROM outputs s = l^T u ~ l_0 + l^r . q
    read_sweep, plot                    sweep files; matplotlib helpers (romkit.plot)
    pod_file, StreamingSVD              out-of-core POD of a snapshot file; streaming SVD
    NonlinearModel, NonlinearROM        nonlinear host callbacks in Python; Galerkin/LSPG ROMs
    Autoencoder, DecoderSubnet          masked autoencoders: train, read/write, encode/decode
    ManifoldROM                         NM-Galerkin / NM-LSPG / NM-LSPG-HR on a decoder
    fom.integrate                       the reference implicit FOM integrator
    Burgers1D, Burgers2D, error_metric  P1 / P2 reference FOMs and the paper's error metric
    Problem, problem_names              any registered problem by name (P1, P2, P3, yours)
    HyperReduction, select_samples      DEIM / QDEIM / GNAT / S-OPT hyper-reduction
    dmd, DMD, StreamingDMD, DMD_METHODS dynamic mode decomposition (exact, DMDc, opt, bop)
    SVD_METHODS, HYPER_METHODS, ACTIVATIONS   the library's method tables (names, rules)
    workflow.reproduce                  the `romkit reproduce` pipeline (P1, P2 rows), as a dict
    interp                              interpolation on matrix manifolds (Grassmann, SPD),
                                        `romkit interp heat` as interp.heat_study
    RomkitError, strerror, error_name   errors
    load_library, library_path          the loaded libromkit.so
"""
from ._lib import load_library
from ._lib import lib as _functions
from .affine import AffineROM, Model
from .context import Context, default_context
from .errors import RomkitError, error_name, strerror
from .matrix import DistributedMatrix
from .pod import SVD_METHODS, Basis, pod, pod_file
from .isvd import StreamingSVD
from .nonlinear import (LSPG_SOLVERS, PROJECTIONS, TIME_SCHEMES, ManifoldROM, NonlinearModel,
                        NonlinearROM)
from .autoencoder import Autoencoder, DecoderSubnet, mask_from_spec
from .burgers import Burgers1D, Burgers2D, error_metric
from .hyper import HYPER_METHODS, HyperReduction, select_samples
from .dmd import DMD, DMD_METHODS, StreamingDMD, dmd
from ._registry import Registry as _Registry
from . import fom
from .problems import Heat2D
from .problem import Problem, find_problem, problem_names, problem_summary, recipe_for_rows
from .snapshots import Snapshots, read_snapshots
from .sweep import (DESIGNS, Design, SweepResult, add_output, evaluate_outputs, output_names,
                    read_sweep, sweep)
from .greedy import ESTIMATORS as GREEDY_ESTIMATORS, GreedyResult, greedy
from . import plot
from . import optimize
from . import workflow
from . import interp
from .workflow import reproduce

__version__ = "0.1.0"

# "identity", "swish", "sigmoid", "tanh": the library's table (autoencoder.h).
ACTIVATIONS = _Registry("rom_activation", "activation")

__all__ = ["Context", "default_context", "DistributedMatrix", "Snapshots", "read_snapshots",
           "pod", "Basis", "SVD_METHODS", "Model", "AffineROM", "Heat2D", "RomkitError",
           "strerror", "error_name", "load_library", "library_path", "__version__",
           "Design", "DESIGNS", "SweepResult", "sweep", "add_output", "output_names",
           "evaluate_outputs", "read_sweep", "plot", "pod_file", "StreamingSVD",
           "NonlinearModel", "NonlinearROM", "PROJECTIONS", "TIME_SCHEMES", "LSPG_SOLVERS",
           "fom", "Burgers1D", "Burgers2D", "error_metric", "HyperReduction",
           "select_samples", "HYPER_METHODS", "Problem", "problem_names", "find_problem",
           "problem_summary", "recipe_for_rows", "ACTIVATIONS", "workflow", "reproduce",
           "dmd", "DMD", "StreamingDMD", "DMD_METHODS", "interp", "Autoencoder",
           "DecoderSubnet", "mask_from_spec", "ManifoldROM",
           "greedy", "GreedyResult", "GREEDY_ESTIMATORS"]


def library_path():
    """Absolute path of the loaded libromkit.so."""
    return _functions().path
