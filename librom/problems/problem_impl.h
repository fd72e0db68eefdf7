/* romkit internal — the library's problems' ops tables (romkit/problem.h), one file each:
 * problem_burgers1d.c (P1), problem_burgers2d.c (P2), problem_heat2d.c (P3),
 * problem_heat2d_exp.c (P3X, the non-affine heat problem), each defining
 * `const rom_problem_ops rom_problem_ops_<id>`. ROM_PROBLEM_BUILTINS lists them in the order
 * of the registry (and of help texts): a new built-in problem is one file plus its id on
 * that line. */
#ifndef ROMKIT_PROBLEMS_PROBLEM_IMPL_H
#define ROMKIT_PROBLEMS_PROBLEM_IMPL_H

#include "romkit/problem.h"

#define ROM_PROBLEM_BUILTINS(X) X(burgers1d) X(burgers2d) X(heat2d) X(heat2d_exp)

#define ROM_PROBLEM_DECLARE(id) extern const rom_problem_ops rom_problem_ops_##id;
ROM_PROBLEM_BUILTINS(ROM_PROBLEM_DECLARE)
#undef ROM_PROBLEM_DECLARE

#endif
