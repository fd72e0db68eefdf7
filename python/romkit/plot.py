"""Plots of romkit results (matplotlib): pure plotting of arrays you pass, or of what romkit
files hold — no computation beyond normalising for display.

Every helper draws into `ax` when given, otherwise into a new matplotlib Figure (created
without pyplot, so no GUI backend is needed), saves it to `path` when given, and returns
the Figure::

    import romkit.plot as rp
    rp.singular_values("basis.h5", path="sv.png")          # or an array of s_i
    rp.error_vs_basis_size([2, 5, 10], {"mean": e_mean, "max": e_max})
    rp.error_over_time(t, err)
    rp.fields_2d(u_fom, u_rom, shape=(n, n))                # FOM | ROM | |ROM - FOM|
    rp.fields_1d(x, u_fom, u_rom)
    rp.histogram("sweep.h5", output="T_average")            # or an array of values
    rp.dmd_eigenvalues(d)                  # a romkit.DMD, a "dmd" file, or complex lambdas
    rp.dmd_modes(d, x=x)                   # real parts of the leading modes (this rank's rows)
    rp.dmd_prediction(t, data, d.predict(t), rows=[10, 50])
"""
import numpy as np

__all__ = ["singular_values", "error_vs_basis_size", "error_over_time", "fields_2d",
           "fields_1d", "histogram", "certified_cdf", "dmd_eigenvalues", "dmd_modes", "dmd_prediction"]


