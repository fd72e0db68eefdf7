/* Root attributes of romkit files: scalar strings, doubles and 64-bit integers.
 *
 * Strings are written as variable-length UTF-8 scalars: h5py returns those as Python
 * `str` (fixed-length ASCII comes back as `bytes`), and h5dump shows them plainly.
 * Reading accepts both variable- and fixed-length strings, so files written by other
 * tools (numpy.bytes_ attributes) are read too. Integers are stored as 64-bit
 * little-endian (H5T_STD_I64LE), doubles as IEEE binary64 (H5T_IEEE_F64LE).
 *
 * Attribute writes are metadata: every rank makes the call with the same value, and
 * HDF5 (collective metadata writes) writes it once. */
#include "io/h5_impl.h"

#include <string.h>

/* An existing attribute can be overwritten in place if it holds one value of the same
 * class: writing a double over an integer attribute would truncate it. */
static int replaceable(hid_t attr, hid_t file_type) {
  hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  int ok = type >= 0 && space >= 0 && H5Tget_class(type) == H5Tget_class(file_type) &&
           H5Sget_select_npoints(space) == 1;
  rom_h5_release(&type);
  rom_h5_release(&space);
  return ok;
}

/* Writes a scalar attribute, replacing an existing one: in place when HDF5 can convert
 * (so a counter updated on every add does not churn the object header), otherwise by
 * deleting and re-creating it. */
static int write_scalar(rom_h5 *f, const char *name, hid_t file_type, hid_t mem_type,
                        const void *value) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(ctx, name && *name && value, ROM_ERR_ARG, "attribute name and value are required");
  htri_t exists = H5Aexists(f->file, name);
  ROM_CHECK_ALL(ctx, exists >= 0, ROM_ERR_IO, "cannot query attribute '%s' of '%s'", name, f->path);
  if (exists > 0) {
    attr = H5Aopen(f->file, name, H5P_DEFAULT);
    int replaced =
        attr >= 0 && replaceable(attr, file_type) && H5Awrite(attr, mem_type, value) >= 0;
    rom_h5_release(&attr);
    if (rom_all_ok(ctx, replaced)) goto cleanup;
    ROM_CHECK_ALL(ctx, H5Adelete(f->file, name) >= 0, ROM_ERR_IO,
                  "cannot replace attribute '%s' of '%s'", name, f->path);
  }
  space = H5Screate(H5S_SCALAR);
  attr = space < 0 ? H5I_INVALID_HID
                   : H5Acreate2(f->file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
  ROM_CHECK_ALL(ctx, attr >= 0, ROM_ERR_IO, "cannot create attribute '%s' in '%s'", name, f->path);
  ROM_CHECK_ALL(ctx, H5Awrite(attr, mem_type, value) >= 0, ROM_ERR_IO,
                "cannot write attribute '%s' in '%s'", name, f->path);
cleanup:
  rom_h5_release(&attr);
  rom_h5_release(&space);
  rom_h5_quiet_end(&quiet);
  return err;
}

static hid_t vlen_utf8_type(void) {
  hid_t type = H5Tcopy(H5T_C_S1);
  if (type >= 0 && (H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0))
    rom_h5_release(&type);
  return type;
}

int rom_h5_write_attr_string(rom_h5 *f, const char *name, const char *value) {
  int err = ROM_OK;
  hid_t type = vlen_utf8_type();
  ROM_CHECK_ALL(f->ctx, type >= 0, ROM_ERR_IO, "cannot make a string type for '%s'", name);
  ROM_CHECK_ALL(f->ctx, value != NULL, ROM_ERR_ARG, "attribute '%s': value is NULL", name);
  ROM_TRY(f->ctx, write_scalar(f, name, type, type, &value));
cleanup:
  rom_h5_release(&type);
  return err;
}

