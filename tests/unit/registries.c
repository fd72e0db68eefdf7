/* The method registries (issue 11): the tables of SVD methods (librom/pod/svd_methods.h),
 * hyper-reduction methods (librom/hyper/methods.h) and activations
 * (librom/manifold/activations.h). Walks each table: the entries are in enum order, every
 * name round-trips name -> value -> name, every entry has its function and a description,
 * names are unique, out-of-range values and unknown names are refused, and the rules the
 * library and the CLI check are the ones the papers give (DEIM and QDEIM select exactly nb
 * samples; 'auto' chooses; the streaming methods stream). Also the per-kind file format
 * versions (rom_format_version) and the "unknown name" error that lists every name. */
#include "testutil.h"

#include <string.h>

/* librom internal API: the table entries (function pointers) are checked directly. */
#include "hyper/hyper_impl.h"
#include "manifold/ae_impl.h"
#include "pod/svd_driver.h"
#include "dmd/dmd_methods.h"

static void svd_methods(void) {
  const int n = rom_svd_method_count();
  CHECK(n == ROM_SVD_WIDE + 1, "%d SVD methods, the enum has %d", n, ROM_SVD_WIDE + 1);
  for (int i = 0; i < n; ++i) {
    const rom_svd_method_entry *e = rom_svd_method_lookup((rom_svd_method)i);
    rom_svd_method back = (rom_svd_method)-1;
    CHECK(e != NULL && (int)e->method == i, "SVD table entry %d is the enum value %d", i,
          e ? (int)e->method : -1);
    if (!e) continue;
    CHECK(e->driver != NULL, "SVD method '%s' has a driver", e->name);
    CHECK(!strcmp(rom_svd_method_name((rom_svd_method)i), e->name), "name of SVD method %d", i);
    CHECK(rom_svd_method_from_name(e->name, &back) == ROM_OK && (int)back == i,
          "'%s' -> %d -> '%s'", e->name, (int)back, e->name);
    CHECK(strlen(rom_svd_method_description((rom_svd_method)i)) > 10,
          "SVD method '%s' has a description", e->name);
    for (int j = 0; j < i; ++j)
      CHECK(strcmp(e->name, rom_svd_method_name((rom_svd_method)j)) != 0,
            "SVD method names are unique ('%s')", e->name);
  }
  CHECK(!strcmp(rom_svd_method_name((rom_svd_method)n), "unknown"), "past the table: unknown");
  CHECK(!strcmp(rom_svd_method_name((rom_svd_method)-1), "unknown"), "negative: unknown");
  CHECK(!strcmp(rom_svd_method_description((rom_svd_method)n), ""), "no description past it");
  CHECK(rom_svd_method_rules((rom_svd_method)n) == 0u, "no rules past the table");
  {
    rom_svd_method m = ROM_SVD_TSQR;
    CHECK(rom_svd_method_from_name("svd", &m) == ROM_ERR_ARG && m == ROM_SVD_TSQR,
          "an unknown name is refused and leaves the output alone");
    CHECK(rom_svd_method_from_name(NULL, &m) == ROM_ERR_ARG, "NULL name refused");
    CHECK(rom_svd_method_from_name("tsqr", NULL) == ROM_ERR_ARG, "NULL output refused");
  }
  /* the rules rom_pod_compute_file and the bench read */
  for (int i = 0; i < n; ++i) {
    unsigned r = rom_svd_method_rules((rom_svd_method)i);
    CHECK(((r & ROM_SVD_RULE_AUTOMATIC) != 0) == (i == ROM_SVD_AUTO), "only 'auto' chooses");
    CHECK(((r & ROM_SVD_RULE_STREAMS) != 0) == (i == ROM_SVD_AUTO || i == ROM_SVD_INCREMENTAL),
          "auto and incremental stream a file (method %d)", i);
    CHECK(((r & ROM_SVD_RULE_EXACT) != 0) ==
              (i == ROM_SVD_TSQR || i == ROM_SVD_SCALAPACK || i == ROM_SVD_WIDE),
          "tsqr, scalapack and wide are exact (method %d)", i);
  }
}

