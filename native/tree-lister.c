// tree_lister.node: lists directories of a big tree and lstat()s their entries on libuv's
// thread pool, for src/tree/native-lister.ts. It does what `find -files0-from - -mindepth 1
// -maxdepth 1 -printf ...` does for find-lister.ts (readdir, then fstatat() relative to the open
// directory, readlinkat() for symlinks) but hands the results over as packed arrays: no text to
// format in find and to parse again in JavaScript, which on a 2-CPU machine was most of the gap
// between the scan and a bare `find -printf`. Several jobs run at once, one per pool thread.
//
// list(root, dirs, callback): `dirs` are tree paths relative to `root`. callback(error, result)
// runs on the JS thread once all of them are done; error is set only when `root` cannot be
// opened. result (every array has one element per directory, or per entry, in order):
//   counts       Int32Array   entries of each directory, or -1: could not be opened or read
//                             (the caller lists it itself and learns why)
//   undecodable  Uint32Array  names skipped because they are not valid UTF-8 (per directory)
//   paths        Buffer       "dir/name" of each entry, in byte order within its directory
//   ends         Uint32Array  where each path ends in `paths` (the next starts one byte later)
//   fields       Float64Array 8 per entry: S_IFMT >> 12, mode & 07777, uid, gid, size,
//                             mtimeMs, ctimeMs, ino; mtimeMs/ctimeMs as Node computes Stats.mtimeMs
//   errors       Int32Array   per entry: 0, or the errno of its lstat (its fields are then 0 but
//                             the first, which is the type readdir gave: DT_* = S_IFMT >> 12)
//   targets      Buffer       symlink targets, each followed by a NUL byte (symlinks only, in order)
// An entry that vanished between readdir and lstat is left out, as find leaves it out.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIELDS_PER_ENTRY 8

typedef struct {
  char *data;
  size_t len;
  size_t cap;
} bytes_t;

typedef struct {
  char *root;
  char **dirs;
  uint32_t ndirs;
  int root_errno;
  int out_of_memory;
  int32_t *counts;
  uint32_t *undecodable;
  bytes_t paths;
  bytes_t ends;
  bytes_t fields;
  bytes_t errors;
  bytes_t targets;
  bytes_t arena;  // scratch: the names of the directory being listed
  bytes_t names;  // scratch: name_t of those names
  napi_async_work work;
  napi_ref callback;
} job_t;

typedef struct {
  size_t offset;  // in the directory's name arena
  size_t length;
  unsigned char type;  // d_type (DT_* = S_IFMT >> 12), for entries whose lstat fails
} name_t;

static int reserve(bytes_t *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap == 0 ? 64 * 1024 : b->cap;
  while (cap < b->len + more) cap *= 2;
  char *data = realloc(b->data, cap);
  if (data == NULL) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

static int append(bytes_t *b, const void *src, size_t n) {
  if (reserve(b, n) != 0) return -1;
  memcpy(b->data + b->len, src, n);
  b->len += n;
  return 0;
}

// Strict UTF-8 as WHATWG decoders (Node's Buffer.toString) accept it: no overlong forms, no
// surrogates, nothing above U+10FFFF. A name that fails would not survive a round trip through a
// JavaScript string, so it cannot be synced (src/tree/name-bytes.ts).
static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c == 0xe0) need = 2, lo = 0xa0;
    else if (c >= 0xe1 && c <= 0xec) need = 2;
    else if (c == 0xed) need = 2, hi = 0x9f;
    else if (c >= 0xee && c <= 0xef) need = 2;
    else if (c == 0xf0) need = 3, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else if (c == 0xf4) need = 3, hi = 0x8f;
    else return 0;
    if (need >= n - i) return 0;  // cut short
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (size_t k = 2; k <= need; k++)
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return 0;
    i += need + 1;
  }
  return 1;
}

static int compare_names(const void *a, const void *b, void *arena) {
  return strcmp((const char *)arena + ((const name_t *)a)->offset,
                (const char *)arena + ((const name_t *)b)->offset);
}

