/* romkit internal — the library's problems' ops tables (romkit/problem.h), one file each:
 * problem_burgers1d.c (P1), problem_burgers2d.c (P2), problem_heat2d.c (P3). problem.c
 * lists them in its registry; a new built-in problem is one file plus one line there. */
#ifndef ROMKIT_PROBLEMS_PROBLEM_IMPL_H
#define ROMKIT_PROBLEMS_PROBLEM_IMPL_H

#include "romkit/problem.h"

extern const rom_problem_ops rom_problem_ops_burgers1d;
extern const rom_problem_ops rom_problem_ops_burgers2d;
extern const rom_problem_ops rom_problem_ops_heat2d;

#endif