static void hyper_methods(void) {
  const int n = rom_hyper_method_count();
  CHECK(n == ROM_HYPER_QDEIM_E + 1, "%d hyper methods, the enum has %d", n, ROM_HYPER_QDEIM_E + 1);
  for (int i = 0; i < n; ++i) {
    const rom_hyper_method_entry *e = rom_hyper_method_lookup((rom_hyper_method)i);
    rom_hyper_method back = (rom_hyper_method)-1;
    CHECK(e != NULL && (int)e->method == i, "hyper table entry %d is the enum value %d", i,
          e ? (int)e->method : -1);
    if (!e) continue;
    CHECK(e->select != NULL, "hyper method '%s' has a selection function", e->name);
    CHECK(!strcmp(rom_hyper_method_name((rom_hyper_method)i), e->name), "name of method %d", i);
    CHECK(rom_hyper_method_from_name(e->name, &back) == ROM_OK && (int)back == i,
          "'%s' -> %d -> '%s'", e->name, (int)back, e->name);
    CHECK(strlen(rom_hyper_method_description((rom_hyper_method)i)) > 10,
          "hyper method '%s' has a description", e->name);
    for (int j = 0; j < i; ++j)
      CHECK(strcmp(e->name, rom_hyper_method_name((rom_hyper_method)j)) != 0,
            "hyper method names are unique ('%s')", e->name);
    /* DEIM (Chaturantabut & Sorensen 2010) and QDEIM (Drmac & Gugercin 2016) interpolate:
     * exactly nb samples; GNAT, S-OPT, deim-os and qdeim-e oversample */
    CHECK(((rom_hyper_method_rules((rom_hyper_method)i) & ROM_HYPER_RULE_EXACT_SAMPLES) != 0) ==
              (i == ROM_HYPER_DEIM || i == ROM_HYPER_QDEIM),
          "'%s': ns == nb only for deim and qdeim", e->name);
  }
  CHECK(!strcmp(rom_hyper_method_name((rom_hyper_method)n), "unknown"), "past the table");
  CHECK(rom_hyper_method_lookup((rom_hyper_method)n) == NULL, "no entry past the table");
  {
    rom_hyper_method m = ROM_HYPER_GNAT;
    CHECK(rom_hyper_method_from_name("DEIM", &m) == ROM_ERR_ARG && m == ROM_HYPER_GNAT,
          "names are case-sensitive; an unknown one leaves the output alone");
  }
  {
    char buf[256];
    rom_hyper_method_list(buf, sizeof buf, ROM_HYPER_RULE_EXACT_SAMPLES, 0u, " or ");
    CHECK(!strcmp(buf, "gnat, sopt, deim-os or qdeim-e"), "the oversampling methods: '%s'", buf);
    rom_hyper_method_list(buf, sizeof buf, 0u, 0u, " or ");
    CHECK(!strcmp(buf, "deim, qdeim, gnat, sopt, deim-os or qdeim-e"), "all methods: '%s'", buf);
    rom_hyper_method_list(buf, 8, 0u, 0u, " or ");
    CHECK(strlen(buf) == 7, "the list is truncated to the buffer: '%s'", buf);
  }
}

static void activations(rom_ctx *ctx) {
  const int n = rom_activation_count();
  CHECK(n == ROM_ACT_TANH + 1, "%d activations, the enum has %d", n, ROM_ACT_TANH + 1);
  for (int i = 0; i < n; ++i) {
    const rom_activation_entry *e = rom_activation_lookup((rom_activation)i);
    rom_activation back = (rom_activation)-1;
    CHECK(e != NULL && (int)e->act == i, "activation table entry %d is the enum value %d", i,
          e ? (int)e->act : -1);
    if (!e) continue;
    CHECK(e->apply != NULL, "activation '%s' has a function", e->name);
    CHECK(!strcmp(rom_activation_name((rom_activation)i), e->name), "name of activation %d", i);
    CHECK(rom_activation_from_name(e->name, &back) == ROM_OK && (int)back == i,
          "'%s' -> %d -> '%s'", e->name, (int)back, e->name);
    back = (rom_activation)-1;
    CHECK(rom_activation_parse(ctx, e->name, &back) == ROM_OK && (int)back == i,
          "rom_activation_parse('%s')", e->name);
    CHECK(strlen(rom_activation_description((rom_activation)i)) > 3,
          "activation '%s' has a description", e->name);
    for (int j = 0; j < i; ++j)
      CHECK(strcmp(e->name, rom_activation_name((rom_activation)j)) != 0,
            "activation names are unique ('%s')", e->name);
    /* rom_activation_apply dispatches to the entry: same values as calling it directly */
    {
      double z[5] = {-3.0, -0.5, 0.0, 0.25, 4.0}, y1[5], d1[5], y2[5], d2[5];
      e->apply(5, z, y1, d1);
      rom_activation_apply((rom_activation)i, 5, z, y2, d2);
      CHECK(!memcmp(y1, y2, sizeof y1) && !memcmp(d1, d2, sizeof d1),
            "rom_activation_apply('%s') is its table entry", e->name);
    }
  }
  CHECK(!strcmp(rom_activation_name((rom_activation)n), "unknown"), "past the table");
  {
    /* the values the paper's activations must give: swish(0) = 0, sigmoid(0) = 1/2 with
     * derivative 1/4, tanh'(0) = 1 */
    double z = 0.0, y = -1.0, d = -1.0;
    rom_activation_apply(ROM_ACT_SWISH, 1, &z, &y, &d);
    CHECK(y == 0.0 && d == 0.5, "swish(0) = 0, swish'(0) = 1/2 (got %g, %g)", y, d);
    rom_activation_apply(ROM_ACT_SIGMOID, 1, &z, &y, &d);
    CHECK(y == 0.5 && d == 0.25, "sigmoid(0) = 1/2, sigmoid'(0) = 1/4 (got %g, %g)", y, d);
    rom_activation_apply(ROM_ACT_TANH, 1, &z, &y, &d);
    CHECK(y == 0.0 && d == 1.0, "tanh(0) = 0, tanh'(0) = 1 (got %g, %g)", y, d);
    z = 2.0;
    rom_activation_apply((rom_activation)n, 1, &z, &y, &d);
    CHECK(y == 2.0 && d == 1.0, "an unknown activation is the identity");
  }
  {
    /* the error names every activation of the table */
    rom_activation a = ROM_ACT_TANH;
    CHECK_ERR(ctx, rom_activation_parse(ctx, "relu", &a), ROM_ERR_ARG);
    CHECK(a == ROM_ACT_TANH, "a refused name leaves the output alone");
    const char *msg = rom_ctx_last_error(ctx);
    CHECK(strstr(msg, "'relu'") != NULL, "the message names the input: %s", msg);
    for (int i = 0; i < n; ++i)
      CHECK(strstr(msg, rom_activation_name((rom_activation)i)) != NULL,
            "the message lists '%s': %s", rom_activation_name((rom_activation)i), msg);
  }
}