static double time_ms(struct timespec t) {
  // Node: sec * 1e3 + nsec / 1e6, in doubles (the hash cache compares these numbers exactly)
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

// Reads the names of directory `fd` (which it closes) into `arena` (NUL-terminated), sorted.
// Returns the count, or -1.
static long read_names(int fd, bytes_t *arena, bytes_t *names, uint32_t *undecodable) {
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -1;
  }
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (e == NULL) {
      if (errno == 0) break;
      closedir(d);
      return -1;
    }
    const char *s = e->d_name;
    if (s[0] == '.' && (s[1] == 0 || (s[1] == '.' && s[2] == 0))) continue;
    size_t length = strlen(s);
    if (!valid_utf8((const unsigned char *)s, length)) {
      (*undecodable)++;
      continue;
    }
    name_t name = {arena->len, length, e->d_type};
    if (append(arena, s, length + 1) || append(names, &name, sizeof name)) {
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  size_t n = names->len / sizeof(name_t);
  if (n > 1) qsort_r(names->data, n, sizeof(name_t), compare_names, arena->data);
  return (long)n;
}

// Lists one directory into the job's arrays. Returns its entry count, -1 to let the caller list
// it, or -2 when out of memory.
static long list_one(job_t *job, int root_fd, const char *dir, uint32_t *undecodable) {
  int fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  int stat_fd = dup(fd);  // fdopendir() owns `fd`; fstatat() needs a descriptor after closedir()
  if (stat_fd < 0) {
    close(fd);
    return -1;
  }
  bytes_t *arena = &job->arena, *list = &job->names;
  arena->len = 0;
  list->len = 0;
  long n = read_names(fd, arena, list, undecodable);
  if (n < 0) {
    close(stat_fd);
    return -1;
  }
  const name_t *names = (const name_t *)list->data;
  size_t dir_length = strlen(dir);
  long kept = 0;
  for (long k = 0; k < n; k++) {
    const char *name = arena->data + names[k].offset;
    size_t length = names[k].length;
    struct stat st;
    int32_t err = 0;
    if (fstatat(stat_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // vanished since readdir
      err = errno;
    }
    double f[FIELDS_PER_ENTRY] = {(double)names[k].type};
    if (err == 0) {
      f[0] = (double)((st.st_mode & S_IFMT) >> 12);
      f[1] = (double)(st.st_mode & 07777);
      f[2] = (double)st.st_uid;
      f[3] = (double)st.st_gid;
      f[4] = (double)st.st_size;
      f[5] = time_ms(st.st_mtim);
      f[6] = time_ms(st.st_ctim);
      f[7] = (double)st.st_ino;
    }
    if (job->paths.len + dir_length + length + 2 > UINT32_MAX) {
      close(stat_fd);
      return -1;  // offsets are 32-bit: a directory this big is listed by the caller
    }
    uint32_t end = (uint32_t)(job->paths.len + dir_length + 1 + length);
    if (append(&job->paths, dir, dir_length) || append(&job->paths, "/", 1) ||
        append(&job->paths, name, length + 1) || append(&job->ends, &end, sizeof end) ||
        append(&job->fields, f, sizeof f) || append(&job->errors, &err, sizeof err)) {
      close(stat_fd);
      return -2;
    }
    if (err == 0 && S_ISLNK(st.st_mode)) {
      size_t want = (size_t)st.st_size + 1 < 256 ? 256 : (size_t)st.st_size + 1;
      for (;;) {
        if (reserve(&job->targets, want) != 0) {
          close(stat_fd);
          return -2;
        }
        ssize_t got = readlinkat(stat_fd, name, job->targets.data + job->targets.len, want);
        if (got < 0) got = 0;  // replaced since lstat: an empty target, as find's %l prints
        if ((size_t)got < want) {
          job->targets.data[job->targets.len + (size_t)got] = 0;
          job->targets.len += (size_t)got + 1;
          break;
        }
        want *= 2;  // grew since lstat
      }
    }
    kept++;
  }
  close(stat_fd);
  return kept;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  int root_fd = open(job->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    job->root_errno = errno;
    return;
  }
  for (uint32_t i = 0; i < job->ndirs; i++) {
    size_t paths_before = job->paths.len, ends_before = job->ends.len;
    size_t fields_before = job->fields.len, errors_before = job->errors.len;
    size_t targets_before = job->targets.len;
    uint32_t undecodable = 0;
    long n = list_one(job, root_fd, job->dirs[i], &undecodable);
    if (n == -2) {
      job->out_of_memory = 1;
      break;
    }
    if (n < 0) {
      // nothing of a directory that could not be listed stays in the arrays
      job->paths.len = paths_before;
      job->ends.len = ends_before;
      job->fields.len = fields_before;
      job->errors.len = errors_before;
      job->targets.len = targets_before;
    }
    job->counts[i] = (int32_t)n;
    job->undecodable[i] = n < 0 ? 0 : undecodable;
  }
  close(root_fd);
}

// ---- JavaScript side -------------------------------------------------------------------------

static void free_job(napi_env env, job_t *job) {
  if (job->callback != NULL) napi_delete_reference(env, job->callback);
  if (job->work != NULL) napi_delete_async_work(env, job->work);
  for (uint32_t i = 0; i < job->ndirs; i++) free(job->dirs[i]);
  free(job->dirs);
  free(job->root);
  free(job->counts);
  free(job->undecodable);
  free(job->paths.data);
  free(job->ends.data);
  free(job->fields.data);
  free(job->errors.data);
  free(job->targets.data);
  free(job->arena.data);
  free(job->names.data);
  free(job);
}

// V8 is told about the memory it does not allocate itself, so that a big scan's garbage is
// collected as soon as the same amount of heap garbage would be.
static void free_memory(napi_env env, void *data, void *hint) {
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)(uintptr_t)hint, &ignored);
  free(data);
}

