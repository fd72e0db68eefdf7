"""Per-step cost of a hyper-reduced (GNAT) ROM whose host callbacks are in Python, with and
without the one-time sample-mesh setup (docs/reliability.md, "Callbacks and the Python
API"). The host is P1's periodic upwind Burgers in numpy (as tests/python/test_nonlinear.py);
the C reference problem romkit.Burgers1D with the same sizes is the floor (no Python).

    ROMKIT_LIB=build/libromkit.so PYTHONPATH=python python3 scripts/bench_sample_mesh.py

Prints microseconds per ROM step (minimum of 9 runs of `steps` steps) for: the C host; the
Python host mapping rows into `needed` with searchsorted at every call; the same host with
the map built once in setup (if this romkit has the setup call)."""
import sys
import time

import numpy as np
import romkit as rk


class Host:
    def __init__(self, n):
        self.n, self.dx = n, 2.0 / n
        self.left = np.roll(np.arange(n), 1)
        self.map = None

    def initial(self, a):
        x = np.arange(self.n) * self.dx
        return np.where(x <= 1.0, 1.0 + a * np.sin(np.pi * x) ** 2, 1.0)

    def velocity(self, u, t, mu, F):
        F[:] = -(u * u - u * u[self.left]) / self.dx

    def jacobian(self, u, t, mu, X, Y):
        J = np.diag(-(2 * u - u[self.left]) / self.dx)
        J[np.arange(self.n), self.left] += u / self.dx
        Y[:] = J @ X

    def stencil(self, row):
        return sorted({(row - 1) % self.n, row})

    def setup(self, rows, needed):
        self.map = (np.searchsorted(needed, rows), np.searchsorted(needed, (rows - 1) % self.n))

    def _at(self, rows, needed, u_needed):
        if self.map is not None:
            here, left = self.map
        else:
            here = np.searchsorted(needed, rows)
            left = np.searchsorted(needed, (rows - 1) % self.n)
        return here, left, u_needed[here], u_needed[left]

    def sampled_velocity(self, rows, needed, u_needed, t, mu, F):
        _, _, u, ul = self._at(rows, needed, u_needed)
        F[:] = -(u * u - u * ul) / self.dx

    def sampled_jacobian(self, rows, needed, u_needed, t, mu, X, Y):
        here, left, u, ul = self._at(rows, needed, u_needed)
        Y[:] = (-(2 * u - ul) / self.dx)[:, None] * X[here] + (u / self.dx)[:, None] * X[left]


def per_step(rom, a, dt, steps):
    times = []
    for _ in range(9):
        t0 = time.perf_counter()
        rom.run([a], dt, steps)
        times.append(time.perf_counter() - t0)
    return 1e6 * min(times) / steps  # the minimum: the machine may be shared


def main(n=200, steps=100, a=0.5):
    dt = 0.5 / 500
    with rk.Context() as ctx:
        c = rk.Burgers1D(unknowns=n, final_time=dt * steps, steps=steps, ctx=ctx)
        u0 = c.initial(a)
        T = c.solve(a)
        basis = rk.Basis.from_vectors(rk.pod(np.asfortranarray((T[1:] - T[0]).T), rank=6,
                                             ctx=ctx).matrix, reference=u0)
        residual = rk.pod(np.asfortranarray(T.T), rank=10, ctx=ctx)
        hr_c = rk.HyperReduction.create(residual, model=c.model, state_basis=basis,
                                        method="gnat", num_samples=20)
        print(f"N = {n}, k = 6, nb = 10, ns = 20, nneeded = {hr_c.num_needed}, {steps} steps")
        print(f"  C host (romkit.Burgers1D)          {per_step(rk.NonlinearROM(c.model, basis, hyper=hr_c), a, dt, steps):8.1f} us/step")
        has_setup = "setup" in rk.NonlinearModel.set_sampled_velocity.__code__.co_varnames
        for use_setup in ([False, True] if has_setup else [False]):
            h = Host(n)
            m = rk.NonlinearModel(n, 1, ctx)
            m.set_velocity(h.velocity, h.jacobian)
            if use_setup:
                m.set_sampled_velocity(h.stencil, h.sampled_velocity, h.sampled_jacobian,
                                       setup=h.setup)
            else:
                m.set_sampled_velocity(h.stencil, h.sampled_velocity, h.sampled_jacobian)
            hr = rk.HyperReduction.create(residual, model=m, state_basis=basis, method="gnat",
                                          num_samples=20)
            rom = rk.NonlinearROM(m, basis, hyper=hr)
            label = "Python host, map built in setup" if use_setup else \
                "Python host, searchsorted per call"
            print(f"  {label:34s} {per_step(rom, a, dt, steps):8.1f} us/step")


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:]))