/* The DMD methods (librom/dmd/dmd_methods.h): enum order, names, fit functions, rules. */
static void dmd_methods(void) {
  const int n = rom_dmd_method_count();
  CHECK(n == 4, "4 DMD methods, got %d", n);
  for (int i = 0; i < n; i++) {
    rom_dmd_method back = (rom_dmd_method)-1;
    const char *name = rom_dmd_method_name((rom_dmd_method)i);
    CHECK(rom_dmd_method_from_name(name, &back) == ROM_OK && (int)back == i,
          "DMD method %d '%s' round-trips", i, name);
    CHECK(rom_dmd_method_fit((rom_dmd_method)i) != NULL, "DMD method '%s' has a fit", name);
    CHECK(strlen(rom_dmd_method_description((rom_dmd_method)i)) > 10, "description of '%s'", name);
    for (int j = 0; j < i; j++)
      CHECK(strcmp(name, rom_dmd_method_name((rom_dmd_method)j)) != 0, "'%s' is unique", name);
  }
  CHECK(!strcmp(rom_dmd_method_name(ROM_DMD_EXACT), "exact") &&
            !strcmp(rom_dmd_method_name(ROM_DMD_DMDC), "dmdc") &&
            !strcmp(rom_dmd_method_name(ROM_DMD_OPT), "opt") &&
            !strcmp(rom_dmd_method_name(ROM_DMD_BOP), "bop"),
        "the enum values name their methods");
  CHECK(!strcmp(rom_dmd_method_name((rom_dmd_method)n), "unknown") &&
            rom_dmd_method_rules((rom_dmd_method)n) == 0u &&
            rom_dmd_method_fit((rom_dmd_method)-1) == NULL,
        "past the DMD table: unknown, no rules, no fit");
  CHECK(rom_dmd_method_rules(ROM_DMD_DMDC) == ROM_DMD_RULE_CONTROL, "dmdc needs control only");
  CHECK((rom_dmd_method_rules(ROM_DMD_BOP) & ROM_DMD_RULE_UNCERTAINTY) &&
            !(rom_dmd_method_rules(ROM_DMD_OPT) & ROM_DMD_RULE_UNCERTAINTY),
        "bop gives uncertainty, opt does not");
  {
    rom_dmd_method m = ROM_DMD_DMDC;
    CHECK(rom_dmd_method_from_name("optimized", &m) == ROM_ERR_ARG && m == ROM_DMD_DMDC,
          "unknown DMD name refused, output untouched");
    CHECK(rom_dmd_method_from_name(NULL, &m) == ROM_ERR_ARG, "NULL name refused");
  }
}

static void format_versions(void) {
  CHECK(rom_format_version("hyper") == 2, "hyper files are at format_version 2 (names)");
  CHECK(rom_format_version("basis") == 1, "basis files are still at 1");
  CHECK(rom_format_version("autoencoder") == 1, "autoencoder files are still at 1");
  CHECK(rom_format_version("no such kind") == 1 && rom_format_version(NULL) == 1,
        "any other kind: 1");
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  svd_methods();
  hyper_methods();
  activations(ctx);
  dmd_methods();
  format_versions();
  return test_finish(&ctx);
}
