"""Reference full-order models implemented in C (docs/problems.md).

:class:`Heat2D` is P3: parametric steady / transient heat conduction on the unit square,
kappa = mu_q on a blocks_x x blocks_y partition, 5-point finite differences on an n x n
grid of interior nodes, A(mu) = sum_q mu_q A_q exactly.
"""

import numpy as np

from ._handles import Wrapper, dptr, out_vector, small_vector
from ._lib import lib, new, pointer_to
from .affine import Model
from .context import resolve
from .errors import call

__all__ = ["Heat2D"]


class Heat2D(Wrapper):
    """P3, the parametric heat-conduction FOM (rom_heat2d). Collective.

    Args:
        n: interior nodes per direction (N = n^2 unknowns).
        blocks: (blocks_x, blocks_y) conductivity subdomains; num_parameters = product.
        ctx: the context (default: the serial default context).
        local_rows: this rank's rows (None: even partition).
    """

    _what = "Heat2D"

    def __init__(self, n=64, blocks=(2, 2), ctx=None, local_rows=None):
        ctx = resolve(ctx)
        f = lib()
        opts = pointer_to(f.rom_heat2d_options_default())
        opts.n = int(n)
        bx, by = blocks
        opts.blocks_x, opts.blocks_y = int(bx), int(by)
        out = new("rom_heat2d **")
        rows = lib().ROM_AUTO_ROWS if local_rows is None else int(local_rows)
        call(ctx._h, "rom_heat2d_create", ctx._h, opts, rows, out)
        self._adopt(ctx, out[0], "rom_heat2d_destroy")
        self.n = int(n)

    @property
    def global_rows(self):
        return lib().rom_heat2d_global_rows(self._h)

    @property
    def local_rows(self):
        return lib().rom_heat2d_local_rows(self._h)

    @property
    def num_parameters(self):
        return lib().rom_heat2d_num_parameters(self._h)

    @property
    def model(self):
        """The host-model view of the FOM (owned by it): theta_q = mu_q, phi_0 = 1."""
        return Model._borrowed(self, lib().rom_heat2d_model(self._h))

    def solve(self, mu, out=None):
        """Steady FOM solve (direct solver): this rank's rows of u(mu). Collective."""
        mu = small_vector(mu, self.num_parameters, "mu")
        u = out_vector(out, self.local_rows, "out")
        call(self._ctx_h, "rom_heat2d_solve", self._h, dptr(mu), dptr(u))
        return u

    def transient(self, mu, dt, steps):
        """Implicit Euler from u = 0: an array (steps + 1) x local_rows, row n = state n on
        this rank's rows. Collective."""
        mu = small_vector(mu, self.num_parameters, "mu")
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        traj = np.zeros((steps + 1, self.local_rows))
        call(self._ctx_h, "rom_heat2d_transient", self._h, dptr(mu), float(dt), steps,
             dptr(traj) if traj.size else None)
        return traj

    def __repr__(self):
        if self.closed:
            return "<romkit.Heat2D closed>"
        return f"<romkit.Heat2D n = {self.n}, N = {self.global_rows}, {self.num_parameters} parameters>"
