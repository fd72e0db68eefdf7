/* The paper's autoencoder from a problem's recipe (romkit/problem.h): the one place the
 * network of Kim, Choi, Widemann, Zohdi (J. Comput. Phys. 451, 2022, sec. 3 and 5;
 * docs/problems.md) is put together, for `romkit train --problem` and the workflows alike.
 * The recipe spells the network as the CLI's --activation / --mask text, so a network is
 * described once, in one language, wherever it is built. */
#include "core/check.h"
#include "romkit/problem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void rom_problem_recipe_default_network(rom_problem_recipe *r) {
  if (!r) return;
  memset(r, 0, sizeof *r);
  rom_ae_train_options t = rom_ae_train_options_default();
  snprintf(r->ae_activation, sizeof r->ae_activation, "swish");
  snprintf(r->ae_mask, sizeof r->ae_mask, "band:36:12");
  r->ae_batch = t.batch;
  r->ae_epochs = t.epochs;
}

int rom_problem_network_from_name(const char *name, int *kind) {
  if (!kind) return ROM_ERR_ARG;
  if (!name || !name[0] || !strcasecmp(name, "paper")) {
    *kind = ROM_AE_NETWORK_PAPER;
    return ROM_OK;
  }
  if (!strcasecmp(name, "masked")) {
    *kind = ROM_AE_NETWORK_MASKED;
    return ROM_OK;
  }
  if (!strcasecmp(name, "narrow")) {
    *kind = ROM_AE_NETWORK_NARROW;
    return ROM_OK;
  }
  return ROM_ERR_ARG;
}

int rom_problem_autoencoder_create(rom_ctx *ctx, const rom_problem_recipe *r, rom_int input_dim,
                                   rom_int latent, uint64_t seed, rom_ae **out) {
  int err = ROM_OK;
  rom_mask *mask = NULL, *emask = NULL;
  rom_int dec_hidden = 0;
  int masked = 0;
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
  ROM_CHECK(ctx, rom_problem_network_from_name(r->ae_network, &masked) == ROM_OK, ROM_ERR_ARG,
            "unknown network '%s' (%s)", r->ae_network, ROM_AE_NETWORK_NAMES);
  ROM_TRY(ctx, rom_activation_parse(ctx, r->ae_activation, &act));
  ROM_TRY(ctx, rom_mask_from_spec(ctx, r->ae_mask, input_dim, &mask, &dec_hidden));
  if (masked != ROM_AE_NETWORK_MASKED) {
    const rom_int h = r->ae_hidden > 0                  ? r->ae_hidden
                      : masked == ROM_AE_NETWORK_NARROW ? ROM_AE_NARROW_HIDDEN
                                                        : 2 * input_dim;
    ROM_TRY(ctx, rom_ae_create_shallow(ctx, input_dim, h, latent, dec_hidden, act,
                                       r->ae_decoder_bias ? 1 : 0, mask, seed, out));
  } else {
    /* docs/autoencoder.md, "Encoder choice": the paper's dense N x 2N first layer is the
     * O(N^2) part of the network (P2: 93 % of an epoch's flops); masked with the decoder's
     * pattern transposed, hidden unit j sees the inputs whose outputs it feeds, and both
     * wide layers hold nnz weights. The encoder only gives the ROM's initial latent state. */
    ROM_CHECK(ctx, mask != NULL, ROM_ERR_ARG,
              "network masked: the decoder mask '%s' is dense, there is no pattern to "
              "transpose (give a band:B:S or stencil:NX:NY:B:S mask)",
              r->ae_mask);
    ROM_TRY(ctx, rom_mask_transpose(ctx, mask, &emask));
    {
      rom_layer_spec enc[2] = {{input_dim, dec_hidden, act, 1, emask},
                               {dec_hidden, latent, ROM_ACT_IDENTITY, 0, NULL}};
      rom_layer_spec dec[2] = {{latent, dec_hidden, act, r->ae_decoder_bias ? 1 : 0, NULL},
                               {dec_hidden, input_dim, ROM_ACT_IDENTITY, 0, mask}};
      ROM_TRY(ctx, rom_ae_create(ctx, 2, enc, 2, dec, seed, out));
    }
  }
cleanup:
  rom_mask_destroy(&mask);
  rom_mask_destroy(&emask);
  return err;
}

void rom_problem_train_options(const rom_problem_recipe *r, rom_ae_train_options *o) {
  if (!r || !o) return;
  if (r->ae_batch > 0) o->batch = r->ae_batch;
  if (r->ae_epochs > 0) o->epochs = r->ae_epochs;
  o->scale_minmax = r->ae_minmax_scaling ? 1 : 0;
}
