/* romkit — reduced-order modelling toolkit. The one header users include. */
#ifndef ROMKIT_H
#define ROMKIT_H

#include "romkit/version.h"
#include "romkit/error.h"
#include "romkit/context.h"
#include "romkit/progress.h"
#include "romkit/output.h"
#include "romkit/rng.h"
#include "romkit/matrix.h"
#include "romkit/snapshots.h"
#include "romkit/pod.h"
#include "romkit/isvd.h"
#include "romkit/interp.h"
#include "romkit/dmd.h"
#include "romkit/model.h"
#include "romkit/affine_rom.h"
#include "romkit/sweep.h"
#include "romkit/greedy.h"
#include "romkit/optimize.h"
#include "romkit/hyper.h"
#include "romkit/nonlinear_rom.h"
#include "romkit/autoencoder.h"
#include "romkit/fom.h"
#include "romkit/problems.h"
#include "romkit/problem.h"
#include "romkit/workflow.h"
#include "romkit/greedy_nonlinear.h"
#include "romkit/parametric.h"
#include "romkit/binding.h"

#endif
