#!/usr/bin/env python3
"""romkit inside a real finite-element code: a DOLFINx heat-conduction model.

The host code is DOLFINx (Debian's python3-dolfinx, 0.5): it owns the mesh, the P1
Lagrange space, the assembly, the Dirichlet condition, the PETSc matrices and its own
implicit-Euler time loop. romkit never sees the mesh. The example shows the three
places where a host code talks to romkit:

  1. offline, inside the host's time loop: every time step's solution is added to a
     romkit.Snapshots collection straight from DOLFINx's dof array, this rank's owned
     dofs only (u.x.array[:n_owned], a view: no copy);
  2. offline, romkit computes the POD basis over all ranks (TSQR + SVD in C) and
     projects the host's operators onto it (romkit.AffineROM.build), calling back into
     the host: each callback is a PETSc MatMult with the matrices DOLFINx assembled;
  3. online, romkit solves the k x k reduced time loop at parameters it has never seen;
     the host lifts the reduced states back onto its dofs and measures the error
     against its own FEM solution.

The model (transient heat conduction, the "thermal block" of the reduced-basis
literature with 2 x 2 blocks):

    du/dt - div(kappa_mu grad u) = 1     in the unit square, t in (0, T]
    u = 0 on the boundary,   u(0) = 0,
    kappa_mu = mu_q on block q (the quadrants [0,.5]^2, [.5,1]x[0,.5], [0,.5]x[.5,1], [.5,1]^2)

P1 finite elements and implicit Euler give, at each step,

    (M + dt A(mu)) u^{n+1} = M u^n + dt f,     A(mu) = sum_q mu_q A_q,

with A_q = (chi_q grad u, grad v) assembled by DOLFINx once per block (chi_q the
block's indicator, a DG0 function), M the mass matrix and f the load vector. This is
exactly the affine form romkit's linear ROM projects (include/romkit/affine_rom.h:
(M_r + dt A_r) q^{n+1} = M_r q^n + dt f_r), so the ROM and the FEM take the same steps.

Dirichlet rows: A_q are assembled with the boundary rows and columns zeroed (diagonal
0), M with a unit diagonal there and f with zeros there, so M + dt A(mu) keeps the
boundary dofs at 0 for every mu, and every snapshot (hence every basis vector) is 0
on the boundary: the ROM satisfies the boundary condition by construction.

Run (serial, or on 2 ranks: DOLFINx partitions the mesh, romkit takes each rank's
owned dofs as its rows):

    export PYTHONPATH=python ROMKIT_LIB=build/libromkit.so
    /usr/bin/python3 examples/fem_dolfinx/heat_rom.py
    mpirun -n 2 /usr/bin/python3 examples/fem_dolfinx/heat_rom.py

Exit status: 0 if the ROM's relative error at every unseen parameter is at most
--tolerance (default 1e-2; README.md in this folder says why), 1 otherwise.
"""
import argparse
import sys
import time

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

try:
    import ufl
    from dolfinx import fem, mesh
    from dolfinx.fem import petsc as fem_petsc
except ImportError as exc:  # pragma: no cover - depends on the machine
    sys.exit(f"heat_rom.py needs DOLFINx: apt-get install -y python3-dolfinx ({exc})")

import romkit

NBLOCKS = 4  # 2 x 2 conductivity blocks: the affine terms A_q


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=32, help="cells per side of the unit square (even)")
    p.add_argument("--steps", type=int, default=40, help="implicit Euler steps")
    p.add_argument("--dt", type=float, default=0.01, help="time step")
    p.add_argument("--train", type=int, default=12, help="training parameters (FEM runs)")
    p.add_argument("--test", type=int, default=3, help="unseen test parameters")
    p.add_argument("--energy", type=float, default=1 - 1e-9, help="POD energy kept")
    p.add_argument("--tolerance", type=float, default=1e-2,
                   help="largest acceptable relative ROM error at the test parameters")
    p.add_argument("--seed", type=int, default=7, help="seed of the parameter samples")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per test parameter (best)")
    a = p.parse_args()
    if a.n < 2 or a.n % 2:
        p.error("--n must be even (the blocks' edges must be mesh lines)")
    return a