def _figure(ax, ncols=1, size=(5.5, 4.0)):
    if ax is not None:
        return ax.figure, [ax]
    from matplotlib.figure import Figure
    fig = Figure(figsize=(size[0] * ncols, size[1]), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _finish(fig, path):
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _read(path, dataset):
    import h5py
    with h5py.File(path, "r") as f:
        return f[dataset][...], dict(f.attrs)


def singular_values(s, ax=None, path=None, k=None, title=None):
    """Singular-value decay s_i / s_1 (log scale) and the energy not captured,
    1 - sum_{j<=i} s_j^2 / sum s_j^2. `s`: array, or a basis file (its /singular_values).
    `k`: mark a basis size."""
    if isinstance(s, (str, bytes)) or hasattr(s, "__fspath__"):
        s, _ = _read(s, "singular_values")
    s = np.asarray(s, dtype=float)
    if s.ndim != 1 or s.size == 0:
        raise ValueError("singular_values needs a non-empty 1-D array")
    fig, (a,) = _figure(ax)
    i = np.arange(1, s.size + 1)
    a.semilogy(i, s / s[0], "o-", ms=3, label="$s_i / s_1$")
    energy = np.cumsum(s ** 2) / np.sum(s ** 2)
    lost = 1.0 - energy
    ok = lost > 0
    a.semilogy(i[ok], lost[ok], "s--", ms=3, label="energy not captured")
    if k is not None:
        a.axvline(k, color="gray", lw=1, ls=":", label=f"k = {k}")
    a.set_xlabel("index i")
    a.set_ylabel("relative size")
    a.set_title(title or "POD singular-value decay")
    a.grid(True, which="both", alpha=0.3)
    a.legend()
    return _finish(fig, path)


def error_vs_basis_size(k, errors, ax=None, path=None, ylabel="relative error", title=None):
    """Error against the basis size k (log scale). `errors`: one array (len(k)) or a dict
    label -> array."""
    k = np.asarray(k)
    series = errors if isinstance(errors, dict) else {"error": errors}
    fig, (a,) = _figure(ax)
    for label, e in series.items():
        e = np.asarray(e, dtype=float)
        if e.shape != k.shape:
            raise ValueError(f"{label}: {e.shape[0] if e.ndim else 1} errors for {k.size} sizes")
        a.semilogy(k, e, "o-", ms=4, label=label)
    a.set_xlabel("basis size k")
    a.set_ylabel(ylabel)
    a.set_title(title or "ROM error versus basis size")
    a.grid(True, which="both", alpha=0.3)
    a.legend()
    return _finish(fig, path)


def error_over_time(t, errors, ax=None, path=None, ylabel="relative error", title=None,
                    log=True):
    """Error against time. `errors`: one array (len(t)) or a dict label -> array."""
    t = np.asarray(t, dtype=float)
    series = errors if isinstance(errors, dict) else {"error": errors}
    fig, (a,) = _figure(ax)
    for label, e in series.items():
        e = np.asarray(e, dtype=float)
        if e.shape != t.shape:
            raise ValueError(f"{label}: {e.size} errors for {t.size} times")
        (a.semilogy if log else a.plot)(t, e, "-", label=label)
    a.set_xlabel("time t")
    a.set_ylabel(ylabel)
    a.set_title(title or "ROM error over time")
    a.grid(True, which="both", alpha=0.3)
    a.legend()
    return _finish(fig, path)


def fields_2d(fom, rom, shape, extent=(0.0, 1.0, 0.0, 1.0), path=None, titles=None,
              cmap="viridis"):
    """FOM solution, ROM solution and |ROM - FOM| on a 2D grid: three panels, the first two
    on one color scale. `fom`, `rom`: N values in lexicographic order (x fastest),
    `shape` = (ny, nx)."""
    ny, nx = shape
    u, v = np.asarray(fom, float).reshape(ny, nx), np.asarray(rom, float).reshape(ny, nx)
    fig, axes = _figure(None, ncols=3, size=(4.2, 3.6))
    lo, hi = min(u.min(), v.min()), max(u.max(), v.max())
    names = titles or ("FOM", "ROM", "|ROM - FOM|")
    for a, data, name, scale in zip(axes, (u, v, np.abs(v - u)), names, (True, True, False)):
        im = a.imshow(data, origin="lower", extent=extent, cmap=cmap if scale else "magma",
                      vmin=lo if scale else None, vmax=hi if scale else None)
        a.set_title(name)
        a.set_xlabel("x")
        a.set_ylabel("y")
        fig.colorbar(im, ax=a, shrink=0.85)
    return _finish(fig, path)


def fields_1d(x, fom, rom, ax=None, path=None, title=None):
    """FOM and ROM solutions along a line (and the difference on a second axis)."""
    x, u, v = (np.asarray(a, dtype=float) for a in (x, fom, rom))
    fig, (a,) = _figure(ax)
    a.plot(x, u, "-", lw=2, label="FOM")
    a.plot(x, v, "--", lw=1.5, label="ROM")
    a.set_xlabel("x")
    a.set_ylabel("u")
    b = a.twinx()
    b.plot(x, np.abs(v - u), ":", color="gray", label="|ROM - FOM|")
    b.set_ylabel("|ROM - FOM|")
    a.set_title(title or "ROM vs FOM")
    lines = a.get_legend_handles_labels()
    more = b.get_legend_handles_labels()
    a.legend(lines[0] + more[0], lines[1] + more[1])
    return _finish(fig, path)


def histogram(values, output=0, bins=40, ax=None, path=None, reference=None, title=None,
              xlabel=None):
    """Histogram (a density) of sweep outputs. `values`: an array of samples (1-D, or
    samples x outputs with `output` an index), or a sweep file with `output` an index or a
    name. `reference`: optional array of other samples (e.g. FOM Monte Carlo), drawn as an
    outline on the same bins."""
    name = None
    if isinstance(values, (str, bytes)) or hasattr(values, "__fspath__"):
        data, attrs = _read(values, "outputs")
        names = str(attrs.get("output_names", "")).split(",")
        if isinstance(output, str):
            if output not in names:
                raise ValueError(f"no output {output!r} in {values} (outputs: {', '.join(names)})")
            output = names.index(output)
        name = names[output] if output < len(names) else None
        values = data[:, output]
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[:, output]
    fig, (a,) = _figure(ax)
    edges = np.histogram_bin_edges(values, bins=bins)
    a.hist(values, bins=edges, density=True, alpha=0.7,
           label=f"ROM, {values.size} samples" if reference is not None else f"{values.size} samples")
    if reference is not None:
        ref = np.asarray(reference, dtype=float)
        a.hist(ref, bins=edges, density=True, histtype="step", lw=2, color="k",
               label=f"FOM, {ref.size} samples")
    a.axvline(values.mean(), color="C3", lw=1.5, ls="--", label=f"mean {values.mean():.4g}")
    a.set_xlabel(xlabel or name or "output")
    a.set_ylabel("probability density")
    a.set_title(title or "distribution of the output")
    a.legend()
    return _finish(fig, path)


def _dmd_lambdas(dmd):
    """Complex eigenvalues (and bop's std of omega, or None) of a DMD, a file, or an array."""
    if isinstance(dmd, (str, bytes)) or hasattr(dmd, "__fspath__"):
        import h5py
        with h5py.File(dmd, "r") as f:
            lam = f["eigenvalues"][...] @ np.array([1.0, 1j])
            std = f["eigenvalue_std"][...] @ np.array([1.0, 1j]) if "eigenvalue_std" in f else None
        return lam, std
    if hasattr(dmd, "eigenvalues"):
        return np.asarray(dmd.eigenvalues), dmd.eigenvalue_std
    return np.asarray(dmd, dtype=np.complex128).reshape(-1), None


def dmd_eigenvalues(dmd, ax=None, path=None, title=None, amplitudes=True):
    """The DMD eigenvalues lambda_i in the complex plane with the unit circle (inside:
    decaying, outside: growing). `dmd`: a romkit.DMD (marker size ~ |b_i| when amplitudes),
    a "dmd" file, or complex values."""
    lam, _ = _dmd_lambdas(dmd)
    fig, (ax,) = _figure(ax, size=(4.6, 4.4))
    th = np.linspace(0.0, 2.0 * np.pi, 361)
    ax.plot(np.cos(th), np.sin(th), color="0.6", lw=1.0, label="unit circle")
    size = 30.0
    if amplitudes and hasattr(dmd, "amplitudes") and len(lam):
        b = np.abs(np.asarray(dmd.amplitudes))
        size = 20.0 + 120.0 * b / b.max() if b.max() > 0 else 30.0
    ax.scatter(lam.real, lam.imag, s=size, color="C3", zorder=3, label="DMD eigenvalues")
    ax.axhline(0.0, color="0.85", lw=0.8)
    ax.axvline(0.0, color="0.85", lw=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("Re lambda")
    ax.set_ylabel("Im lambda")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title or f"DMD eigenvalues (r = {len(lam)})")
    return _finish(fig, path)


def dmd_modes(dmd, x=None, count=4, ax=None, path=None, title=None, part="real"):
    """The first `count` DMD modes (real or imaginary part, normalised to max 1) against x
    (default: the row index). `dmd`: a romkit.DMD (this rank's rows) or an N x r array."""
    modes = np.asarray(dmd.modes if hasattr(dmd, "modes") else dmd)
    fig, (ax,) = _figure(ax)
    x = np.arange(modes.shape[0]) if x is None else np.asarray(x)
    for i in range(min(count, modes.shape[1])):
        v = modes[:, i].imag if part == "imag" else modes[:, i].real
        scale = np.abs(v).max()
        ax.plot(x, v / scale if scale > 0 else v, label=f"mode {i}")
    ax.set_xlabel("x")
    ax.set_ylabel(f"{part} part (normalised)")
    ax.legend(fontsize=8)
    ax.set_title(title or "DMD modes")
    return _finish(fig, path)


def dmd_prediction(t, data, prediction, rows=None, t_data=None, ax=None, path=None,
                   title=None):
    """The DMD prediction (N x nt, at times t) against the data (N x nd at t_data, default
    t) at a few rows, and the relative error per time in a second panel."""
    data, prediction = np.asarray(data), np.asarray(prediction)
    t = np.asarray(t)
    t_data = t if t_data is None else np.asarray(t_data)
    rows = [0, data.shape[0] // 2] if rows is None else list(rows)
    fig, axes = _figure(ax, ncols=1 if ax is not None else 2)
    a0 = axes[0]
    for k, i in enumerate(rows):
        a0.plot(t_data, data[i], "o", ms=3, color=f"C{k}", label=f"data, row {i}")
        a0.plot(t, prediction[i], "-", color=f"C{k}", label=f"DMD, row {i}")
    a0.set_xlabel("t")
    a0.legend(fontsize=8)
    a0.set_title(title or "DMD prediction against data")
    if len(axes) > 1 and data.shape == prediction.shape:
        err = np.linalg.norm(prediction - data, axis=0) / np.maximum(
            np.linalg.norm(data, axis=0), np.finfo(float).tiny)
        axes[1].semilogy(t, np.maximum(err, 1e-17))
        axes[1].set_xlabel("t")
        axes[1].set_ylabel("relative error")
        axes[1].set_title("||x_DMD - x|| / ||x||")
    return _finish(fig, path)


def certified_cdf(sweep, output=0, reference=None, ax=None, path=None, title=None, xlabel=None):
    """The ROM's empirical CDF of one output of a sweep file written with bounds (a ROM with
    an estimator, docs/many-query.md), with its certified band: the CDFs of s - Delta and
    s + Delta enclose the CDF of the true outputs at the same samples (each true s_i lies in
    [s_i - Delta_i, s_i + Delta_i]). `output`: index or name. `reference`: optional FOM
    outputs (e.g. at the first samples of the same design), drawn as points on their own
    empirical CDF."""
    import h5py
    with h5py.File(sweep, "r") as f:
        if "bounds" not in f:
            raise ValueError(f"{sweep} has no /bounds: sweep a ROM file with an estimator")
        names = str(f.attrs.get("output_names", "")).split(",")
        if isinstance(output, str):
            if output not in names:
                raise ValueError(f"no output {output!r} in {sweep} (outputs: {', '.join(names)})")
            output = names.index(output)
        s = f["outputs"][:, output]
        d = f["bounds"][:, output]
    if not np.all(np.isfinite(d)):
        raise ValueError(f"output {names[output]!r} of {sweep} has no bounds (no dual data)")
    n = s.size
    p = np.arange(1, n + 1) / n
    fig, (a,) = _figure(ax)
    a.fill_betweenx(p, np.sort(s - d), np.sort(s + d), step="post", color="C0", alpha=0.25,
                    label="certified band (CDFs of s - Delta, s + Delta)")
    a.step(np.sort(s), p, where="post", color="C0", lw=1.5, label=f"ROM, {n} samples")
    if reference is not None:
        ref = np.sort(np.asarray(reference, dtype=float))
        a.plot(ref, np.arange(1, ref.size + 1) / ref.size, "k.", ms=3,
               label=f"FOM, {ref.size} samples")
    a.set_xlabel(xlabel or names[output])
    a.set_ylabel("cumulative probability")
    a.set_title(title or "ROM CDF with its certified band")
    a.legend(loc="upper left")
    return _finish(fig, path)