int rom_h5_write_attr_double(rom_h5 *f, const char *name, double value) {
  return write_scalar(f, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int rom_h5_write_attr_int(rom_h5 *f, const char *name, int64_t value) {
  return write_scalar(f, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

/* ---- reading --------------------------------------------------------------------------- */

/* Opens attribute `name` holding exactly one value of class `want` (or, if want2 >= 0,
 * of class want2). Missing: *found = 0 and *attr stays invalid when found != NULL,
 * else ROM_ERR_FORMAT. */
static int open_scalar(rom_h5 *f, const char *name, H5T_class_t want, H5T_class_t want2, int *found,
                       hid_t *attr, hid_t *type) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  hid_t space = H5I_INVALID_HID;
  if (found) *found = 0;
  ROM_CHECK_ALL(ctx, name && *name, ROM_ERR_ARG, "attribute name is required");
  htri_t exists = H5Aexists(f->file, name);
  ROM_CHECK_ALL(ctx, exists >= 0, ROM_ERR_IO, "cannot query attribute '%s' of '%s'", name, f->path);
  ROM_CHECK(ctx, exists > 0 || found, ROM_ERR_FORMAT, "file '%s' has no attribute '%s'", f->path,
            name);
  if (!exists) goto cleanup;
  *attr = H5Aopen(f->file, name, H5P_DEFAULT);
  *type = *attr >= 0 ? H5Aget_type(*attr) : H5I_INVALID_HID;
  space = *attr >= 0 ? H5Aget_space(*attr) : H5I_INVALID_HID;
  ROM_CHECK_ALL(ctx, *type >= 0 && space >= 0, ROM_ERR_IO, "cannot open attribute '%s' of '%s'",
                name, f->path);
  H5T_class_t cls = H5Tget_class(*type);
  ROM_CHECK_ALL(ctx, cls == want || (want2 != H5T_NO_CLASS && cls == want2), ROM_ERR_FORMAT,
                "attribute '%s' of '%s' has the wrong type (%s expected)", name, f->path,
                want == H5T_STRING    ? "a string"
                : want == H5T_INTEGER ? "an integer"
                                      : "a number");
  hssize_t points = H5Sget_select_npoints(space);
  ROM_CHECK_ALL(ctx, points == 1, ROM_ERR_FORMAT,
                "attribute '%s' of '%s' holds %lld values, expected one", name, f->path,
                (long long)points);
  if (found) *found = 1;
cleanup:
  rom_h5_release(&space);
  return err;
}

/* Copies `text` (length len, not NUL-terminated) to buf, dropping the padding that
 * fixed-length strings may carry. */
static int copy_out(rom_h5 *f, const char *name, const char *text, size_t len, char *buf,
                    size_t buflen) {
  int err = ROM_OK;
  while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == ' '))
    --len;
  if (memchr(text, '\0', len)) len = strlen(text);
  ROM_CHECK(f->ctx, len < buflen, ROM_ERR_ARG,
            "attribute '%s' of '%s' is %zu characters long, more than the %zu-byte buffer holds",
            name, f->path, len, buflen);
  memcpy(buf, text, len);
  buf[len] = '\0';
cleanup:
  return err;
}

static int read_string_value(rom_h5 *f, const char *name, hid_t attr, hid_t type, char *buf,
                             size_t buflen) {
  int err = ROM_OK;
  rom_ctx *ctx = f->ctx;
  char *fixed = NULL, *vlen = NULL;
  htri_t variable = H5Tis_variable_str(type);
  if (variable > 0) {
    /* The stored type is also the memory type: HDF5 does not convert ASCII <-> UTF-8. */
    ROM_CHECK_ALL(ctx, H5Aread(attr, type, &vlen) >= 0, ROM_ERR_IO,
                  "cannot read attribute '%s' of '%s'", name, f->path);
    ROM_TRY_ALL(ctx, copy_out(f, name, vlen ? vlen : "", vlen ? strlen(vlen) : 0, buf, buflen));
  } else {
    size_t size = H5Tget_size(type);
    ROM_TRY_ALL(ctx, rom_calloc(ctx, size + 1, 1, (void **)&fixed));
    ROM_CHECK_ALL(ctx, H5Aread(attr, type, fixed) >= 0, ROM_ERR_IO,
                  "cannot read attribute '%s' of '%s'", name, f->path);
    ROM_TRY_ALL(ctx, copy_out(f, name, fixed, size, buf, buflen));
  }
cleanup:
  if (vlen) H5free_memory(vlen);
  rom_free(ctx, fixed);
  return err;
}

int rom_h5_read_attr_string(rom_h5 *f, const char *name, char *buf, size_t buflen, int *found) {
  int err = ROM_OK;
  hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(f->ctx, buf && buflen > 0, ROM_ERR_ARG, "attribute '%s': no buffer to read into",
                name ? name : "");
  buf[0] = '\0';
  ROM_TRY(f->ctx, open_scalar(f, name, H5T_STRING, H5T_NO_CLASS, found, &attr, &type));
  if (attr >= 0) ROM_TRY(f->ctx, read_string_value(f, name, attr, type, buf, buflen));
cleanup:
  rom_h5_release(&type);
  rom_h5_release(&attr);
  rom_h5_quiet_end(&quiet);
  return err;
}

static int read_number(rom_h5 *f, const char *name, H5T_class_t want, H5T_class_t want2,
                       hid_t mem_type, void *value, int *found) {
  int err = ROM_OK;
  hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID;
  rom_h5_quiet quiet;
  rom_h5_quiet_begin(&quiet);
  ROM_CHECK_ALL(f->ctx, value != NULL, ROM_ERR_ARG, "attribute '%s': value is NULL",
                name ? name : "");
  ROM_TRY(f->ctx, open_scalar(f, name, want, want2, found, &attr, &type));
  if (attr >= 0)
    ROM_CHECK_ALL(f->ctx, H5Aread(attr, mem_type, value) >= 0, ROM_ERR_IO,
                  "cannot read attribute '%s' of '%s'", name, f->path);
cleanup:
  rom_h5_release(&type);
  rom_h5_release(&attr);
  rom_h5_quiet_end(&quiet);
  return err;
}

int rom_h5_read_attr_double(rom_h5 *f, const char *name, double *value, int *found) {
  return read_number(f, name, H5T_FLOAT, H5T_INTEGER, H5T_NATIVE_DOUBLE, value, found);
}

int rom_h5_read_attr_int(rom_h5 *f, const char *name, int64_t *value, int *found) {
  return read_number(f, name, H5T_INTEGER, H5T_NO_CLASS, H5T_NATIVE_INT64, value, found);
}