// A typed array over `*data` (`length` bytes), which it takes over: *data is NULL afterwards.
static napi_status typed_array(napi_env env, char **data, size_t length, napi_typedarray_type type,
                               size_t element_size, napi_value *out) {
  napi_value buffer;
  napi_status status;
  if (*data == NULL || length == 0) {
    void *unused;
    status = napi_create_arraybuffer(env, 0, &unused, &buffer);
  } else {
    status = napi_create_external_arraybuffer(env, *data, length, free_memory,
                                              (void *)(uintptr_t)length, &buffer);
    if (status == napi_ok) {
      *data = NULL;
      int64_t ignored;
      napi_adjust_external_memory(env, (int64_t)length, &ignored);
    } else {
      // runtimes that refuse external memory (a V8 sandbox) get a copy
      void *copy;
      status = napi_create_arraybuffer(env, length, &copy, &buffer);
      if (status == napi_ok) memcpy(copy, *data, length);
    }
  }
  if (status != napi_ok) return status;
  return napi_create_typedarray(env, type, length / element_size, buffer, 0, out);
}

static napi_status set_array(napi_env env, napi_value object, const char *key, char **data,
                             size_t length, napi_typedarray_type type, size_t element_size) {
  napi_value array;
  napi_status status = typed_array(env, data, length, type, element_size, &array);
  if (status != napi_ok) return status;
  return napi_set_named_property(env, object, key, array);
}

