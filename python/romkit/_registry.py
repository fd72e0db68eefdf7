"""The method families of the library (SVD methods, hyper-reduction methods, activations),
read from its tables (include/romkit/pod.h, hyper.h, autoencoder.h) instead of being
spelled again here.

A :class:`Registry` is a read-only sequence of names, in table order (the i-th name is
the C enum value i), that asks the library on first use, so importing romkit does not
load libromkit.so. ``name in romkit.SVD_METHODS``, ``list(romkit.HYPER_METHODS)``,
``romkit.HYPER_METHODS.description("gnat")`` and ``.value("gnat")`` all work.
"""
import collections.abc

from ._lib import lib, out_arg, require

__all__ = ["Registry", "SVD_RULES", "HYPER_RULES"]

# The rule flags of the C headers (pod.h ROM_SVD_RULE_*, hyper.h ROM_HYPER_RULE_*).
SVD_RULES = {"automatic": 0x1, "exact": 0x2, "target_rank": 0x4, "streams": 0x8}
HYPER_RULES = {"exact_samples": 0x1, "initial_samples": 0x2}


class Registry(collections.abc.Sequence):
    """The names of one method family (`prefix`: "rom_svd_method", "rom_hyper_method" or
    "rom_activation"), in table order, read from the library on first use."""

    def __init__(self, prefix, what, rules=None, ctx_first=False):
        self._ctx_first = ctx_first  # NAME_from_name(ctx, name, out) (NULL ctx) instead of (name, out)
        self._prefix = prefix
        self._what = what
        self._rules = rules or {}
        self._names = None

    def _load(self):
        if self._names is None:
            require(self._prefix + "_count", f"the {self._what} names")
            f = lib()
            count = getattr(f, self._prefix + "_count")()
            name = getattr(f, self._prefix + "_name")
            self._names = tuple(name(i).decode() for i in range(count))
        return self._names

    def __getitem__(self, index):
        return self._load()[index]

    def __len__(self):
        return len(self._load())

    def __contains__(self, name):
        return name in self._load()

    def __eq__(self, other):
        return tuple(self) == tuple(other) if isinstance(other, (tuple, list, Registry)) \
            else NotImplemented

    def __hash__(self):
        return hash(self._load())

    def __repr__(self):
        return repr(self._load())

    def value(self, name):
        """The C enum value of `name`; TypeError for a non-str, ValueError (listing the
        known names) for an unknown one."""
        if not isinstance(name, str):
            raise TypeError(f"{self._what} must be one of {', '.join(self)} (a str), got "
                            f"{type(name).__name__}")
        head = (None,) if self._ctx_first else ()
        m = out_arg(self._prefix + "_from_name", len(head) + 1)
        if getattr(lib(), self._prefix + "_from_name")(*head, name.encode(), m) != 0:
            raise ValueError(f"{self._what} must be one of {', '.join(self)}, got {name!r}")
        return m[0]

    def description(self, name):
        """The one-line description of `name` (for help texts)."""
        return getattr(lib(), self._prefix + "_description")(self.value(name)).decode()

    def rules(self, name):
        """The names of the rules that hold for `name` (e.g. {"exact_samples"})."""
        fn = getattr(lib(), self._prefix + "_rules", None)
        flags = fn(self.value(name)) if fn is not None else 0
        return {rule for rule, bit in self._rules.items() if flags & bit}