def sample_parameters(rng, count):
    """mu_q log-uniform in [0.1, 10]: conductivity contrasts up to 100 between blocks.
    Same on every rank (same seed), as every rank must run the same parameters."""
    return 10.0 ** rng.uniform(-1.0, 1.0, size=(count, NBLOCKS))


class HeatModel:
    """The host FEM model: everything here is plain DOLFINx / petsc4py."""

    def __init__(self, comm, n):
        self.comm = comm
        self.domain = mesh.create_unit_square(comm, n, n)
        self.V = fem.FunctionSpace(self.domain, ("Lagrange", 1))
        imap = self.V.dofmap.index_map
        # This rank's owned dofs come first in DOLFINx's local numbering; ghosts follow.
        self.n_owned = imap.size_local * self.V.dofmap.index_map_bs
        self.n_global = imap.size_global * self.V.dofmap.index_map_bs

        def on_boundary(x):
            return (np.isclose(x[0], 0.0) | np.isclose(x[0], 1.0) |
                    np.isclose(x[1], 0.0) | np.isclose(x[1], 1.0))

        dofs = fem.locate_dofs_geometrical(self.V, on_boundary)
        self.bcs = [fem.dirichletbc(PETSc.ScalarType(0.0), dofs, self.V)]

        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        Q = fem.FunctionSpace(self.domain, ("DG", 0))
        self.A = []
        for q in range(NBLOCKS):
            bx, by = q % 2, q // 2
            chi = fem.Function(Q)  # indicator of block q (DG0: evaluated at cell midpoints)
            chi.interpolate(lambda x, bx=bx, by=by: (
                ((x[0] >= 0.5 * bx) & (x[0] <= 0.5 * (bx + 1)) &
                 (x[1] >= 0.5 * by) & (x[1] <= 0.5 * (by + 1))).astype(PETSc.ScalarType)))
            chi.x.scatter_forward()
            # Same UFL signature for every q: DOLFINx compiles this form once.
            a_q = fem.form(chi * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
            A_q = fem_petsc.assemble_matrix(a_q, bcs=self.bcs, diagonal=0.0)
            A_q.assemble()  # finalise: off-rank contributions reach their owners
            self.A.append(A_q)
        self.M = fem_petsc.assemble_matrix(fem.form(u * v * ufl.dx), bcs=self.bcs, diagonal=1.0)
        self.M.assemble()

        source = fem.Constant(self.domain, PETSc.ScalarType(1.0))
        self.f = fem_petsc.assemble_vector(fem.form(source * v * ufl.dx))
        # Ghost update: contributions assembled into ghost entries are added to the owner.
        self.f.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(self.f, self.bcs)  # f = 0 on the Dirichlet dofs

        self.u = fem.Function(self.V)       # the FEM state (ghosted)
        self.err = fem.Function(self.V)     # ROM - FEM, for the L2(Omega) norm
        self.l2_err = fem.form(self.err * self.err * ufl.dx)
        self.l2_u = fem.form(self.u * self.u * ufl.dx)

    def owned(self, w):
        """This rank's owned dofs of a DOLFINx Function: a view, no copy."""
        return w.x.array[:self.n_owned]

    def l2_norm(self, form):
        return np.sqrt(self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM))

    def run(self, mu, dt, steps, observe=None):
        """The host's own time loop: implicit Euler with PETSc's direct solver (MUMPS
        LU, factored once per parameter). observe(n, t, u) is called after each step
        with the ghost-updated Function. Returns the seconds spent."""
        t0 = time.perf_counter()
        K = self.M.copy()
        for q in range(NBLOCKS):  # K = M + dt sum_q mu_q A_q (same sparsity pattern)
            K.axpy(dt * mu[q], self.A[q], structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
        ksp = PETSc.KSP().create(self.comm)
        ksp.setOperators(K)
        ksp.setType("preonly")
        ksp.getPC().setType("lu")
        ksp.getPC().setFactorSolverType("mumps")
        b = K.createVecLeft()
        self.u.x.array[:] = 0.0
        for n in range(1, steps + 1):
            self.M.mult(self.u.vector, b)             # M u^n (uses the owned part only)
            b.axpy(dt, self.f)                        # + dt f
            ksp.solve(b, self.u.vector)
            self.u.x.scatter_forward()                # ghost update after the solve
            if observe is not None:
                observe(n, n * dt, self.u)
        elapsed = time.perf_counter() - t0
        ksp.destroy()
        K.destroy()
        b.destroy()
        return elapsed


def romkit_model(host, ctx):
    """The host's operators behind romkit's callback interface (romkit.Model).

    romkit hands the callbacks numpy views of its buffers over this rank's rows (the
    owned dofs): x read-only, y written in place. The PETSc vectors below have the
    matrices' row layout (owned dofs, no ghosts); MatMult exchanges the off-rank
    entries of x it needs itself, so no ghost update is needed here. y is placed into
    PETSc without a copy; x is copied into a work vector because petsc4py copies a
    read-only array anyway (an O(N) copy per call, offline only).
    """
    x_vec, y_vec = host.M.createVecs()  # the closures below keep them alive with the model

    def apply_term(q, x, y):
        x_vec.array_w[:] = x
        y_vec.placeArray(y)
        try:
            host.A[q].mult(x_vec, y_vec)
        finally:
            y_vec.resetArray()

    def apply_mass(x, y):
        x_vec.array_w[:] = x
        y_vec.placeArray(y)
        try:
            host.M.mult(x_vec, y_vec)
        finally:
            y_vec.resetArray()

    def rhs_term(q, f):
        f[:] = host.f.array_r  # the owned part of the ghost-accumulated load vector

    def theta(mu, out):
        out[:] = mu  # A(mu) = sum_q mu_q A_q

    def phi(mu, out):
        out[0] = 1.0

    model = romkit.Model(host.n_owned, num_parameters=NBLOCKS, ctx=ctx)
    model.set_affine_operator(NBLOCKS, apply_term, theta=theta)
    model.set_affine_rhs(1, rhs_term, phi=phi)
    model.set_mass(apply_mass)
    return model


def main():
    args = parse_args()
    comm = MPI.COMM_WORLD
    rank = comm.rank

    def say(*a):
        if rank == 0:
            print(*a, flush=True)

    host = HeatModel(comm, args.n)
    rng = np.random.default_rng(args.seed)
    mu_train = sample_parameters(rng, args.train)
    mu_test = sample_parameters(rng, args.test)  # drawn after: never in the training set
    say(f"DOLFINx heat model: P1 on a {args.n} x {args.n} unit square, N = {host.n_global} dofs, "
        f"{comm.size} rank(s), owned dofs per rank: {comm.allgather(host.n_owned)}")
    say(f"time loop: implicit Euler, {args.steps} steps of dt = {args.dt}; "
        f"{NBLOCKS} conductivity blocks, mu in [0.1, 10]^{NBLOCKS}")

    ctx = romkit.Context(comm)

    # ---- offline 1: snapshots collected inside the host's own time loop ------------------
    snaps = romkit.Snapshots(host.n_owned, ctx=ctx, num_parameters=NBLOCKS,
                             capacity_hint=args.train * args.steps)
    t_train = 0.0
    for mu in mu_train:
        t_train += host.run(mu, args.dt, args.steps,
                            observe=lambda n, t, u, mu=mu: snaps.add(host.owned(u), time=t,
                                                                     params=mu))
    say(f"offline: {len(snaps)} snapshots from {args.train} FEM runs ({t_train:.2f} s)")

    # ---- offline 2: POD basis and Galerkin projection through the callbacks -------------
    t0 = time.perf_counter()
    basis = romkit.pod(snaps, energy=args.energy)
    t_pod = time.perf_counter() - t0
    model = romkit_model(host, ctx)
    t0 = time.perf_counter()
    rom = romkit.AffineROM.build(model, basis)
    t_build = time.perf_counter() - t0
    sv = basis.singular_values
    say(f"offline: POD k = {basis.dim} of {len(sv)} (energy {args.energy:.10g}, "
        f"s_k/s_1 = {sv[basis.dim - 1] / sv[0]:.2e}) in {t_pod * 1e3:.1f} ms; "
        f"projection through the PETSc callbacks in {t_build * 1e3:.1f} ms")

    # ---- online: unseen parameters, ROM vs the host's FEM -------------------------------
    # Times: best of --repeat runs, the slowest rank's. FEM: forming M + dt A(mu), MUMPS
    # LU and the time loop; ROM: rom.transient, the whole reduced time loop (no lifting).
    say(f"{'test mu':>36}  {'|u_h(T)|_L2':>16}  {'ROM error':>9}  {'best fit':>9}  "
        f"{'L2(T) err':>9}  {'FEM s':>8}  {'ROM s':>8}  {'speed-up':>8}")
    worst = 0.0
    u_rom = np.zeros(host.n_owned)
    for mu in mu_test:
        fem_traj = np.zeros((args.steps + 1, host.n_owned))

        def keep(n, t, u):
            fem_traj[n] = host.owned(u)

        t_fem = min(comm.allreduce(host.run(mu, args.dt, args.steps, observe=keep), op=MPI.MAX)
                    for _ in range(args.repeat))
        norm_fem = host.l2_norm(host.l2_u)  # host.u is the FEM state at T

        theta, phi = model.coefficients(mu)
        t_rom = np.inf
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            traj = rom.transient(theta, phi, args.dt, args.steps)  # (steps + 1) x k, no N
            t_rom = min(t_rom, comm.allreduce(time.perf_counter() - t0, op=MPI.MAX))

        # Relative error over the whole trajectory, in the dof (l2) norm, and the error
        # of the best approximation in the basis (orthogonal projection), for scale.
        num = den = best = 0.0
        for n in range(1, args.steps + 1):
            basis.lift(traj[n], out=u_rom)
            num += np.dot(u_rom - fem_traj[n], u_rom - fem_traj[n])
            den += np.dot(fem_traj[n], fem_traj[n])
            p = basis.lift(basis.project(fem_traj[n]))
            best += np.dot(p - fem_traj[n], p - fem_traj[n])
        num, den, best = comm.allreduce(np.array([num, den, best]), op=MPI.SUM)
        rel = np.sqrt(num / den)
        rel_best = np.sqrt(best / den)

        # L2(Omega) error at the final time, computed by DOLFINx: the lifted ROM state
        # goes into a Function's owned dofs, and its ghosts must be updated before any
        # form integrates it (host.u holds the FEM state at T, already ghost-updated).
        host.owned(host.err)[:] = u_rom - fem_traj[args.steps]
        host.err.x.scatter_forward()
        rel_l2 = host.l2_norm(host.l2_err) / norm_fem

        worst = max(worst, rel)
        mu_s = "(" + ", ".join(f"{m:.3f}" for m in mu) + ")"
        say(f"{mu_s:>36}  {norm_fem:16.10e}  {rel:9.2e}  {rel_best:9.2e}  {rel_l2:9.2e}  "
            f"{t_fem:8.4f}  {t_rom:8.2e}  {t_fem / t_rom:7.0f}x")

    ok = worst <= args.tolerance
    say(f"worst relative ROM error at unseen parameters: {worst:.3e} "
        f"(tolerance {args.tolerance:g}): {'PASS' if ok else 'FAIL'}")

    # Destroy romkit's objects while MPI is up (the context frees its communicator).
    for obj in (rom, model, basis, snaps, ctx):
        obj.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