static napi_value error_value(napi_env env, const char *message, int code) {
  napi_value text, error;
  char buffer[512];
  if (code != 0) snprintf(buffer, sizeof buffer, "%s: %s", message, strerror(code));
  else snprintf(buffer, sizeof buffer, "%s", message);
  napi_create_string_utf8(env, buffer, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, NULL, text, &error);
  return error;
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value callback, global, args[2], ignored;
  napi_get_reference_value(env, job->callback, &callback);
  napi_get_global(env, &global);
  napi_get_null(env, &args[1]);
  if (status != napi_ok) {
    args[0] = error_value(env, "tree lister: job cancelled", 0);
  } else if (job->root_errno != 0) {
    args[0] = error_value(env, "tree lister: cannot open the tree root", job->root_errno);
  } else if (job->out_of_memory) {
    args[0] = error_value(env, "tree lister: out of memory", 0);
  } else {
    napi_get_null(env, &args[0]);
    napi_value result;
    napi_status s = napi_create_object(env, &result);
    char *counts = (char *)job->counts, *undecodable = (char *)job->undecodable;
    size_t per_dir = (size_t)job->ndirs * 4;
    if (s == napi_ok) s = set_array(env, result, "counts", &counts, per_dir, napi_int32_array, 4);
    job->counts = (int32_t *)counts;
    if (s == napi_ok) s = set_array(env, result, "undecodable", &undecodable, per_dir, napi_uint32_array, 4);
    job->undecodable = (uint32_t *)undecodable;
    if (s == napi_ok) s = set_array(env, result, "paths", &job->paths.data, job->paths.len, napi_uint8_array, 1);
    if (s == napi_ok) s = set_array(env, result, "ends", &job->ends.data, job->ends.len, napi_uint32_array, 4);
    if (s == napi_ok) s = set_array(env, result, "fields", &job->fields.data, job->fields.len, napi_float64_array, 8);
    if (s == napi_ok) s = set_array(env, result, "errors", &job->errors.data, job->errors.len, napi_int32_array, 4);
    if (s == napi_ok) s = set_array(env, result, "targets", &job->targets.data, job->targets.len, napi_uint8_array, 1);
    if (s == napi_ok) args[1] = result;
    else args[0] = error_value(env, "tree lister: cannot build the result", 0);
  }
  free_job(env, job);
  napi_call_function(env, global, callback, 2, args, &ignored);
}

static char *string_of(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *s = malloc(length + 1);
  if (s == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, s, length + 1, &length) != napi_ok) {
    free(s);
    return NULL;
  }
  if (strlen(s) != length) {  // a NUL inside: not a path
    free(s);
    return NULL;
  }
  return s;
}

static napi_value list(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t ndirs = 0;
  bool is_array = false;
  napi_valuetype callback_type = napi_undefined;
  if (argc == 3) {
    napi_is_array(env, argv[1], &is_array);
    napi_typeof(env, argv[2], &callback_type);
  }
  if (!is_array || callback_type != napi_function) {
    napi_throw_type_error(env, NULL, "list(root: string, dirs: string[], callback)");
    return NULL;
  }
  napi_get_array_length(env, argv[1], &ndirs);
  job_t *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "tree lister: out of memory");
    return NULL;
  }
  job->root = string_of(env, argv[0]);
  job->dirs = calloc(ndirs == 0 ? 1 : ndirs, sizeof *job->dirs);
  job->counts = calloc(ndirs == 0 ? 1 : ndirs, sizeof *job->counts);
  job->undecodable = calloc(ndirs == 0 ? 1 : ndirs, sizeof *job->undecodable);
  int bad = job->root == NULL || job->dirs == NULL || job->counts == NULL || job->undecodable == NULL;
  for (uint32_t i = 0; i < ndirs && !bad; i++) {
    napi_value dir;
    napi_get_element(env, argv[1], i, &dir);
    job->dirs[i] = string_of(env, dir);
    job->ndirs = i + 1;
    bad = job->dirs[i] == NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "clsync-hpc:tree-lister", NAPI_AUTO_LENGTH, &name);
  if (bad || napi_create_reference(env, argv[2], 1, &job->callback) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free_job(env, job);
    napi_throw_type_error(env, NULL, "tree lister: root and dirs must be strings without NUL");
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "list", NAPI_AUTO_LENGTH, list, NULL, &fn);
  napi_set_named_property(env, exports, "list", fn);
  return exports;
}
