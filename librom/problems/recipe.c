/* The paper's autoencoder from a problem's recipe (romkit/problem.h): the one place the
 * network of Kim, Choi, Widemann, Zohdi (J. Comput. Phys. 451, 2022, sec. 3 and 5;
 * docs/problems.md) is put together, for `romkit train --problem` and the workflows alike.
 * The recipe spells the network as the CLI's --activation / --mask text, so a network is
 * described once, in one language, wherever it is built. */
#include "core/check.h"
#include "romkit/problem.h"

#include <stdio.h>
#include <string.h>

void rom_problem_recipe_default_network(rom_problem_recipe *r) {
  if (!r) return;
  memset(r, 0, sizeof *r);
  rom_ae_train_options t = rom_ae_train_options_default();
  snprintf(r->ae_activation, sizeof r->ae_activation, "swish");
  snprintf(r->ae_mask, sizeof r->ae_mask, "band:36:12");
  r->ae_batch = t.batch;
  r->ae_epochs = t.epochs;
}

int rom_problem_autoencoder_create(rom_ctx *ctx, const rom_problem_recipe *r, rom_int input_dim,
                                   rom_int latent, uint64_t seed, rom_ae **out) {
  int err = ROM_OK;
  rom_mask *mask = NULL;
  rom_int dec_hidden = 0;
  rom_activation act;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, r != NULL, ROM_ERR_ARG, "the recipe must not be NULL");
  ROM_CHECK(ctx, r->ae_activation[0] && r->ae_mask[0], ROM_ERR_UNSUPPORTED,
            "the recipe has no autoencoder (activation '%s', mask '%s')", r->ae_activation,
            r->ae_mask);
  ROM_CHECK(ctx, input_dim >= 1 && latent >= 1, ROM_ERR_ARG,
            "input_dim = %lld and latent = %lld must be >= 1", (long long)input_dim,
            (long long)latent);
  ROM_CHECK(ctx, r->ae_hidden >= 0, ROM_ERR_ARG, "ae_hidden = %lld must be >= 0 (0: 2 N)",
            (long long)r->ae_hidden);
  ROM_TRY(ctx, rom_activation_parse(ctx, r->ae_activation, &act));
  ROM_TRY(ctx, rom_mask_from_spec(ctx, r->ae_mask, input_dim, &mask, &dec_hidden));
  ROM_TRY(ctx, rom_ae_create_shallow(ctx, input_dim,
                                     r->ae_hidden > 0 ? r->ae_hidden : 2 * input_dim, latent,
                                     dec_hidden, act, r->ae_decoder_bias ? 1 : 0, mask, seed, out));
cleanup:
  rom_mask_destroy(&mask);
  return err;
}

void rom_problem_train_options(const rom_problem_recipe *r, rom_ae_train_options *o) {
  if (!r || !o) return;
  if (r->ae_batch > 0) o->batch = r->ae_batch;
  if (r->ae_epochs > 0) o->epochs = r->ae_epochs;
  o->scale_minmax = r->ae_minmax_scaling ? 1 : 0;
}
